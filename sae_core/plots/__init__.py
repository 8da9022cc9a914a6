"""Pure plotting functions: result in, matplotlib Figure out. Nothing is shown or saved here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import roc_curve

from sae_core.types import STAND_IN_LABEL, Discovery, GroundTruth, label_source


def plot_node_heatmap(
    discovery: Discovery, ground_truth: GroundTruth | None = None, ax=None
) -> Figure:
    """Node scores as a layer x head heatmap; ground-truth heads outlined."""
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 3.5))
    scores_LN = discovery.node_scores
    im = ax.imshow(scores_LN, cmap="viridis", aspect="auto", origin="lower")
    fig.colorbar(im, ax=ax, label="unique positive-only codes")
    if ground_truth is not None:
        for h in ground_truth.heads:
            ax.add_patch(
                plt.Rectangle((h.head - 0.5, h.layer - 0.5), 1, 1, fill=False, ec="red", lw=2)
            )
    ax.set_xticks(range(scores_LN.shape[1]))
    ax.set_yticks(range(scores_LN.shape[0]))
    ax.set_xlabel("head")
    ax.set_ylabel("layer")
    ax.set_title(
        f"{label_source(discovery.task_name, discovery.model_source)}: node scores"
        + (" (red = ground truth)" if ground_truth is not None else ""),
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def plot_roc(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]], title: str = "ROC", ax=None
) -> Figure:
    """ROC curves, one per label: ``{label: (scores, boolean labels)}``."""
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(4.5, 4.5))
    for label, (scores, truth) in curves.items():
        fpr, tpr, _ = roc_curve(np.ravel(truth), np.ravel(scores))
        ax.plot(fpr, tpr, label=label)
    ax.plot([0, 1], [0, 1], ls=":", c="grey")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def plot_auc_summary(
    rows: Sequence[Mapping], metric_names: Sequence[str] = ("node_auc", "edge_auc")
) -> Figure:
    """AUC per task, one bar per pooling, one panel per metric, mean +- sd over seeds.

    ``rows``: dicts with task, pooling, model_source, <metric>_mean and <metric>_sd
    (as made by ``sae_core.experiments.demo.run_tasks``).
    """
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    poolings = list(dict.fromkeys(r["pooling"] for r in rows))
    by_key = {(r["task"], r["pooling"]): r for r in rows}
    labels = [
        f"{t}\n({STAND_IN_LABEL})"
        if any(by_key.get((t, p), {}).get("model_source") == "random" for p in poolings)
        else t
        for t in tasks
    ]
    fig, axes = plt.subplots(
        len(metric_names), 1, figsize=(max(6, 1.4 * len(tasks)), 2.8 * len(metric_names)),
        sharex=True, squeeze=False,
    )
    x = np.arange(len(tasks))
    width = 0.8 / len(poolings)
    for ax, metric in zip(axes[:, 0], metric_names, strict=True):
        for k, pooling in enumerate(poolings):
            cells = [by_key.get((t, pooling)) for t in tasks]
            means = [c[f"{metric}_mean"] if c else np.nan for c in cells]
            sds = [c[f"{metric}_sd"] if c else np.nan for c in cells]
            ax.bar(x + k * width, means, width, yerr=sds, capsize=2, label=f"{pooling} pooling")
        ax.axhline(0.5, ls=":", c="grey")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(f"{metric.replace('_', ' ')}")
    axes[0, 0].legend(fontsize=7, ncol=len(poolings), loc="upper left")
    axes[0, 0].set_title(
        "SAE circuit discovery: ROC AUC against exact truth (mean +- sd over seeds)", fontsize=10
    )
    axes[-1, 0].set_xticks(x + width * (len(poolings) - 1) / 2)
    axes[-1, 0].set_xticklabels(labels, rotation=20, ha="right", fontsize=8)
    fig.tight_layout()
    return fig
