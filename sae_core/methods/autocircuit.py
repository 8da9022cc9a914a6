"""ACDC, EAP, EAP-IG and subnetwork probing through auto-circuit 1.0.1 (an adapter).

The algorithms are auto-circuit's own (imported, never copied); this module only
builds their inputs from a :class:`~sae_core.types.Task` and turns their edge scores
into :class:`~sae_core.types.HeadScores`.

Inputs. The task's model is deep-copied and the copy is configured as auto-circuit's
factorized graph needs (``use_attn_result``; ``use_split_qkv_input`` with separate
q/k/v inputs, else ``use_attn_in``; ``use_hook_mlp_in`` unless attention-only) and
wrapped by ``patchable_model``, which edits the model it is given in place: the task's
own model is never modified. Clean prompts are ``task.positive``, corrupt prompts
``task.negative`` (or other positives where the negatives keep the output: ``corrupt``
in the config), paired by index (:func:`~sae_core.methods.common.prompt_pairs`),
all in ONE batch (ACDC reads only the first batch of its dataloader). The loader is
built from our tokens (``PromptDataset`` / ``PromptDataLoader``); the wheel ships no
datasets. The task metric is in :mod:`sae_core.methods.common`; output positions are
the last one (labelled tasks) or every position but BOS (``"not_first_seq"``).

Edges to heads. auto-circuit's edges run from sources (embeddings "Resid Start", head
outputs ``A{l}.{h}``, MLP outputs) to destinations (each head's q/k/v input
``A{l}.{h}.{Q|K|V}``, MLP inputs, "Resid End"). Our ``edge_scores`` [H, H] score head
pairs: a pair's q/k/v edges merged (rule ``edge_from_qkv``), or its strongest path
through MLPs where larger (a path scores its weakest edge: the edge truths count a head
that reaches a later one through MLPs as an edge); symmetric. ``node_scores`` merge
ALL edges touching a head, as source or destination,
including those to and from embeddings, MLPs and the output (rule
``node_from_edges``): a last-layer head talks to the output only. Rules are "sum" of
|score| for attribution methods (EAP, EAP-IG: contributions add up) and "max" for the
survival-type scores of ACDC and SP (a head is in the circuit if any of its edges is).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import importlib.util
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch

from sae_core.compat import (
    BASELINES_INSTALL,
    ensure_past_key_value_caching,
    require_hooked_transformer,
)
from sae_core.device import resolve_device
from sae_core.methods.common import (
    SELECTION_ABOVE_MEAN,
    above_mean,
    answers_for,
    baseline_scores,
    corrupt_source,
    metric_kind,
    prompt_pairs,
)
from sae_core.methods.config import (
    ACDCConfig,
    EAPConfig,
    EAPIGConfig,
    SubnetworkProbingConfig,
)
from sae_core.methods.registry import register_method
from sae_core.types import HeadScores, Task

AGGREGATORS: dict[str, Callable] = {"sum": np.add.at, "max": np.maximum.at}


def ensure_torch_optim_adam() -> bool:
    """Put ``torch.optim.adam`` (the module) back where torch no longer exports it.

    auto-circuit 1.0.1's subnetwork probing calls ``torch.optim.adam.Adam``; torch 2.13
    deletes the ``adam`` attribute from ``torch.optim`` (the module itself still exists).
    Returns True when the attribute had to be restored.
    """
    import torch.optim

    if hasattr(torch.optim, "adam"):
        return False
    torch.optim.adam = importlib.import_module("torch.optim.adam")
    return True


def _auto_circuit() -> Any:
    """Import auto-circuit's pieces after the torch and TransformerLens shims (one place,
    lazily). RuntimeError naming the fix on TransformerLens >= 4 (auto-circuit patches
    ``HookedTransformer`` modules, which 4.x removed) or where auto-circuit is absent."""
    require_hooked_transformer(
        "the auto-circuit baselines (ACDC, EAP, EAP-IG, SP)",
        "auto-circuit 1.0.1 wraps and patches HookedTransformer's modules",
    )
    if importlib.util.find_spec("auto_circuit") is None:
        raise RuntimeError(
            "the auto-circuit baselines (ACDC, EAP, EAP-IG, SP) need auto-circuit, which is "
            f"not installed: `{BASELINES_INSTALL}`"
        )
    ensure_torch_optim_adam()
    ensure_past_key_value_caching()
    from auto_circuit import data
    from auto_circuit.prune_algos import ACDC, mask_gradient, subnetwork_probing
    from auto_circuit.types import AblationType
    from auto_circuit.utils import graph_utils

    return _AC(data, ACDC, mask_gradient, subnetwork_probing, AblationType, graph_utils)


class _AC:
    def __init__(self, data, acdc, mask_gradient, sp, ablation_type, graph_utils):
        self.data, self.acdc, self.mask_gradient, self.sp = data, acdc, mask_gradient, sp
        self.AblationType, self.graph_utils = ablation_type, graph_utils


@contextlib.contextmanager
def _quiet(ac: _AC, progress: bool) -> Iterator[None]:
    """Silence auto-circuit's per-edge progress bars unless ``progress``."""
    modules = (ac.acdc, ac.mask_gradient, ac.sp)
    saved = [m.tqdm for m in modules]
    if not progress:
        for m in modules:
            m.tqdm = functools.partial(m.tqdm, disable=True)
    try:
        yield
    finally:
        for m, bar in zip(modules, saved, strict=True):
            m.tqdm = bar


