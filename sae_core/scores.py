"""Codes -> node and edge scores (higher = more likely in the circuit)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from sae_core import kernels


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
