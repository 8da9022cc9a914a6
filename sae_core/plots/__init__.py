"""Pure plotting functions: result in, matplotlib Figure out. Nothing is shown or saved here.

Colours, legends and titles come from :mod:`sae_core.plots.style`, so every figure looks
alike: one colour per method (and per contrast, pooling, head role) everywhere, legends
outside the data, axes named in words, and a title that states the message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from sklearn.metrics import roc_curve

from sae_core.plots.style import (
    CHANCE_STYLE,
    TRUTH_COLOR,
    auc_axis,
    figure_handles,
    finish,
    label_bars,
    legend_outside,
    pooling_color,
)
from sae_core.types import STAND_IN_LABEL, Discovery, GroundTruth, label_source


def plot_node_heatmap(
    discovery: Discovery, ground_truth: GroundTruth | None = None, ax=None
) -> Figure:
    """Node scores as a layer x head heatmap; ground-truth heads outlined in red.

    ``ax``: draw into this Axes (its figure is returned, not laid out here).
    """
    own = ax is None
    fig, ax = plt.subplots(figsize=(6.5, 4.0), layout="constrained") if own else (ax.figure, ax)
    scores_LN = discovery.node_scores
    im = ax.imshow(scores_LN, cmap="viridis", aspect="auto", origin="lower")
    fig.colorbar(im, ax=ax, label="node score\n(positive-only codes)")
    if ground_truth is not None:
        for h in ground_truth.heads:
            ax.add_patch(plt.Rectangle((h.head - 0.5, h.layer - 0.5), 1, 1, fill=False,
                                       ec=TRUTH_COLOR, lw=2))
    ax.set_xticks(range(scores_LN.shape[1]))
    ax.set_yticks(range(scores_LN.shape[0]))
    ax.set_xlabel("head index within layer")
    ax.set_ylabel("layer")
    if ground_truth is not None:
        legend_outside(ax, [Patch(fill=False, ec=TRUTH_COLOR, lw=2)],
                       [f"truth head ({len(ground_truth.heads)} heads)"], where="below")
    label = label_source(discovery.task_name, discovery.model_source)
    ax.set_title(f"{label}: which heads score high (node score per head, "
                 f"seed {discovery.seed})", fontsize=9)
    return fig


def plot_roc(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]], title: str = "ROC", ax=None
) -> Figure:
    """ROC curves, one per label: ``{label: (scores, boolean labels)}``; the diagonal is
    chance. ``ax``: draw into this Axes (its figure is returned, not laid out here)."""
    own = ax is None
    fig, ax = plt.subplots(figsize=(6.2, 4.0), layout="constrained") if own else (ax.figure, ax)
    for label, (scores, truth) in curves.items():
        fpr, tpr, _ = roc_curve(np.ravel(truth), np.ravel(scores))
        ax.plot(fpr, tpr, label=label)
    ax.plot([0, 1], [0, 1], label="chance (AUC 0.5)", **CHANCE_STYLE)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title, fontsize=9)
    legend_outside(ax)
    return fig


def plot_auc_summary(
    rows: Sequence[Mapping], metric_names: Sequence[str] = ("node_auc", "edge_auc")
) -> Figure:
    """AUC per task, one bar per pooling, one panel per metric, mean +- sd over seeds;
    each bar prints its value (so an AUC of 0.001 still reads), the dotted line is chance.

    ``rows``: dicts with task, pooling, model_source, <metric>_mean and <metric>_sd, and
    n_seeds where known (as made by ``sae_core.experiments.demo.run_tasks``).
    """
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    poolings = list(dict.fromkeys(r["pooling"] for r in rows))
    by_key = {(r["task"], r["pooling"]): r for r in rows}
    stand_in = {t for t in tasks
                if any(by_key.get((t, p), {}).get("model_source") == "random" for p in poolings)}
    labels = [f"{t}\n({STAND_IN_LABEL})" if t in stand_in else t for t in tasks]
    fig, axes = plt.subplots(
        len(metric_names), 1, figsize=(max(7.0, 1.5 * len(tasks) + 2.5), 2.9 * len(metric_names)),
        sharex=True, squeeze=False, layout="constrained",
    )
    x = np.arange(len(tasks))
    width = 0.8 / len(poolings)
    for ax, metric in zip(axes[:, 0], metric_names, strict=True):
        for k, pooling in enumerate(poolings):
            cells = [by_key.get((t, pooling)) for t in tasks]
            means = [c[f"{metric}_mean"] if c else np.nan for c in cells]
            sds = [c.get(f"{metric}_sd", np.nan) if c else np.nan for c in cells]
            bars = ax.bar(x + k * width, means, width, yerr=np.nan_to_num(sds), capsize=2,
                          color=pooling_color(pooling), label=f"{pooling} pooling")
            label_bars(ax, bars, means, sds)
        auc_axis(ax, metric)
    legend_outside(axes[0, 0], *figure_handles(fig), title="SAE pooling")
    axes[-1, 0].set_xticks(x + width * (len(poolings) - 1) / 2)
    axes[-1, 0].set_xticklabels(labels, rotation=20, ha="right", fontsize=8)
    axes[-1, 0].set_xlabel("task")
    n_seeds = sorted({int(r["n_seeds"]) for r in rows if r.get("n_seeds") is not None})
    seeds = f"{'/'.join(map(str, n_seeds))} seeds" if n_seeds else "seeds"
    return finish(
        fig,
        "How well SAE codes find the exact circuit, task by task (ROC AUC, 1 = perfect)",
        f"mean ± sd over {seeds}; dotted line = chance (0.5)"
        + (f"; {STAND_IN_LABEL} tasks marked" if stand_in else ""),
    )
