"""Induction in a trained 2-layer attention-only transformer, shipped with the package.

The model, its weights and its training live in :mod:`sae_core.models.induction_toy`.
Its mechanism is the classic two-head induction circuit: a previous-token head in
layer 0 writes "the token before me was A" into each position, and an induction head
in layer 1 keys on that to attend from the second ``A`` to the token after the first
``A`` and copy it.

Positives are a random sequence of distinct tokens repeated once; the second copy
is predictable only by induction. Negatives are sequences of the same length whose
tokens never repeat, so the circuit has nothing to find and the model is at chance.

The ground truth is read off ablations of the shipped weights (numbers below), not
assumed; :func:`ablation_head_effects` recomputes them, and the tests check the
hardcoded truth against it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from sae_core.hooks import (
    cache_activations,
    head_result,
    hook_name,
    logits_with_key_input_added,
    logits_with_z_replaced,
)
from sae_core.models.induction_toy import BOS, MODEL_CONFIG, load_model, weights_metadata
from sae_core.tasks.registry import TaskInfo, register_task
from sae_core.types import Answers, GroundTruth, HeadId, Task

if TYPE_CHECKING:  # pragma: no cover
    from transformer_lens import HookedTransformer

TASK_NAME = "induction-toy"
SEQ_LEN = 16
"""Length of the random sequence a positive prompt repeats (prompts: 1 + 2 * SEQ_LEN tokens)."""


# ---------------------------------------------------------------------------- data


def _distinct_tokens(n: int, length: int, d_vocab: int, rng: np.random.Generator) -> np.ndarray:
    """int64 [n, length]: per row, distinct tokens drawn uniformly from 1 .. d_vocab-1."""
    if length > d_vocab - 1:
        raise ValueError(f"{length} distinct tokens need d_vocab > {length} (got {d_vocab})")
    return 1 + np.argsort(rng.random((n, d_vocab - 1)), axis=1)[:, :length].astype(np.int64)


def _with_bos(tokens_NL: np.ndarray) -> np.ndarray:
    return np.concatenate([np.full((tokens_NL.shape[0], 1), BOS, np.int64), tokens_NL], axis=1)


def repeated_tokens(n: int, seq_len: int, d_vocab: int, rng: np.random.Generator) -> np.ndarray:
    """int64 [n, 1 + 2 * seq_len]: BOS, ``seq_len`` distinct random tokens, the same again."""
    first_NL = _distinct_tokens(n, seq_len, d_vocab, rng)
    return _with_bos(np.concatenate([first_NL, first_NL], axis=1))


def non_repeating_tokens(n: int, length: int, d_vocab: int, rng: np.random.Generator) -> np.ndarray:
    """int64 [n, 1 + length]: BOS, then distinct random tokens (uniform, none recurs)."""
    return _with_bos(_distinct_tokens(n, length, d_vocab, rng))


def last_position_answers(
    positive_NT: np.ndarray, d_vocab: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(answer [N], wrong [N]) int64 tokens for the last position of repeated prompts.

    A positive ``[BOS, s_1 .. s_L, s_1 .. s_L]`` ends on ``s_L``, seen once before, followed
    there by ``s_1``: induction predicts ``s_1`` (the shipped model does so on every prompt).
    ``wrong`` is a token drawn uniformly from those absent from the prompt (never BOS), so
    ``logit[answer] - logit[wrong]`` measures induction as in
    :mod:`sae_core.tasks.induction_models`; it is what :func:`sae_core.faithfulness` reads.
    """
    n_prompts = positive_NT.shape[0]
    repeated_half_slice(positive_NT.shape[1])  # checks the prompt layout
    answer_N = positive_NT[:, 1].astype(np.int64)
    keys_NV = rng.random((n_prompts, d_vocab))
    keys_NV[:, BOS] = -1.0
    np.put_along_axis(keys_NV, positive_NT, -1.0, axis=1)
    wrong_N = keys_NV.argmax(axis=1).astype(np.int64)
    return answer_N, wrong_N


def _next_token_losses(logits_NTV: torch.Tensor, tokens_NT: torch.Tensor) -> torch.Tensor:
    """float [N, T-1]: cross-entropy of each next-token prediction of ``logits_NTV``."""
    logp_NTV = torch.log_softmax(logits_NTV[:, :-1].float(), dim=-1)
    return -logp_NTV.gather(-1, tokens_NT[:, 1:, None])[..., 0]