def _patchable(ac: _AC, task: Task, separate_qkv: bool, last_only: bool, device: torch.device):
    """A patchable deep copy of the task's model (the task's model stays as it is);
    ``last_only``: the metric reads the last position only (the logit difference)."""
    model = copy.deepcopy(task.model)
    if next(model.parameters()).device != device:
        model = model.to(device, print_details=False)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    model.set_use_attn_result(True)
    if separate_qkv:
        model.set_use_split_qkv_input(True)
    else:
        model.set_use_attn_in(True)
    if not model.cfg.attn_only:
        model.set_use_hook_mlp_in(True)
    slice_output = "last_seq" if last_only else "not_first_seq"
    return ac.graph_utils.patchable_model(
        model, factorized=True, slice_output=slice_output, separate_qkv=separate_qkv,
        device=device,
    )


def _loader(
    ac: _AC, task: Task, n_prompts: int, corrupt: str, answers: str, device: torch.device
):
    """One batch of all clean/corrupt pairs with the answers the method's metric reads.

    ``answers``: "labels" (the task's answer/wrong tokens, [n, 1]), "clean_argmax" (the
    clean model's own prediction at each output position, [n, T-1, 1]), "output_index"
    (index 0 of a one-logit output, [n, T-1, 1]) or "clean_values" (the clean output
    itself, float [n, T-1, V], for a squared-error target).
    """
    clean_NT, corrupt_NT = prompt_pairs(task, n_prompts, corrupt)
    n = clean_NT.shape[0]
    if answers == "labels":
        answer_N, wrong_N = answers_for(task, n)
        ans, wrong = answer_N[:, None], wrong_N[:, None]
    else:
        model_device = next(task.model.parameters()).device
        with torch.no_grad():
            logits_NTV = task.model(clean_NT.to(model_device))[:, 1:].float().cpu()
        if answers == "clean_argmax":
            ans = logits_NTV.argmax(dim=-1, keepdim=True)
        elif answers == "output_index":
            ans = torch.zeros(logits_NTV.shape[:2] + (1,), dtype=torch.long)
        elif answers == "clean_values":
            ans = logits_NTV
        else:
            raise ValueError(f"answers={answers!r}")
        wrong = ans
    dataset = ac.data.PromptDataset(
        clean_NT.to(device), corrupt_NT.to(device), ans.to(device), wrong.to(device)
    )
    return ac.data.PromptDataLoader(dataset, seq_len=None, diverge_idx=0, batch_size=n,
                                    shuffle=False)


def _gradient_answers(kind: str) -> tuple[str, str]:
    """(answers, auto-circuit answer_function) of the gradient methods' metric ``kind``."""
    if kind == "logit_diff":
        return "labels", "avg_diff"
    return ("clean_argmax" if kind == "kl" else "output_index"), "avg_val"


def _faithfulness_target(kind: str) -> tuple[str, str]:
    """(answers, auto-circuit faithfulness target) of ACDC and SP for metric ``kind``."""
    if kind == "mse":
        return "clean_values", "mse"
    return ("clean_argmax" if kind == "kl" else "labels"), "kl_div"


def edge_table(model: Any, prune_scores: dict[str, torch.Tensor], n_heads: int):
    """Every auto-circuit edge as (source head, destination head, score) arrays.

    Heads are flat layer-major indices; -1 marks a non-head node (embeddings, MLPs,
    output). A head's q/k/v inputs all map to that head.
    """
    scores = {k: v.detach().double().cpu().numpy() for k, v in prune_scores.items()}
    src, dst, val = [], [], []
    for edge in model.edges:
        val.append(scores[edge.dest.module_name][edge.patch_idx])
        for node, out in ((edge.src, src), (edge.dest, dst)):
            if node.head_idx is None:
                out.append(-1)
            else:
                out.append(int(node.module_name.split(".")[1]) * n_heads + node.head_idx)
    return np.asarray(src), np.asarray(dst), np.asarray(val, dtype=np.float64)


