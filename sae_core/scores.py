"""Codes -> node and edge scores (higher = more likely in the circuit), and the
permutation null that calibrates the node score (:func:`null_calibration`)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from sae_core import kernels
from sae_core.types import DEFAULT_NULL_PERMUTATIONS, Discovery, NullCalibration


def node_scores(codes_pos_NH: np.ndarray, codes_neg_MH: np.ndarray) -> np.ndarray:
    """Unique positive-only codes per head, float64 [H] (FACTS.md item 4)."""
    return kernels.unique_code_counts(codes_pos_NH, codes_neg_MH).astype(np.float64)


def edge_scores(codes_pos_NH: np.ndarray, codes_neg_MH: np.ndarray) -> np.ndarray:
    """Positive-only code pairs per head pair, float64 [H, H], symmetric (FACTS.md item 5)."""
    return kernels.unique_pair_counts(codes_pos_NH, codes_neg_MH).astype(np.float64)


def edge_head_scores(edge_HH: np.ndarray, rule: str) -> np.ndarray:
    """A head score [H] from the edge matrix.

    "row_sum": a head's positive-only pair count summed over all partners. Every
    entry counts and ties cannot change it, so it is the default.
    "paper_topk": the paper's rule (FACTS.md 5): tally of each head among the first
    H*H//2 head entries of the ranked pairs (the top H*H//4 pairs, each pair giving
    two head entries); depends on numpy's tie order.
    """
    if rule == "row_sum":
        return kernels.row_sum_head_counts(edge_HH).astype(np.float64)
    if rule == "paper_topk":
        return kernels.paper_topk_head_counts(edge_HH).astype(np.float64)
    raise ValueError(f"edge head score rule {rule!r}; use 'row_sum' or 'paper_topk'")


@dataclass(frozen=True, eq=False)
class CodeScores:
    """Every score of one seed's codes, flat over heads (H = n_layers * n_heads).

    node_H: :func:`node_scores`. edge_HH: :func:`edge_scores`. edge_node_H:
    :func:`edge_head_scores` of ``edge_HH``. node_seconds: time of the node scores;
    edge_seconds: time of the edge and edge-head scores together.
    """

    node_H: np.ndarray
    edge_HH: np.ndarray
    edge_node_H: np.ndarray
    node_seconds: float
    edge_seconds: float


def score_codes(
    codes_pos_NH: np.ndarray, codes_neg_MH: np.ndarray, edge_head_rule: str
) -> CodeScores:
    """Node, edge and edge-head scores of one seed's codes, each stage timed.

    ``edge_head_rule``: the rule of :func:`edge_head_scores` ("row_sum" or "paper_topk").
    """
    t0 = time.perf_counter()
    node_H = node_scores(codes_pos_NH, codes_neg_MH)
    node_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    edge_HH = edge_scores(codes_pos_NH, codes_neg_MH)
    edge_node_H = edge_head_scores(edge_HH, edge_head_rule)
    edge_seconds = time.perf_counter() - t0
    return CodeScores(node_H, edge_HH, edge_node_H, node_seconds, edge_seconds)


def null_calibration(
    codes_pos_NH: np.ndarray,
    codes_neg_MH: np.ndarray,
    n_permutations: int = DEFAULT_NULL_PERMUTATIONS,
    seed: int = 0,
) -> NullCalibration:
    """Each head's positive-only code count against a permutation null of its labels.

    The counted positive and negative rows are pooled and, ``n_permutations`` times
    (``np.random.default_rng(seed)``), split at random into sets of the same sizes; each
    head's positive-only unique codes are counted again on every split
    (:func:`kernels.permuted_unique_code_counts`; same codes, no retraining). A head
    with many codes gets a high count by chance, and the null says how high.

    Returns a :class:`NullCalibration`: per head (flat [H], layer-major) the raw count,
    the null's mean and sd, ``z = (count - mean) / sd`` (0 where sd = 0 and the count is
    the mean, +-inf where sd = 0 and it is not) and the one-sided permutation p-value
    ``(1 + #{null >= count}) / (1 + n_permutations)``.
    """
    n_permutations = _check_whole("n_permutations", n_permutations, minimum=2)
    seed = _check_whole("seed", seed, minimum=0)
    count_H = kernels.unique_code_counts(codes_pos_NH, codes_neg_MH).astype(np.float64)
    n_rows = len(codes_pos_NH) + len(codes_neg_MH)
    rng = np.random.default_rng(seed)
    perm_PR = rng.permuted(np.tile(np.arange(n_rows), (n_permutations, 1)), axis=1)
    null_PH = kernels.permuted_unique_code_counts(codes_pos_NH, codes_neg_MH, perm_PR)
    mean_H = null_PH.mean(axis=0)
    sd_H = null_PH.std(axis=0, ddof=1)
    excess_H = count_H - mean_H
    # where the null never varies, any excess is infinitely many sd away
    flat_H = np.where(excess_H == 0, 0.0, np.copysign(np.inf, excess_H))
    z_H = np.divide(excess_H, sd_H, out=flat_H, where=sd_H > 0)
    p_H = (1.0 + (null_PH >= count_H).sum(axis=0)) / (1.0 + n_permutations)
    return NullCalibration(
        count_H=count_H, null_mean_H=mean_H, null_sd_H=sd_H, z_H=z_H, p_H=p_H,
        n_permutations=n_permutations, seed=seed,
    )


def null_calibrate(
    discovery: Discovery, n_permutations: int = DEFAULT_NULL_PERMUTATIONS, seed: int = 0
) -> NullCalibration:
    """:func:`null_calibration` of a :class:`Discovery`'s stored codes (no retraining).

    ``null_calibrate(found).significant()`` marks the heads that respond to the contrast
    beyond chance (Benjamini-Hochberg at 5% over heads); it is also what
    ``found.circuit()`` selects.
    """
    return null_calibration(discovery.codes_pos, discovery.codes_neg, n_permutations, seed)


def _check_whole(name: str, value, minimum: int) -> int:
    """``value`` as an int of at least ``minimum`` (bools and fractions refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r}; give a whole number of at least {minimum}")
    return int(value)