def repeated_half_slice(n_tokens: int) -> slice:
    """Positions whose next-token prediction only induction can make, for prompts
    ``[BOS, s_1 .. s_L, s_1 .. s_L]`` of ``n_tokens = 1 + 2L`` tokens.

    The prediction made at position t targets token t+1. At positions ``L+1 .. 2L-1``
    (the second copy, but its last token) the current token has been seen exactly once
    before and the token after that first occurrence is the answer.
    """
    seq_len = (n_tokens - 1) // 2
    if n_tokens != 1 + 2 * seq_len or seq_len < 2:
        raise ValueError(f"{n_tokens} tokens is not BOS + a sequence repeated twice")
    return slice(seq_len + 1, 2 * seq_len)


def _repeated_half_mean(logits_NTV: torch.Tensor, tokens_NT: torch.Tensor) -> float:
    """Mean loss of ``logits_NTV`` on the positions of :func:`repeated_half_slice`."""
    loss_NT = _next_token_losses(logits_NTV, tokens_NT)
    return float(loss_NT[:, repeated_half_slice(tokens_NT.shape[1])].mean())


def repeated_half_loss(model: HookedTransformer, tokens_NT: torch.Tensor) -> float:
    """Mean loss on the predictions only induction can make (see :func:`repeated_half_slice`).

    ``tokens_NT``: repeated-sequence prompts (the task's positives).
    """
    with torch.no_grad():
        return _repeated_half_mean(model(tokens_NT, return_type="logits"), tokens_NT)


def all_positions_loss(model: HookedTransformer, tokens_NT: torch.Tensor) -> float:
    """Mean next-token loss over every position (for negatives: chance is about log d_vocab)."""
    with torch.no_grad():
        logits_NTV = model(tokens_NT, return_type="logits")
        return float(_next_token_losses(logits_NTV, tokens_NT).mean())


# ------------------------------------------------------------------------ ablation


def ablation_head_effects(model: HookedTransformer, tokens: torch.Tensor) -> np.ndarray:
    """float [n_layers, n_heads]: loss increase on the repeated half when a head is mean-ablated.

    ``tokens``: repeated-sequence prompts [N, 2L] (the task's positives). Each head's
    ``hook_z`` is replaced by its mean over the prompts at each position, one head at
    a time; the effect is the ablated minus the clean :func:`repeated_half_loss`
    (nats). Higher = the head matters more for induction.
    """
    n_layers, n_heads = model.cfg.n_layers, model.cfg.n_heads
    names = [hook_name(layer, "z") for layer in range(n_layers)]
    z_by_name = cache_activations(model, tokens, names)
    clean = repeated_half_loss(model, tokens)
    effects = np.zeros((n_layers, n_heads))
    for layer in range(n_layers):
        mean_z_Tnh = z_by_name[hook_name(layer, "z")].mean(dim=0)
        for head in range(n_heads):
            logits_NTV = logits_with_z_replaced(
                model, tokens, [HeadId(layer, head)], {layer: mean_z_Tnh}
            )
            effects[layer, head] = _repeated_half_mean(logits_NTV, tokens) - clean
    return effects


def key_path_ablation_effect(
    model: HookedTransformer, tokens: torch.Tensor, upstream: HeadId, downstream: HeadId
) -> float:
    """Loss increase on the repeated half when ``upstream``'s output is removed from
    ``downstream``'s key input only (path ablation; every other reader still sees it).

    The upstream head's output on each prompt is swapped for its mean over the prompts
    (per position) inside ``downstream``'s key input (``hook_k_input``; see
    :func:`sae_core.hooks.logits_with_key_input_added`). A large effect means the
    downstream head finds its keys through the upstream head: the edge of a
    previous-token -> induction circuit.
    """
    up, down = HeadId(*upstream), HeadId(*downstream)
    if up.layer >= down.layer:
        raise ValueError(f"edge {up}->{down}: upstream must sit in an earlier layer")
    out_BTD = head_result(model, tokens, up)
    delta_BTD = out_BTD.mean(dim=0, keepdim=True) - out_BTD
    clean = repeated_half_loss(model, tokens)
    logits_NTV = logits_with_key_input_added(model, tokens, down, delta_BTD)
    return _repeated_half_mean(logits_NTV, tokens) - clean


# ---------------------------------------------------------------------- the truth

ABLATION_THRESHOLD = 0.07
"""Nats of repeated-half loss increase (single-head mean ablation) above which a head is
in the circuit. Chosen in the gap between the weakest circuit head (1.2: 0.083) and the
strongest other head (0.3: 0.046) of the shipped weights."""

EDGE_THRESHOLD = 0.05
"""Nats of loss increase from :func:`key_path_ablation_effect` above which an edge counts."""

