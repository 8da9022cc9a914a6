"""Pure plots of faithfulness tables and of what codes say: data in, Figure out.

Inputs are the DataFrames of :mod:`sae_core.experiments.faithfulness_report` and
:mod:`sae_core.analysis.code_interpretability` (their ``task`` column is already labelled
for random-weight
stand-ins) or a :class:`~sae_core.types.Discovery`. Titles say "random-weight stand-in"
whenever a number comes from one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sae_core.types import STAND_IN_LABEL, Discovery, label_source

KIND_COLOURS = {"positive-only": "tab:green", "shared": "tab:grey", "negative-only": "tab:red"}


def _stand_in_suffix(frame: pd.DataFrame) -> str:
    if "model_source" in frame and (frame["model_source"] == "random").any():
        return f" [{STAND_IN_LABEL}]"
    return ""


def plot_faithfulness(tables: pd.DataFrame | Sequence[pd.DataFrame]) -> Figure:
    """Logit difference per condition, one panel per faithfulness table.

    ``tables``: from
    :func:`sae_core.experiments.faithfulness_report.faithfulness_table`. Bars: ours,
    error bars = sd (over SAE seeds; over random circuits for the random row). Black
    diamonds: the paper's numbers where the table has them (a paper-model row made with a
    stand-in compares nothing: its title says so).
    """
    tables = [tables] if isinstance(tables, pd.DataFrame) else list(tables)
    fig, axes = plt.subplots(1, len(tables), figsize=(4.6 * len(tables), 3.6), squeeze=False)
    for ax, table in zip(axes[0], tables, strict=True):
        x = np.arange(len(table))
        sds = np.nan_to_num(table["sd"].to_numpy(dtype=float))
        colours = ["tab:blue" if c != "random" else "tab:grey" for c in table["condition"]]
        ax.bar(x, table["logit_diff"], yerr=sds, capsize=3, color=colours, label="ours")
        paper = table["paper_logit_diff"].to_numpy(dtype=float)
        if np.isfinite(paper).any():
            ax.scatter(x, paper, marker="D", color="black", zorder=3, label="paper")
            ax.legend(fontsize=7)
        labels = [
            c if pd.isna(n) else f"{c}\n({n:g} heads)"
            for c, n in zip(table["condition"], table["n_heads"], strict=True)
        ]
        ax.set_xticks(x)
        ax.set_xticklabels(labels, fontsize=7)
        ax.axhline(0, color="black", lw=0.5)
        ax.set_ylabel("logit difference (answer - wrong)")
        title = str(table["task"].iloc[0])
        if STAND_IN_LABEL not in title and (table["model_source"] == "random").any():
            title += f" ({STAND_IN_LABEL})"
        ax.set_title(f"{title}\nothers mean-ablated", fontsize=9)
    fig.tight_layout()
    return fig


def plot_faithfulness_by_size(by_size: pd.DataFrame, ax=None) -> Figure:
    """Logit difference of the SAE's top-k heads (mean +- sd over seeds) and of random
    k-head circuits, against k; clean and ground-truth levels as lines.

    ``by_size``: from :func:`sae_core.experiments.faithfulness_report.faithfulness_by_size`.
    """
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5, 3.6))
    grouped = by_size.groupby("size")
    sizes = np.asarray(sorted(grouped.groups))
    circuit = grouped["circuit"].agg(["mean", "std"]).reindex(sizes)
    random = grouped["random"].mean().reindex(sizes)
    random_sd = grouped["random_sd"].mean().reindex(sizes)
    ax.errorbar(sizes, circuit["mean"], yerr=np.nan_to_num(circuit["std"]), marker="o",
                capsize=3, label="SAE top-k heads")
    ax.errorbar(sizes, random, yerr=np.nan_to_num(random_sd), marker="s", color="tab:grey",
                capsize=3, label="random k heads")
    ax.axhline(by_size["clean"].iloc[0], ls="--", color="black", lw=1, label="clean model")
    truth = by_size["truth"].iloc[0]
    if np.isfinite(truth):
        ax.axhline(truth, ls=":", color="tab:green", lw=1.5, label="ground-truth circuit")
    ax.set_xlabel("heads kept (k); all others mean-ablated")
    ax.set_ylabel("logit difference (answer - wrong)")
    ax.set_title(f"{by_size['task'].iloc[0]}: faithfulness by circuit size", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_across_models(table: pd.DataFrame) -> Figure:
    """Per task: clean model, SAE circuit (sd over seeds), random circuits of its size
    (sd over circuits) and, where there is one, the ground-truth circuit.

    ``table``: from :func:`sae_core.experiments.faithfulness_report.faithfulness_across_tasks`.
    Stand-in tasks are labelled on their tick and in the title.
    """
    fig, ax = plt.subplots(figsize=(max(6, 1.9 * len(table)), 3.8))
    x = np.arange(len(table))
    width = 0.2
    series = [
        ("clean", None, "black"),
        ("circuit", "circuit_sd", "tab:blue"),
        ("random", "random_sd", "tab:grey"),
        ("truth", None, "tab:green"),
    ]
    for k, (column, sd, colour) in enumerate(series):
        values = table[column].to_numpy(dtype=float)
        if not np.isfinite(values).any():
            continue
        err = None if sd is None else np.nan_to_num(table[sd].to_numpy(dtype=float))
        label = {"circuit": "SAE circuit", "random": "random circuits"}.get(column, column)
        ax.bar(x + (k - 1.5) * width, values, width, yerr=err, capsize=2, color=colour,
               label=label)
    ticks = [
        f"{t.replace(f' ({STAND_IN_LABEL})', '')}\n({n:g}/{h} heads)"
        + ("\nstand-in" if src == "random" else "")
        for t, n, h, src in zip(table["task"], table["circuit_size"], table["n_heads_total"],
                                table["model_source"], strict=True)
    ]
    ax.set_xticks(x)
    ax.set_xticklabels(ticks, fontsize=7)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_ylabel("logit difference (answer - wrong)")
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    ax.set_title("Induction across models: faithfulness of the SAE circuit"
                 + _stand_in_suffix(table), fontsize=9)
    fig.tight_layout()
    return fig


def plot_code_split(
    discovery: Discovery, heads: Iterable, *, max_codes: int = 40, tables: dict | None = None
) -> Figure:
    """Per head, how its codes split the counted rows: positives up, negatives down.

    One panel per head; bars are codes (positive-only first, then shared, then
    negative-only; at most ``max_codes``), coloured by kind. ``tables``: precomputed
    :func:`sae_core.analysis.code_interpretability.code_table` results by head
    (computed when absent).
    """
    from sae_core.analysis.code_interpretability import code_table

    heads = list(heads)
    n_cols = min(len(heads), 4)
    n_rows = -(-len(heads) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.4 * n_cols, 2.6 * n_rows),
                             squeeze=False)
    for ax, head in zip(axes.ravel(), heads, strict=False):
        table = (tables or {}).get(head)
        table = code_table(discovery, head) if table is None else table
        shown = table.head(max_codes)
        x = np.arange(len(shown))
        colours = [KIND_COLOURS[k] for k in shown["kind"]]
        ax.bar(x, shown["n_positive"], color=colours, width=0.9)
        ax.bar(x, -shown["n_negative"], color=colours, width=0.9, alpha=0.55)
        ax.axhline(0, color="black", lw=0.5)
        n_unique = int((table["kind"] == "positive-only").sum())
        ax.set_title(f"head {head}: {n_unique} positive-only of {len(table)} codes", fontsize=8)
        ax.set_xticks([])
        ax.set_ylabel("rows: + positive / - negative", fontsize=7)
    for ax in axes.ravel()[len(heads):]:
        ax.set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in KIND_COLOURS.values()]
    fig.legend(handles, list(KIND_COLOURS), fontsize=7, loc="lower center", ncol=3)
    fig.suptitle(f"{label_source(discovery.task_name, discovery.model_source)}: codes by label "
                 f"(seed {discovery.seed})", fontsize=9)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def plot_code_stats(stats: pd.DataFrame, discovery: Discovery, axes=None) -> Figure:
    """Per head: node score against how well its code predicts the label.

    Three panels: normalised mutual information, chance-adjusted mutual information and
    held-out accuracy (0.5 = chance), each against the node score; ground-truth heads
    (``in_truth``) in green. ``stats``: from
    :func:`sae_core.analysis.code_interpretability.code_label_stats`.
    """
    columns = ("normalized_mi", "adjusted_mi", "held_out_accuracy")
    if axes is None:
        fig, axes = plt.subplots(1, len(columns), figsize=(10.5, 3.3))
    else:
        fig = axes[0].figure
    truth = stats["in_truth"].to_numpy(bool) if "in_truth" in stats else None
    for ax, column in zip(axes, columns, strict=True):
        if truth is None:
            ax.scatter(stats["node_score"], stats[column], s=18)
        else:
            ax.scatter(stats.loc[~truth, "node_score"], stats.loc[~truth, column], s=18,
                       color="tab:grey", label="other heads")
            ax.scatter(stats.loc[truth, "node_score"], stats.loc[truth, column], s=22,
                       color="tab:green", label="ground truth")
            ax.legend(fontsize=7)
        ax.set_xlabel("node score (positive-only codes)")
        ax.set_ylabel(column.replace("_", " "))
        if column == "held_out_accuracy":
            ax.axhline(0.5, ls=":", color="black", lw=1)
    fig.suptitle(f"{label_source(discovery.task_name, discovery.model_source)}: node score vs "
                 f"how the code predicts the label (seed {discovery.seed})", fontsize=9)
    fig.tight_layout()
    return fig
