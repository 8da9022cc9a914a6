"""Induction in the multi-task trained models, whose non-circuit heads do other work.

The models (:mod:`sae_core.models.multitask`) are trained on five tasks at once, each
named by a marker token at position 1: induction, reverse lookup, first token, prefix
minimum and majority. The circuit task here is induction: on ``[BOS, induction marker,
c_0 .. c_{L-1}]`` whose last token ``c_{L-1} = A`` occurs once before, at ``j``, the
answer is ``c_{j+1}``. Heads that serve only the other four tasks are trained, not
random: the regime of a language model, where heads outside a circuit do other work.

Contrasts (:data:`sae_core.types.CONTRASTS`), the marker and BOS identical in both:

* ``"minimal"`` (default): the negative is its positive with the earlier ``A`` (position
  ``j``) replaced by a token absent from the prompt. One token differs; the last token
  then has no earlier occurrence, so induction has nothing to look up.
* ``"rearranged"``: the negative is its positive's content tokens permuted at random
  with a token that occurs once moved to the end: the same multiset of tokens, the last
  token without an earlier occurrence. Every head that reads token order sees the
  contrast, circuit or not (a stress test of the method's assumption).

Truth: each head's ``hook_z`` mean-ablated (per-position mean over the positives), one
head at a time; a head is in the circuit when the mean logit difference (answer minus a
wrong token from the prompt, last position) falls by more than
:data:`ABLATION_THRESHOLD` of its clean value. The numbers live beside the truth of each
size below; :func:`ablation_head_effects` recomputes them and the tests check the
registered truth against it. Edges are not given (``GroundTruth.edges`` is None): the
hooks this package has patch key inputs only, and a key-only path truth would be partial.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from sae_core.hooks import logits_with_z_replaced, mean_z_by_layer
from sae_core.models import multitask as mt
from sae_core.tasks.registry import TaskInfo, register_task
from sae_core.types import CONTRASTS, Answers, GroundTruth, HeadId, Task

if TYPE_CHECKING:  # pragma: no cover
    from transformer_lens import HookedTransformer

CIRCUIT_TASK = "induction"
"""The task whose circuit is the truth; the other tasks of the models occupy other heads."""

ABLATION_THRESHOLD = 0.05
"""Fraction of the clean mean logit difference a head's mean ablation must remove for the
head to count as in the circuit (single-head ablation on the task's positives)."""

TRUTH_PROMPTS = 250
"""Positives (``build(seed=0)``) the registered truths were measured on."""


# ---------------------------------------------------------------------------- data


def _positive(rng: np.random.Generator) -> tuple[np.ndarray, int, int]:
    """(content int64 [L], j, wrong token): iid content whose last token occurs exactly
    once before, at ``j`` (``j + 1 < L - 1``), and at least one other token occurs once.

    ``wrong``: a content token of the prompt other than the answer ``c_{j+1}`` and the
    query ``c_{L-1}`` (so copying "some token of the prompt" scores zero).
    """
    L = mt.CONTENT_LEN
    while True:
        content_L = rng.integers(mt.CONTENT_START, mt.D_VOCAB, size=L)
        j = int(rng.integers(0, L - 2))
        query = content_L[j]
        content_L[L - 1] = query
        others = [i for i in range(L - 1) if i != j and content_L[i] == query]
        for i in others:  # one earlier occurrence only
            choices = np.setdiff1d(np.arange(mt.CONTENT_START, mt.D_VOCAB), [query])
            content_L[i] = rng.choice(choices)
        tokens, counts = np.unique(content_L, return_counts=True)
        answer = content_L[j + 1]
        wrong_pool = np.setdiff1d(content_L, [answer, query])
        if (counts == 1).any() and wrong_pool.size:
            return content_L, j, int(rng.choice(wrong_pool))


def _minimal_negative(content_L: np.ndarray, j: int, rng: np.random.Generator) -> np.ndarray:
    """The positive with ``c_j`` (the earlier query token) replaced by an absent token."""
    absent = np.setdiff1d(np.arange(mt.CONTENT_START, mt.D_VOCAB), content_L)
    negative_L = content_L.copy()
    negative_L[j] = rng.choice(absent)
    return negative_L


def _rearranged_negative(content_L: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The positive's content permuted: a token occurring once last, the rest shuffled."""
    tokens, counts = np.unique(content_L, return_counts=True)
    last = rng.choice(tokens[counts == 1])
    rest = content_L[content_L != last]
    return np.concatenate([rng.permutation(rest), [last]])


def induction_prompts(
    n: int, rng: np.random.Generator, contrast: str = "minimal"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(positive [n, 2 + L], negative [n, 2 + L], answer [n], wrong [n]), int64 each.

    Positives and negatives both carry the induction marker (module docstring).
    """
    if contrast not in CONTRASTS:
        raise ValueError(f"contrast={contrast!r}; use one of {CONTRASTS}")
    pos, neg, answer, wrong = [], [], [], []
    for _ in range(n):
        content_L, j, wrong_token = _positive(rng)
        if contrast == "minimal":
            negative_L = _minimal_negative(content_L, j, rng)
        else:
            negative_L = _rearranged_negative(content_L, rng)
        pos.append(content_L)
        neg.append(negative_L)
        answer.append(content_L[j + 1])
        wrong.append(wrong_token)
    return (
        mt.with_marker(np.stack(pos), CIRCUIT_TASK),
        mt.with_marker(np.stack(neg), CIRCUIT_TASK),
        np.asarray(answer, dtype=np.int64),
        np.asarray(wrong, dtype=np.int64),
    )


# ------------------------------------------------------------------------ ablation


def _logit_diff_N(
    logits_NV: torch.Tensor, answer_N: torch.Tensor, wrong_N: torch.Tensor
) -> torch.Tensor:
    """float [N]: logit[answer] - logit[wrong] per prompt."""
    correct_N = logits_NV.gather(1, answer_N[:, None])[:, 0]
    return correct_N - logits_NV.gather(1, wrong_N[:, None])[:, 0]


def logit_difference(model: HookedTransformer, tokens_NT: torch.Tensor, answers: Answers) -> float:
    """Mean logit[correct] - logit[wrong] at the last position of ``tokens_NT``."""
    with torch.no_grad():
        logits_NV = model(tokens_NT, return_type="logits")[:, -1]
    return float(_logit_diff_N(logits_NV, answers.correct, answers.wrong).mean())


def ablation_head_effects(
    model: HookedTransformer, tokens_NT: torch.Tensor, answers: Answers
) -> np.ndarray:
    """float [n_layers, n_heads]: fraction of the clean mean logit difference lost when
    one head's ``hook_z`` is replaced by its per-position mean over ``tokens_NT``.

    ``tokens_NT``: the task's positives; ``answers``: their correct and wrong tokens.
    Higher = the head matters more for induction (negative: ablating it helps).
    """
    n_layers, n_heads = model.cfg.n_layers, model.cfg.n_heads
    mean_z = mean_z_by_layer(model, tokens_NT)
    clean = logit_difference(model, tokens_NT, answers)
    if clean <= 0:
        raise ValueError(
            f"clean logit difference {clean:.3f} <= 0: the model does not solve the task on "
            "these prompts, so no head can be said to carry it"
        )
    effects = np.zeros((n_layers, n_heads))
    for layer in range(n_layers):
        for head in range(n_heads):
            logits_NV = logits_with_z_replaced(
                model, tokens_NT, [HeadId(layer, head)], mean_z, last_position_only=True
            )
            ablated = float(_logit_diff_N(logits_NV, answers.correct, answers.wrong).mean())
            effects[layer, head] = (clean - ablated) / clean
    return effects


def other_task_head_effects(
    model: HookedTransformer, n: int = 200, seed: int = 0
) -> dict[str, np.ndarray]:
    """task -> float [n_layers, n_heads]: loss increase (nats) on each non-circuit task
    when one head is mean-ablated (per-position mean over that task's ``n`` sequences).

    Loss: cross-entropy of the task's answer over every content position where it is
    defined. Shows which heads the other tasks use.
    """
    rng = np.random.default_rng(seed)
    n_layers, n_heads = model.cfg.n_layers, model.cfg.n_heads
    out: dict[str, np.ndarray] = {}
    for task in mt.TASKS:
        if task == CIRCUIT_TASK:
            continue
        content_NL = mt.sample_content(n, rng)
        target_NL, valid_NL = mt.task_targets(content_NL, task)
        tokens_NT = torch.from_numpy(mt.with_marker(content_NL, task))
        target, valid = torch.from_numpy(target_NL), torch.from_numpy(valid_NL)

        def loss(logits_NTV: torch.Tensor, target=target, valid=valid) -> float:
            return float(torch.nn.functional.cross_entropy(logits_NTV[:, 2:][valid], target[valid]))

        mean_z = mean_z_by_layer(model, tokens_NT)
        clean = loss(logits_with_z_replaced(model, tokens_NT, [], mean_z))
        effects = np.zeros((n_layers, n_heads))
        for layer in range(n_layers):
            for head in range(n_heads):
                ablated = logits_with_z_replaced(model, tokens_NT, [HeadId(layer, head)], mean_z)
                effects[layer, head] = loss(ablated) - clean
        out[task] = effects
    return out


def truth_from_effects(effects_LH: np.ndarray, threshold: float = ABLATION_THRESHOLD):
    """The heads whose effect exceeds ``threshold``, as a frozenset of HeadIds."""
    layers, heads = np.nonzero(effects_LH > threshold)
    return frozenset(HeadId(int(a), int(b)) for a, b in zip(layers, heads, strict=True))


# ---------------------------------------------------------------------- the truth

# Measured on the shipped weights (seed 0) with the 250 positives of build(seed=0):
# fraction of the clean last-position logit difference lost when one head is
# mean-ablated (ablation_head_effects).
#
# 2x16: clean logit difference 12.03, top-1 answer on 98.8% of positives; negatives
# (minimal): logit difference 0.06, answer top-1 on 8.8%.
#   layer 0: .040 .710 .209 .142 .014 .031 .186 .029 .005 .016 .026 .011 .018 .159 .031 .021
#   layer 1: .004 -.001 .018 -.003 .009 .012 .035 .033 .005 .016 .003 .018 .002 .065 .000 .046
# Layer 1 spreads induction over many heads, each backed up by the others (1.13 alone
# passes the threshold); 0.1 (.71) is the previous-token head.
#
# 2x24: clean logit difference 6.94, top-1 answer on 77.2% of positives; negatives
# (minimal): logit difference -0.02, answer top-1 on 8.0%.
#   layer 0: .083 .007 .093 .041 .079 .058 .070 .151 .057 .071 .051 .068
#            .046 .020 .024 .055 .006 .026 .170 .024 .192 .079 .008 .102
#   layer 1: .002 -.002 .019 .057 -.003 .052 -.000 -.001 .039 .009 .028 .034
#            .034 .014 .044 .034 .010 -.003 .041 .008 .005 .039 .018 .034
# No gap: the effects fall off evenly (0.10 at .051 and 1.5 at .052 sit just above the
# threshold, 0.12 at .046 just below); the truth is the fixed 5% rule's, not a natural cut.
#
# 2x32: clean logit difference 5.06, top-1 answer on 68.4% of positives; negatives
# (minimal): logit difference 0.35, answer top-1 on 9.2%. Effects fall off evenly again
# (largest .163, .141, .104, .101; nearest the threshold .048 and .059); 14 heads pass.
TRUTH_HEADS: dict[str, frozenset[HeadId]] = {
    "2x16": frozenset(HeadId(*h) for h in ((0, 1), (0, 2), (0, 3), (0, 6), (0, 13), (1, 13))),
    "2x24": frozenset(HeadId(*h) for h in (
        (0, 0), (0, 2), (0, 4), (0, 5), (0, 6), (0, 7), (0, 8), (0, 9), (0, 10), (0, 11),
        (0, 15), (0, 18), (0, 20), (0, 21), (0, 23), (1, 3), (1, 5),
    )),
    "2x32": frozenset(HeadId(*h) for h in (
        (0, 2), (0, 8), (0, 9), (0, 14), (0, 16), (0, 17), (0, 19), (0, 20), (0, 24),
        (0, 29), (0, 31), (1, 6), (1, 22), (1, 23),
    )),
}
"""Size -> circuit heads, measured on the shipped weights (numbers above)."""


def _ground_truth(size: str) -> GroundTruth:
    return GroundTruth(
        heads=TRUTH_HEADS[size],
        edges=None,
        source=(
            f"ablation: per-head mean ablation of hook_z on the shipped multitask-{size} "
            f"weights ({TRUTH_PROMPTS} positives of build(seed=0)), heads removing more than "
            f"{ABLATION_THRESHOLD:.0%} of the clean last-position logit difference "
            "(answer minus a wrong token of the prompt); no edge truth"
        ),
    )


def build_multitask(
    size: str,
    *,
    n_examples: int = 250,
    seed: int = 0,
    model_source: str | None = None,
    contrast: str = "minimal",
    weights: str | None = None,
    **options: Any,
) -> Task:
    """Induction in the shipped multi-task model of ``size`` (module docstring).

    Positives, negatives: [N, 2 + L] (L = :data:`sae_core.models.multitask.CONTENT_LEN`).
    Options: ``contrast`` ("minimal", default, or "rearranged"); ``weights`` (a path to
    other weights of the same size). ``answers``: correct / wrong LongTensor [N] for the
    last position; ``metadata``: the training record, threshold and contrast.
    """
    name = f"multitask-{size}"
    if model_source is not None and model_source != "trained":
        raise ValueError(
            f"model_source={model_source!r}: {name} only has its trained weights; use "
            "model_source='trained' or leave it out"
        )
    if options:
        raise TypeError(f"unknown options for {name}: {sorted(options)}")
    if contrast not in CONTRASTS:
        raise ValueError(f"contrast={contrast!r}; use one of {CONTRASTS}")
    if n_examples < 1:
        raise ValueError(f"n_examples={n_examples}; give at least 1")
    model = mt.load_model(size, weights)
    rng = np.random.default_rng(seed)
    pos_NT, neg_NT, answer_N, wrong_N = induction_prompts(n_examples, rng, contrast)
    return Task(
        name=name,
        model=model,
        positive=torch.from_numpy(pos_NT),
        negative=torch.from_numpy(neg_NT),
        ground_truth=_ground_truth(size) if size in TRUTH_HEADS else None,
        model_source="trained",
        description=(
            f"Induction in a {size} transformer trained on five marker-selected tasks "
            "(induction, reverse lookup, first token, prefix minimum, majority): positives "
            "end on a token seen once before; negatives "
            + ("replace that earlier occurrence by an absent token (minimal pair)."
               if contrast == "minimal" else "rearrange the positive's tokens so the last "
               "has no earlier occurrence.")
        ),
        answers=Answers(correct=torch.from_numpy(answer_N), wrong=torch.from_numpy(wrong_N)),
        contrast=contrast,
        metadata={
            "seed": seed,
            "size": size,
            "contrast": contrast,
            "ablation_threshold": ABLATION_THRESHOLD,
            "truth_prompts": TRUTH_PROMPTS,
            "weights": mt.weights_metadata(size, weights),
        },
    )


def _register(size: str) -> None:
    arch = mt.architecture(size)

    build = functools.partial(build_multitask, size)  # keeps the options' defaults visible
    build.__doc__ = f"Induction in the shipped multitask-{size} model; see build_multitask."
    register_task(f"multitask-{size}", TaskInfo(
        f"multitask-{size} (trained here, shipped)", arch.n_layers, arch.n_heads, "ablation",
        "induction among five marker-selected trained tasks; minimal or rearranged negatives",
        contrasts=CONTRASTS,
    ))(build)


for _size in mt.SHIPPED_SIZES:
    _register(_size)
