"""Plots of one discovery against a task's ground truth: ROC curves, edge heatmap, circuit.

Pure functions: a :class:`Discovery` (one seed) and ground truth in, matplotlib Figure
out; nothing is shown or saved. ``truth`` is a :class:`GroundTruth`, or, where a plot
compares several truth variants, a mapping ``{variant: GroundTruth}`` (e.g.
``TRUTHS["ioi"]``). Titles of random-weight stand-ins say so.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from sklearn.metrics import roc_curve

from sae_core.metrics import auc, cross_layer_pairs
from sae_core.plots.style import (
    CHANCE_STYLE,
    CIRCUIT_COLORS,
    SCORE_COLORS,
    TRUTH_COLOR,
    legend_outside,
)
from sae_core.types import Discovery, GroundTruth, head_from_index, label_source

_LINESTYLES = ("-", "--", ":", "-.")


def _label(discovery: Discovery) -> str:
    return label_source(discovery.task_name, discovery.model_source)


def _variants(truth: GroundTruth | Mapping[str, GroundTruth] | None) -> dict[str, GroundTruth]:
    if truth is None:
        return {}
    if isinstance(truth, GroundTruth):
        return {"truth": truth}
    return dict(truth)


def _roc_line(ax, scores: np.ndarray, labels: np.ndarray, **style) -> None:
    labels, scores = np.ravel(labels), np.ravel(scores)
    value = auc(scores, labels)
    if np.isnan(value):
        return  # one class only: no curve
    fpr, tpr, _ = roc_curve(labels, scores)
    ax.plot(fpr, tpr, label=f"{style.pop('label')} (AUC {value:.2f})", **style)


def _roc_axes(ax, title: str) -> None:
    ax.plot([0, 1], [0, 1], label="chance (diagonal)", **CHANCE_STYLE)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title, fontsize=9)


def plot_roc_curves(
    discovery: Discovery, truth: GroundTruth | Mapping[str, GroundTruth]
) -> Figure:
    """Node-level and edge-level ROC curves of one seed, one line style per truth variant.

    Left: node scores and the head score made from the edge matrix (the paper's "edge
    ROC"), both against HEAD truth. Right: edge scores of cross-layer head pairs against
    EDGE truth, for the variants that have one (a note where none has).
    """
    variants = _variants(truth)
    if not variants:
        raise ValueError("give a GroundTruth or a mapping {variant: GroundTruth}")
    n_layers, n_heads = discovery.n_layers, discovery.n_heads
    fig, (ax_node, ax_edge) = plt.subplots(1, 2, figsize=(10, 6.2), layout="constrained")
    i, j = cross_layer_pairs(n_layers, n_heads)
    has_edges = False
    for k, (variant, gt) in enumerate(variants.items()):
        ls = _LINESTYLES[k % len(_LINESTYLES)]
        labels = gt.head_labels(n_layers, n_heads)
        _roc_line(ax_node, discovery.node_scores, labels, c=SCORE_COLORS["node"], ls=ls,
                  label=f"node scores, {variant} heads")
        _roc_line(ax_node, discovery.edge_node_scores, labels, c=SCORE_COLORS["edge_node"], ls=ls,
                  label=f"head score from edges, {variant} heads")
        edge_labels = gt.edge_labels(n_layers, n_heads)
        if edge_labels is not None and edge_labels[i, j].any():
            has_edges = True
            _roc_line(ax_edge, discovery.edge_scores[i, j], edge_labels[i, j],
                      c=SCORE_COLORS["edge"], ls=ls,
                      label=f"edge scores, {variant} edges")
    _roc_axes(ax_node, "heads (against head truth)")
    _roc_axes(ax_edge, "edges (cross-layer head pairs, against edge truth)")
    legend_outside(ax_node, where="below")
    if has_edges:
        legend_outside(ax_edge, where="below")
    else:
        ax_edge.text(0.5, 0.5, "no edge-level ground truth\nfor this task", ha="center",
                     va="center", transform=ax_edge.transAxes, fontsize=9, color="grey")
    fig.suptitle(f"{_label(discovery)}: how well the scores rank truth heads and edges above "
                 f"the rest\nROC curves, seed {discovery.seed}; a curve above the diagonal "
                 "beats chance", fontsize=10)
    return fig


def _layer_ticks(ax, n_layers: int, n_heads: int) -> None:
    centres = np.arange(n_layers) * n_heads + (n_heads - 1) / 2
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_ticks(centres)
        axis.set_ticklabels([f"L{layer}" for layer in range(n_layers)], fontsize=7)
    for b in np.arange(1, n_layers) * n_heads - 0.5:
        ax.axvline(b, c="white", lw=0.4)
        ax.axhline(b, c="white", lw=0.4)


def plot_edge_heatmap(discovery: Discovery, truth: GroundTruth | None = None) -> Figure:
    """The edge score matrix [H, H] (layer-major heads), ground truth marked in red.

    Truth edges are outlined where ``truth`` has edges; otherwise the truth heads are
    marked by red ticks along both axes. White lines separate layers.
    """
    n_layers, n_heads = discovery.n_layers, discovery.n_heads
    n_total = n_layers * n_heads
    size = 4.5 + 3.5 * min(1.0, n_total / 144)
    fig, ax = plt.subplots(figsize=(size + 1.2, size + 0.8), layout="constrained")
    im = ax.imshow(discovery.edge_scores, cmap="viridis", origin="lower",
                   interpolation="nearest")
    fig.colorbar(im, ax=ax, label="edge score (positive-only code pairs)", shrink=0.8)
    _layer_ticks(ax, n_layers, n_heads)
    note = ""
    if truth is not None:
        edge_labels = truth.edge_labels(n_layers, n_heads)
        if edge_labels is not None:
            rows, cols = np.nonzero(edge_labels)
            ax.scatter(cols, rows, marker="s", s=max(4.0, 900 / n_total), facecolors="none",
                       edgecolors=TRUTH_COLOR, linewidths=0.8, label="truth edge")
            note = " (red = truth edges)"
        else:
            idx = sorted(h.index(n_heads) for h in truth.heads)
            limits = ax.get_xlim(), ax.get_ylim()
            style = dict(marker="|", c=TRUTH_COLOR, s=40, clip_on=False, zorder=5)
            ax.scatter(idx, np.full(len(idx), -0.5 - n_total * 0.015), label="truth head",
                       **style)
            ax.scatter(np.full(len(idx), -0.5 - n_total * 0.015), idx,
                       **{**style, "marker": "_"})
            ax.set_xlim(*limits[0])
            ax.set_ylim(*limits[1])
            note = " (red ticks = truth heads)"
    ax.set_xlabel("head, ordered by layer (L = layer)")
    ax.set_ylabel("head, ordered by layer (L = layer)")
    if truth is not None:
        legend_outside(ax, where="below")
    ax.set_title(f"{_label(discovery)}: which head pairs score high\n"
                 f"edge scores, seed {discovery.seed}{note}", fontsize=9)
    return fig


def top_circuit_edges(
    discovery: Discovery, n_edges: int = 30, theta: float | None = None
) -> list[tuple[int, int, float]]:
    """The ``n_edges`` highest-scoring cross-layer pairs between heads in the circuit.

    The circuit is ``discovery.head_mask(theta)``; pairs with score 0 are left out. Returns
    ``(upstream index, downstream index, score)`` with layer-major indices, best first
    (ties: lower indices first).
    """
    n_layers, n_heads = discovery.n_layers, discovery.n_heads
    mask = discovery.head_mask(theta).ravel()
    i, j = cross_layer_pairs(n_layers, n_heads)
    keep = mask[i] & mask[j]
    i, j = i[keep], j[keep]
    values = discovery.edge_scores[i, j]
    order = np.argsort(-values, kind="stable")[:n_edges]
    return [(int(i[o]), int(j[o]), float(values[o])) for o in order if values[o] > 0]


def plot_circuit_graph(
    discovery: Discovery,
    truth: GroundTruth | None = None,
    n_edges: int = 30,
    theta: float | None = None,
) -> Figure:
    """The selected circuit as a layer-ordered graph: heads placed at (layer, head).

    Every head is a small grey dot; heads in the circuit (softmax node score above
    ``theta``, default 1/H) are filled, sized by node score; truth heads are ringed in
    red. Lines are the ``n_edges`` highest edge scores between circuit heads (width and
    opacity by score), green where the pair is a truth edge.
    """
    n_layers, n_heads = discovery.n_layers, discovery.n_heads
    mask_LN = discovery.head_mask(theta)
    edges = top_circuit_edges(discovery, n_edges, theta)
    truth_edges = set()
    if truth is not None and truth.edges is not None:
        truth_edges = {frozenset((a.index(n_heads), b.index(n_heads))) for a, b in truth.edges}
    fig, ax = plt.subplots(figsize=(3.5 + 0.7 * n_layers, 1.8 + 0.4 * n_heads),
                           layout="constrained")
    colors = CIRCUIT_COLORS
    top = max((s for _, _, s in edges), default=1.0)
    for a, b, score in sorted(edges, key=lambda e: e[2]):  # strongest drawn last
        ha, hb = head_from_index(a, n_heads), head_from_index(b, n_heads)
        in_truth = frozenset((a, b)) in truth_edges
        ax.plot([ha.layer, hb.layer], [ha.head, hb.head],
                c=colors["truth_edge" if in_truth else "edge"],
                lw=0.5 + 2.5 * score / top, alpha=0.25 + 0.6 * score / top, zorder=1)
    layers, heads = np.meshgrid(np.arange(n_layers), np.arange(n_heads), indexing="ij")
    ax.scatter(layers.ravel(), heads.ravel(), s=8, c=colors["other_head"], zorder=2)
    scores = discovery.node_scores
    scale = scores.max() if scores.max() > 0 else 1.0
    sel = np.nonzero(mask_LN)
    ax.scatter(sel[0], sel[1], s=30 + 170 * scores[sel] / scale, c=colors["circuit_head"],
               zorder=3,
               edgecolors="black", linewidths=0.5)
    n_hit = 0
    if truth is not None:
        t_layers = [h.layer for h in truth.heads]
        t_heads = [h.head for h in truth.heads]
        ax.scatter(t_layers, t_heads, s=260, facecolors="none", edgecolors=TRUTH_COLOR,
                   linewidths=1.4, zorder=4)
        n_hit = sum(bool(mask_LN[h.layer, h.head]) for h in truth.heads)
    handles = [
        Line2D([], [], ls="", marker="o", c=colors["circuit_head"], mec="black",
               label="circuit head (size = node score)"),
        Line2D([], [], ls="", marker="o", c=colors["other_head"], label="other head"),
        Line2D([], [], c=colors["edge"], label="top edge (width = edge score)"),
    ]
    if truth is not None:
        handles.insert(1, Line2D([], [], ls="", marker="o", mfc="none", mec=TRUTH_COLOR,
                                 label="truth head"))
        if truth.edges is not None:
            handles.append(Line2D([], [], c=colors["truth_edge"], label="top edge in edge truth"))
    legend_outside(ax, handles)
    ax.set_xticks(range(n_layers))
    ax.set_yticks(range(n_heads))
    ax.set_xlim(-0.6, n_layers - 0.4)
    ax.set_ylim(-0.6, n_heads - 0.4)
    ax.set_xlabel("layer")
    ax.set_ylabel("head index within layer")
    summary = f"{int(mask_LN.sum())} heads"
    if truth is not None:
        summary += f" ({n_hit} of {len(truth.heads)} truth heads)"
    summary += (
        f", top {len(edges)} edges between them" if edges
        else ", no scored edge between them (cross-layer)"
    )
    ax.set_title(f"{_label(discovery)}: the circuit the SAE codes select, seed "
                 f"{discovery.seed}\n{summary}", fontsize=9)
    return fig