def mlp_ends(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per auto-circuit edge (in ``model.edges`` order, as :func:`edge_table`): the block
    index of its source and of its destination where that node is an MLP, else -1."""
    def block(node) -> int:
        return int(node.module_name.split(".")[1]) if "mlp" in node.module_name else -1

    ends = [(block(edge.src), block(edge.dest)) for edge in model.edges]
    src_mlp, dst_mlp = (np.asarray(col, dtype=np.int64) for col in zip(*ends, strict=True))
    return src_mlp, dst_mlp


def via_mlps(
    src: np.ndarray, dst: np.ndarray, mag: np.ndarray, src_mlp: np.ndarray,
    dst_mlp: np.ndarray, n_total: int,
) -> np.ndarray:
    """[H, H] strength of the paths head -> MLP -> ... -> MLP -> head (MLPs only between).

    A path is as strong as its weakest edge (|score|); a pair's strength is its strongest
    path. This is how the edge truths count edges (``sae_core.models.stacking.head_edges``:
    a head reaches a later head directly or through MLPs), so an edge-level method is
    scored on the same pairs. Arrays as in :func:`edge_table` and :func:`mlp_ends`.
    """
    n_mlp = int(max(src_mlp.max(initial=-1), dst_mlp.max(initial=-1))) + 1
    if n_mlp == 0:
        return np.zeros((n_total, n_total))
    head_mlp_HM = np.zeros((n_total, n_mlp))  # head -> MLP input
    mlp_mlp_MM = np.zeros((n_mlp, n_mlp))  # MLP output -> later MLP input
    mlp_head_MH = np.zeros((n_mlp, n_total))  # MLP output -> head q/k/v input
    for keep, table, rows, cols in (
        ((src >= 0) & (dst_mlp >= 0), head_mlp_HM, src, dst_mlp),
        ((src_mlp >= 0) & (dst_mlp >= 0), mlp_mlp_MM, src_mlp, dst_mlp),
        ((src_mlp >= 0) & (dst >= 0), mlp_head_MH, src_mlp, dst),
    ):
        np.maximum.at(table, (rows[keep], cols[keep]), mag[keep])
    reach_HM = head_mlp_HM.copy()  # best path from each head into each MLP
    for m in range(n_mlp):
        for earlier in range(m):
            through = np.minimum(reach_HM[:, earlier], mlp_mlp_MM[earlier, m])
            reach_HM[:, m] = np.maximum(reach_HM[:, m], through)
    via_HH = np.zeros((n_total, n_total))
    for m in range(n_mlp):
        np.maximum(via_HH, np.minimum(reach_HM[:, m, None], mlp_head_MH[None, m, :]),
                   out=via_HH)
    return via_HH


def heads_from_edges(
    src: np.ndarray, dst: np.ndarray, val: np.ndarray, n_layers: int, n_heads: int,
    rule: str, src_mlp: np.ndarray | None = None, dst_mlp: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Node scores [L, nh] over every edge touching a head and symmetric head x head edge
    scores [H, H] (q/k/v merged), both with ``rule`` ("sum" or "max") over |score|.

    With ``src_mlp``/``dst_mlp`` (:func:`mlp_ends`), a pair's edge score is the larger of
    its direct score and its strongest path through MLPs (:func:`via_mlps`)."""
    agg = AGGREGATORS[rule]
    n_total = n_layers * n_heads
    mag = np.abs(val)
    node_H = np.zeros(n_total)
    for ends in (src, dst):
        keep = ends >= 0
        agg(node_H, ends[keep], mag[keep])
    edge_HH = np.zeros((n_total, n_total))
    both = (src >= 0) & (dst >= 0)
    agg(edge_HH, (src[both], dst[both]), mag[both])
    if src_mlp is not None and dst_mlp is not None:
        edge_HH = np.maximum(edge_HH, via_mlps(src, dst, mag, src_mlp, dst_mlp, n_total))
    edge_HH = np.maximum(edge_HH, edge_HH.T) if rule == "max" else edge_HH + edge_HH.T
    return node_H.reshape(n_layers, n_heads), edge_HH


def _heads_touching(src, dst, keep: np.ndarray, n_layers: int, n_heads: int) -> np.ndarray:
    sel_H = np.zeros(n_layers * n_heads, dtype=bool)
    for ends in (src, dst):
        hit = keep & (ends >= 0)
        sel_H[ends[hit]] = True
    return sel_H.reshape(n_layers, n_heads)


def _result(
    name: str, task: Task, config: Any, node_LN, edge_HH, selected, seconds, extra: dict,
    seed: int | None,
) -> HeadScores:
    return baseline_scores(
        name, task, config, node_scores=node_LN, edge_scores=edge_HH, selected=selected,
        seconds=seconds, seed=seed, extra=extra,
    )


def _run(
    name: str, task: Task, config: Any, algorithm: Callable, answers: str, rule: str,
    progress: bool,
):
    """Common path: shim, patchable copy, loader, algorithm, edge table, timings."""
    ac = _auto_circuit()
    device = resolve_device(config.device)
    start = time.perf_counter()
    model = _patchable(ac, task, config.separate_qkv, answers == "labels", device)
    loader = _loader(ac, task, config.n_prompts, config.corrupt, answers, device)
    t_setup = time.perf_counter() - start
    with _quiet(ac, progress):
        prune_scores = algorithm(ac, model, loader)
    seconds = time.perf_counter() - start
    src, dst, val = edge_table(model, prune_scores, task.n_heads)
    node_LN, edge_HH = heads_from_edges(
        src, dst, val, task.n_layers, task.n_heads, rule, *mlp_ends(model)
    )
    extra = {
        "node_from_edges": f"{rule} of |edge score| over every auto-circuit edge touching "
        "the head (as source or q/k/v destination; embeddings, MLPs and output included)",
        "edge_from_qkv": f"{rule} of |edge score| over the pair's direct q/k/v edges, or "
        "the pair's strongest path through MLPs only (a path scores its weakest edge) "
        "where larger, as the edge truths count edges; symmetric",
        "n_edges": int(len(val)),
        "n_prompts": int(loader.dataset.clean_prompts.shape[0]),
        "corrupt": corrupt_source(task, config.corrupt),
        "timings": {"setup": t_setup, "algorithm": seconds - t_setup},
    }
    return ac, model, (src, dst, val), node_LN, edge_HH, seconds, extra


# ---------------------------------------------------------------------------
# The four methods.


@register_method(
    "acdc", ACDCConfig, stochastic=False,
    description="ACDC (Conmy et al. 2023), auto-circuit; greedy edge pruning per tau",
)
def acdc(task: Task, config: ACDCConfig | None = None, *, progress: bool = False) -> HeadScores:
    """ACDC: an edge's score is the smallest tau at which it was pruned; edges kept at
    every tau score 2 x max(taus). Selection: heads on edges not pruned at any tau up to
    ``config.effective_selection_tau`` (score above it).

    Not reproducible across processes unless ``PYTHONHASHSEED`` is fixed: auto-circuit
    visits edges by destination layer, and within a layer in the iteration order of a
    set of edges, which follows Python's per-process string hashing; the greedy result
    depends on that order."""
    config = config or ACDCConfig()
    answers, target = _faithfulness_target(metric_kind(task, config.metric))
    cap = 2.0 * max(config.taus)

    def algorithm(ac, model, loader):
        combined = None
        for tau in config.taus:  # one tau per call; auto-circuit resets masks per tau
            ps = ac.acdc.acdc_prune_scores(
                model, loader, None, tao_exps=[0], tao_bases=[tau],
                faithfulness_target=target,
            )
            combined = ps if combined is None else {
                k: torch.minimum(combined[k], v) for k, v in ps.items()
            }
        return {k: torch.where(torch.isinf(v), torch.full_like(v, cap), v)
                for k, v in combined.items()}

    _, _, (src, dst, val), node_LN, edge_HH, seconds, extra = _run(
        "acdc", task, config, algorithm, answers, "max", progress
    )
    tau_s = config.effective_selection_tau
    # auto-circuit scores are float32: a pruned edge's score float32(tau) exceeds the
    # float64 tau by rounding, so compare against tau with a relative margin
    kept = val > tau_s * (1 + 1e-5)
    selected = _heads_touching(src, dst, kept, task.n_layers, task.n_heads)
    extra.update(
        selection=f"heads on edges not pruned at any tau <= {tau_s:g} (edge score > tau)",
        faithfulness_target=target, n_kept_edges=int(kept.sum()),
        never_pruned_score=cap, n_never_pruned=int((val >= cap).sum()),
    )
    return _result("acdc", task, config, node_LN, edge_HH, selected, seconds, extra, None)


def _mask_gradient(task: Task, config, name: str, ig_steps: int | None, progress: bool):
    answers, answer_function = _gradient_answers(metric_kind(task, config.metric))

    def algorithm(ac, model, loader):
        kwargs = ({"mask_val": 0.0} if ig_steps is None
                  else {"integrated_grad_samples": ig_steps})
        return ac.mask_gradient.mask_gradient_prune_scores(
            model, loader, None, grad_function="logit", answer_function=answer_function,
            ablation_type=ac.AblationType.RESAMPLE, clean_corrupt="corrupt", **kwargs,
        )

    _, _, _, node_LN, edge_HH, seconds, extra = _run(
        name, task, config, algorithm, answers, "sum", progress
    )
    extra.update(selection=SELECTION_ABOVE_MEAN, grad_function="logit",
                 answer_function=answer_function)
    return _result(name, task, config, node_LN, edge_HH, above_mean(node_LN), seconds,
                   extra, None)


@register_method(
    "eap", EAPConfig, stochastic=False,
    description="edge attribution patching (Syed et al. 2023), auto-circuit",
)
def eap(task: Task, config: EAPConfig | None = None, *, progress: bool = False) -> HeadScores:
    """EAP: gradient of the task metric w.r.t. each edge's patch mask at the clean run
    (auto-circuit's ``mask_gradient_prune_scores`` with ``mask_val=0``, its fast EAP)."""
    return _mask_gradient(task, config or EAPConfig(), "eap", None, progress)


@register_method(
    "eap-ig", EAPIGConfig, stochastic=False,
    description="EAP with integrated gradients, auto-circuit",
)
def eap_ig(
    task: Task, config: EAPIGConfig | None = None, *, progress: bool = False
) -> HeadScores:
    """EAP-IG: edge-mask gradients summed over ``ig_steps + 1`` masks from 0 to 1."""
    config = config or EAPIGConfig()
    return _mask_gradient(task, config, "eap-ig", config.ig_steps, progress)


@register_method(
    "subnetwork-probing", SubnetworkProbingConfig, stochastic=True,
    description="edge subnetwork probing (Cao et al. 2021), auto-circuit; hard-concrete masks",
)
def subnetwork_probing(
    task: Task, config: SubnetworkProbingConfig | None = None, *, progress: bool = False
) -> HeadScores:
    """Subnetwork probing with ``tree_optimisation=True``: the clean run, each edge's mask
    ablates it towards the corrupt prompts' mean activation; trained to keep the output
    (KL, or squared error for numeric output) with few kept edges. Score: kept-ness
    (max mask logit minus the edge's logit). Selection: heads on edges whose learned
    mask keeps them (deterministic hard-concrete value < 0.5, i.e. logit < 0).

    (auto-circuit 1.0.1's default ``tree_optimisation=False`` runs the corrupt input and
    patches towards the corrupt mean, which cannot restore the clean output.)
    ``config.seed`` seeds torch's generator, but runs are not bit-reproducible:
    auto-circuit draws the penalty's mask samples in the order of a set of modules,
    which follows object ids and so changes from run to run.
    """
    config = config or SubnetworkProbingConfig()
    answers, target = _faithfulness_target(metric_kind(task, config.metric))
    masks: dict[str, torch.Tensor] = {}

    def algorithm(ac, model, loader):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            ps = ac.sp.subnetwork_probing_prune_scores(
                model, loader, None, learning_rate=config.lr, epochs=config.epochs,
                regularize_lambda=config.regularize_lambda, mask_fn="hard_concrete",
                tree_optimisation=True, faithfulness_target=target,
            )
        masks.update({k: v.detach().clone() for k, v in model.patch_masks.items()})
        return ps

    _, model, (src, dst, _), node_LN, edge_HH, seconds, extra = _run(
        "subnetwork-probing", task, config, algorithm, answers, "max", progress
    )
    _, _, logits = edge_table(model, masks, task.n_heads)
    kept = logits < 0
    selected = _heads_touching(src, dst, kept, task.n_layers, task.n_heads)
    extra.update(
        selection="heads on edges the learned mask keeps (hard-concrete logit < 0, i.e. "
        "deterministic mask value < 0.5)",
        faithfulness_target=target, n_kept_edges=int(kept.sum()),
    )
    return _result("subnetwork-probing", task, config, node_LN, edge_HH, selected, seconds,
                   extra, config.seed)