# Measured on the shipped weights (seed 0) with the 250 positives of build(seed=0);
# clean repeated-half loss 0.058, negatives 3.894 (log 47 = 3.850).
# Single-head mean ablation of hook_z, loss increase in nats:
#            head 0   head 1   head 2   head 3
#   layer 0   2.286    0.000    3.759    0.046
#   layer 1   0.129    0.224    0.083    0.162
# 0.2 is the previous-token head (attention to t-1: 0.99). 0.0 is not previous-token
# (about 30% on BOS, the rest spread over earlier tokens) yet removing it hurts; it
# mainly feeds 1.3. Induction in layer 1 is spread over all four heads (each puts
# 0.62-0.72 of its attention on the induction target), each partly backed up by the
# others, hence the small single-head effects there.
# Key-path ablation (a layer-0 head's output removed from one layer-1 head's key input
# only), nats:
#             -> 1.0   -> 1.1   -> 1.2   -> 1.3
#   0.0        0.027    0.033    0.003    0.156
#   0.1        0.000    0.000    0.000    0.000
#   0.2        0.122    0.208    0.072    0.155
#   0.3        0.000    0.000    0.000    0.001
TRUTH_HEADS: frozenset[HeadId] = frozenset(
    HeadId(*h) for h in ((0, 0), (0, 2), (1, 0), (1, 1), (1, 2), (1, 3))
)
TRUTH_EDGES: frozenset[tuple[HeadId, HeadId]] = frozenset(
    (HeadId(*a), HeadId(*b))
    for a, b in (((0, 2), (1, 0)), ((0, 2), (1, 1)), ((0, 2), (1, 2)), ((0, 2), (1, 3)),
                 ((0, 0), (1, 3)))
)
GROUND_TRUTH = GroundTruth(
    heads=TRUTH_HEADS,
    edges=TRUTH_EDGES,
    source=(
        "ablation: per-head mean ablation of hook_z on the shipped weights, heads raising "
        f"repeated-half loss by > {ABLATION_THRESHOLD} nats; edges by mean-ablating the "
        f"layer-0 head's output in the layer-1 head's key input only (> {EDGE_THRESHOLD} nats)"
    ),
)


@register_task(TASK_NAME, TaskInfo(
    "induction toy (trained here, shipped)", MODEL_CONFIG["n_layers"], MODEL_CONFIG["n_heads"],
    "ablation", "induction: a repeated random sequence vs tokens that never repeat"))
def build(
    *, n_examples: int = 250, seed: int = 0, model_source: str | None = None, **options: Any
) -> Task:
    """Induction in the shipped 2-layer attention-only model.

    Positives: BOS, then ``seq_len`` = L (default 16) distinct random tokens repeated
    once, [N, 1 + 2L]. Negatives: BOS, then 2L distinct random tokens, [N, 1 + 2L] (same
    length, tokens uniform over the same vocabulary, nothing recurs).
    Options: ``seq_len``; ``weights`` (a path to other weights of the same config).
    ``answers``: correct / wrong LongTensor [N] for the last position (see
    :func:`last_position_answers`); ``metadata``: the training record and thresholds.
    """
    if model_source is not None and model_source != "trained":
        raise ValueError(
            f"model_source={model_source!r}: the induction toy only has its trained weights; "
            "use model_source='trained' or leave it out"
        )
    seq_len = int(options.pop("seq_len", SEQ_LEN))
    weights = options.pop("weights", None)
    if options:
        raise TypeError(f"unknown options for {TASK_NAME}: {sorted(options)}")
    if n_examples < 1:
        raise ValueError(f"n_examples={n_examples}; give at least 1")
    n_ctx, d_vocab = MODEL_CONFIG["n_ctx"], MODEL_CONFIG["d_vocab"]
    if not 2 <= seq_len or 1 + 2 * seq_len > min(n_ctx, d_vocab):
        raise ValueError(
            f"seq_len={seq_len}: need 2 <= seq_len and 1 + 2 * seq_len <= {min(n_ctx, d_vocab)}"
        )
    model = load_model(weights)
    rng = np.random.default_rng(seed)
    positive = torch.from_numpy(repeated_tokens(n_examples, seq_len, d_vocab, rng))
    negative = torch.from_numpy(non_repeating_tokens(n_examples, 2 * seq_len, d_vocab, rng))
    # drawn after the prompts, so adding them changed no prompt
    answer, wrong = last_position_answers(positive.numpy(), d_vocab, rng)
    return Task(
        name=TASK_NAME,
        model=model,
        positive=positive,
        negative=negative,
        ground_truth=GROUND_TRUTH,
        model_source="trained",
        description=(
            "Induction in a trained 2-layer attention-only transformer: positives repeat a "
            "random token sequence (second copy predictable only by induction), negatives "
            "never repeat a token."
        ),
        answers=Answers(correct=torch.from_numpy(answer), wrong=torch.from_numpy(wrong)),
        metadata={
            "seq_len": seq_len,
            "seed": seed,
            "ablation_threshold": ABLATION_THRESHOLD,
            "edge_threshold": EDGE_THRESHOLD,
            "weights": weights_metadata(weights),
        },
    )
