"""Scores against ground truth: ROC AUC, precision/recall/F1 and the paper's "F1"."""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from sae_core.types import Discovery, GroundTruth, HeadScores

METRICS = (
    "node_auc", "edge_auc", "edge_node_auc", "precision", "recall", "f1",
    "tpr_tnr_harmonic_mean",
)
"""Scores :func:`evaluate` returns, in its order (``edge_node_auc`` for a Discovery only)."""

HEAD_SCORES_METRICS = tuple(m for m in METRICS if m != "edge_node_auc")
"""The metrics every method's :class:`HeadScores` have."""

COUNTS = ("n_selected", "n_truth")
"""Head counts :func:`evaluate` returns after :data:`METRICS`."""


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


def format_mean_sd(
    mean: float | None, sd: float | None, *, spec: str = ".3f", pm: str = "+-",
    missing: str = "n/a",
) -> str:
    """A :func:`mean_sd` pair as table text: ``"0.992 +- 0.019"``.

    ``spec`` formats both numbers. ``missing`` when the mean is None or NaN; the mean
    alone when the sd is (no spread measured). ``pm`` joins them: "+-" (ASCII: the demo
    table and the benchmarks) or "±" (the method comparison's table).
    """
    if mean is None or math.isnan(mean):
        return missing
    if sd is None or math.isnan(sd):
        return format(mean, spec)
    return f"{format(mean, spec)} {pm} {format(sd, spec)}"


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


def evaluate(
    scores: HeadScores, ground_truth: GroundTruth, theta: float | None = None
) -> dict[str, float | int]:
    """Every metric of one method's scores against a task's truth (keys: :data:`METRICS`,
    then :data:`COUNTS`).

    node_auc: node scores vs head truth. edge_auc: edge scores vs EDGE truth over
    cross-layer pairs (NaN without edge scores or edge truth). edge_node_auc (only for a
    :class:`Discovery`): the head score made from edges vs head truth (the paper's "edge
    ROC"). precision, recall, f1 (precision/recall F1) and tpr_tnr_harmonic_mean (the
    paper's "F1") of the selected heads: ``scores.selected`` (a Discovery's: softmax
    above the uniform level 1/H), or ``head_mask(theta)`` of a Discovery when ``theta``
    is given; NaN where the method selects nothing itself. n_selected: heads selected.
    n_truth: heads in the truth. A truth holding every head or none leaves the AUCs and
    the TPR/TNR mean undefined: they are NaN, with a warning saying why.
    """
    if ground_truth is None:
        raise ValueError("this task has no ground truth to evaluate against")
    if not isinstance(scores, HeadScores):
        raise TypeError(
            f"scores has type {type(scores).__name__}; give a method's HeadScores (what "
            "sae_core.discover or sae_core.methods.run_method returns)"
        )
    if not isinstance(ground_truth, GroundTruth):
        raise TypeError(
            f"ground_truth has type {type(ground_truth).__name__}; give a GroundTruth, "
            "e.g. GroundTruth(heads={(0, 1), (1, 2)})"
        )
    is_discovery = isinstance(scores, Discovery)
    if theta is not None and not is_discovery:
        raise TypeError(
            f"theta applies to the SAE's softmax head mask; {scores.method!r} scores carry "
            "their own selection: call evaluate without theta"
        )
    n_layers, n_heads = scores.n_layers, scores.n_heads
    labels = ground_truth.head_labels(n_layers, n_heads).ravel()
    if labels.all() or not labels.any():
        warnings.warn(
            f"the ground truth holds {'every one' if labels.all() else 'none'} of the "
            f"model's {labels.size} heads: an AUC (and the TPR/TNR mean) needs heads both in "
            "and out of the circuit, so node_auc and edge_node_auc are NaN; give a truth "
            "with at least one head in the circuit and one out",
            stacklevel=2,
        )
    out: dict[str, float | int] = {
        "node_auc": auc(scores.node_scores, labels),
        "edge_auc": math.nan
        if scores.edge_scores is None
        else edge_auc(scores.edge_scores, ground_truth, n_layers, n_heads),
    }
    if is_discovery:
        out["edge_node_auc"] = auc(scores.edge_node_scores, labels)
    mask = scores.head_mask(theta) if theta is not None else scores.selected
    if mask is None:
        out.update(precision=math.nan, recall=math.nan, f1=math.nan,
                   tpr_tnr_harmonic_mean=math.nan, n_selected=0)
    else:
        mask = mask.ravel()
        out.update(
            precision=float(precision_score(labels, mask, zero_division=0)),
            recall=float(recall_score(labels, mask, zero_division=0)),
            f1=float(f1_score(labels, mask, zero_division=0)),
            tpr_tnr_harmonic_mean=tpr_tnr_harmonic_mean(mask, labels),
            n_selected=int(mask.sum()),
        )
    out["n_truth"] = int(labels.sum())
    return out
