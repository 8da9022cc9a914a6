"""Scores against ground truth: ROC AUC, precision/recall/F1 and the paper's "F1"."""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from sae_core.types import Discovery, GroundTruth, HeadScores


def mean_sd(values, single_sd: float = math.nan) -> tuple[float, float]:
    """Mean and sample sd (ddof=1) of ``values``, skipping None and NaN.

    (NaN, NaN) when nothing is left; a single value's sd is ``single_sd`` (NaN: "no spread
    measured"; tables that print 0 pass 0.0).
    """
    vals = np.asarray(
        [v for v in values if v is not None and not math.isnan(v)], dtype=np.float64
    )
    if vals.size == 0:
        return math.nan, math.nan
    return float(vals.mean()), float(vals.std(ddof=1)) if vals.size > 1 else single_sd


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC of ``scores`` (higher = positive) against boolean ``labels``; NaN if one class."""
    labels = np.asarray(labels, dtype=bool).ravel()
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if labels.all() or not labels.any():
        return math.nan
    return float(roc_auc_score(labels, scores))


def cross_layer_pairs(n_layers: int, n_heads: int) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays (i, j) of head pairs i < j in different layers: the candidate edges."""
    layer_H = np.repeat(np.arange(n_layers), n_heads)
    i, j = np.triu_indices(n_layers * n_heads, k=1)
    keep = layer_H[i] != layer_H[j]
    return i[keep], j[keep]


def edge_auc(edge_HH: np.ndarray, truth: GroundTruth, n_layers: int, n_heads: int) -> float:
    """ROC AUC of edge scores against EDGE truth over cross-layer head pairs (NaN without it)."""
    labels_HH = truth.edge_labels(n_layers, n_heads)
    if labels_HH is None:
        return math.nan
    i, j = cross_layer_pairs(n_layers, n_heads)
    return auc(edge_HH[i, j], labels_HH[i, j])


def tpr_tnr_harmonic_mean(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Harmonic mean of true-positive and true-negative rates: what the paper calls "F1"."""
    predicted = np.asarray(predicted, dtype=bool).ravel()
    labels = np.asarray(labels, dtype=bool).ravel()
    if labels.all() or not labels.any():
        return math.nan
    tpr = (predicted & labels).sum() / labels.sum()
    tnr = (~predicted & ~labels).sum() / (~labels).sum()
    return float(0.0 if tpr + tnr == 0 else 2 * tpr * tnr / (tpr + tnr))


def evaluate(discovery: Discovery, ground_truth: GroundTruth, theta: float | None = None) -> dict:
    """Every metric of one discovery against a task's truth.

    node_auc: node scores vs head truth. edge_auc: edge scores vs EDGE truth (NaN
    without it). edge_node_auc: the head score made from edges vs head truth (the
    paper's "edge ROC"). precision, recall, f1 (precision/recall F1) and
    tpr_tnr_harmonic_mean (the paper's "F1") of the head mask at ``theta``
    (default: softmax above the uniform level 1/H). n_selected: heads in the mask.
    """
    if ground_truth is None:
        raise ValueError("this task has no ground truth to evaluate against")
    n_layers, n_heads = discovery.n_layers, discovery.n_heads
    labels = ground_truth.head_labels(n_layers, n_heads).ravel()
    mask = discovery.head_mask(theta).ravel()
    return {
        "node_auc": auc(discovery.node_scores, labels),
        "edge_auc": edge_auc(discovery.edge_scores, ground_truth, n_layers, n_heads),
        "edge_node_auc": auc(discovery.edge_node_scores, labels),
        "precision": float(precision_score(labels, mask, zero_division=0)),
        "recall": float(recall_score(labels, mask, zero_division=0)),
        "f1": float(f1_score(labels, mask, zero_division=0)),
        "tpr_tnr_harmonic_mean": tpr_tnr_harmonic_mean(mask, labels),
        "n_selected": int(mask.sum()),
        "n_truth": int(labels.sum()),
    }


def evaluate_head_scores(scores: HeadScores, ground_truth: GroundTruth) -> dict:
    """Metrics of any method's :class:`HeadScores` against a task's truth.

    node_auc: node scores vs head truth. edge_auc: edge scores vs EDGE truth over
    cross-layer pairs (NaN without edge scores or edge truth). precision, recall, f1
    (precision/recall F1) and tpr_tnr_harmonic_mean of ``scores.selected`` (NaN where the
    method selects nothing itself). n_selected, n_truth: head counts.
    """
    if ground_truth is None:
        raise ValueError("this task has no ground truth to evaluate against")
    n_layers, n_heads = scores.n_layers, scores.n_heads
    labels = ground_truth.head_labels(n_layers, n_heads).ravel()
    out = {
        "node_auc": auc(scores.node_scores, labels),
        "edge_auc": math.nan
        if scores.edge_scores is None
        else edge_auc(scores.edge_scores, ground_truth, n_layers, n_heads),
        "n_truth": int(labels.sum()),
    }
    if scores.selected is None:
        out.update(
            precision=math.nan, recall=math.nan, f1=math.nan,
            tpr_tnr_harmonic_mean=math.nan, n_selected=0,
        )
        return out
    mask = scores.selected.ravel()
    out.update(
        precision=float(precision_score(labels, mask, zero_division=0)),
        recall=float(recall_score(labels, mask, zero_division=0)),
        f1=float(f1_score(labels, mask, zero_division=0)),
        tpr_tnr_harmonic_mean=tpr_tnr_harmonic_mean(mask, labels),
        n_selected=int(mask.sum()),
    )
    return out
