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

from sae_core.plots.style import (
    CHANCE_STYLE,
    TRUTH_COLOR,
    figure_handles,
    finish,
    legend_outside,
    method_color,
)
from sae_core.types import STAND_IN_LABEL, Discovery, label_source

KIND_COLOURS = {"positive-only": "#2ca02c", "shared": "#7f7f7f", "negative-only": "#d62728"}
"""Colour of each kind of code: seen on positives only, on both, on negatives only."""

CONDITION_COLOURS = {
    "clean": "#444444",
    "truth": TRUTH_COLOR,
    "sae circuit": method_color("sae"),
    "random": method_color("random"),
}
"""Colour of each faithfulness condition (the same in every faithfulness figure)."""

_LOGIT_DIFF = "logit difference, answer - wrong\n(logits; higher = behaviour kept)"


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
    fig, axes = plt.subplots(1, len(tables), figsize=(4.6 * len(tables) + 2.0, 3.9),
                             squeeze=False, layout="constrained")
    for ax, table in zip(axes[0], tables, strict=True):
        x = np.arange(len(table))
        sds = np.nan_to_num(table["sd"].to_numpy(dtype=float))
        colours = [CONDITION_COLOURS.get(c, "#333333") for c in table["condition"]]
        ax.bar(x, table["logit_diff"], yerr=sds, capsize=3, color=colours,
               label="ours (bar colour = condition)")
        paper = table["paper_logit_diff"].to_numpy(dtype=float)
        if np.isfinite(paper).any():
            ax.scatter(x, paper, marker="D", color="black", zorder=3, label="paper")
        labels = [
            c if pd.isna(n) else f"{c}\n({n:g} heads)"
            for c, n in zip(table["condition"], table["n_heads"], strict=True)
        ]
        ax.set_xticks(x)
        ax.set_xticklabels(labels, fontsize=7)
        ax.set_xlabel("heads kept (all others mean-ablated)")
        ax.axhline(0, color="black", lw=0.5)
        ax.set_ylabel(_LOGIT_DIFF)
        title = str(table["task"].iloc[0])
        if STAND_IN_LABEL not in title and (table["model_source"] == "random").any():
            title += f" ({STAND_IN_LABEL})"
        ax.set_title(title, fontsize=9)
    legend_outside(axes[0, -1], *figure_handles(fig))
    return finish(fig, "Does the circuit alone keep the behaviour? Logit difference with "
                       "every other head mean-ablated",
                  "error bars: sd over SAE seeds (over random circuits for 'random')")


def plot_faithfulness_by_size(by_size: pd.DataFrame, ax=None) -> Figure:
    """Logit difference of the SAE's top-k heads (mean +- sd over seeds) and of random
    k-head circuits, against k; clean and ground-truth levels as lines.

    ``by_size``: from :func:`sae_core.experiments.faithfulness_report.faithfulness_by_size`.
    """
    own = ax is None
    fig, ax = plt.subplots(figsize=(7, 3.8), layout="constrained") if own else (ax.figure, ax)
    grouped = by_size.groupby("size")
    sizes = np.asarray(sorted(grouped.groups))
    circuit = grouped["circuit"].agg(["mean", "std"]).reindex(sizes)
    random = grouped["random"].mean().reindex(sizes)
    random_sd = grouped["random_sd"].mean().reindex(sizes)
    ax.errorbar(sizes, circuit["mean"], yerr=np.nan_to_num(circuit["std"]), marker="o",
                capsize=3, color=CONDITION_COLOURS["sae circuit"], label="SAE top-k heads")
    ax.errorbar(sizes, random, yerr=np.nan_to_num(random_sd), marker="s",
                color=CONDITION_COLOURS["random"], capsize=3, label="random k heads")
    ax.axhline(by_size["clean"].iloc[0], ls="--", color=CONDITION_COLOURS["clean"], lw=1,
               label="clean model")
    truth = by_size["truth"].iloc[0]
    if np.isfinite(truth):
        ax.axhline(truth, ls=":", color=CONDITION_COLOURS["truth"], lw=1.5,
                   label="ground-truth circuit")
    ax.set_xlabel("heads kept (k); all others mean-ablated")
    ax.set_ylabel(_LOGIT_DIFF)
    ax.set_title(f"{by_size['task'].iloc[0]}: does a larger SAE circuit keep more of the "
                 "behaviour?", fontsize=9)
    legend_outside(ax)
    return fig


def plot_across_models(table: pd.DataFrame) -> Figure:
    """Per task: clean model, SAE circuit (sd over seeds), random circuits of its size
    (sd over circuits) and, where there is one, the ground-truth circuit.

    ``table``: from :func:`sae_core.experiments.faithfulness_report.faithfulness_across_tasks`.
    Stand-in tasks are labelled on their tick and in the title.
    """
    fig, ax = plt.subplots(figsize=(max(7.5, 1.9 * len(table) + 2), 4.0), layout="constrained")
    x = np.arange(len(table))
    width = 0.2
    series = [
        ("clean", None, CONDITION_COLOURS["clean"]),
        ("circuit", "circuit_sd", CONDITION_COLOURS["sae circuit"]),
        ("random", "random_sd", CONDITION_COLOURS["random"]),
        ("truth", None, CONDITION_COLOURS["truth"]),
    ]
    for k, (column, sd, colour) in enumerate(series):
        values = table[column].to_numpy(dtype=float)
        if not np.isfinite(values).any():
            continue
        err = None if sd is None else np.nan_to_num(table[sd].to_numpy(dtype=float))
        label = {"clean": "clean model", "circuit": "SAE circuit",
                 "random": "random circuits (same size)",
                 "truth": "ground-truth circuit"}[column]
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
    ax.set_xlabel("model (SAE circuit size / heads in the model)")
    ax.axhline(0, color="black", lw=0.5)
    ax.set_ylabel(_LOGIT_DIFF)
    legend_outside(ax)
    if _stand_in_suffix(table):
        ax.set_title(f"models marked 'stand-in' are {STAND_IN_LABEL}s: they test the "
                     "pipeline, not the paper", fontsize=8)
    return finish(fig, "Induction across models: does the SAE circuit alone keep the "
                       "induction behaviour?",
                  "all other heads mean-ablated; error bars: sd over seeds (SAE circuit), "
                  "over random circuits (random)")


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
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.4 * n_cols, 2.9 * n_rows + 0.6),
                             squeeze=False, layout="constrained")
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
        ax.set_xlabel("codes of this head (most frequent first)", fontsize=7)
        ax.set_ylabel("prompts with this code\n(up: positives, down: negatives)", fontsize=7)
    for ax in axes.ravel()[len(heads):]:
        ax.set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in KIND_COLOURS.values()]
    legend_outside(fig, handles, [f"{k} code" for k in KIND_COLOURS], where="bottom", ncol=3)
    return finish(fig, f"{label_source(discovery.task_name, discovery.model_source)}: the top "
                       "heads' codes tell positives from negatives",
                  f"codes seen only on positives (green) are what the node score counts; "
                  f"seed {discovery.seed}")


def plot_code_stats(stats: pd.DataFrame, discovery: Discovery, axes=None) -> Figure:
    """Per head: node score against how well its code predicts the label.

    Three panels: normalised mutual information, chance-adjusted mutual information and
    held-out accuracy (0.5 = chance), each against the node score; ground-truth heads
    (``in_truth``) in green. ``stats``: from
    :func:`sae_core.analysis.code_interpretability.code_label_stats`.
    """
    columns = ("normalized_mi", "adjusted_mi", "held_out_accuracy")
    if axes is None:
        fig, axes = plt.subplots(1, len(columns), figsize=(12, 3.5), layout="constrained")
    else:
        fig = axes[0].figure
    truth = stats["in_truth"].to_numpy(bool) if "in_truth" in stats else None
    for ax, column in zip(axes, columns, strict=True):
        if truth is None:
            ax.scatter(stats["node_score"], stats[column], s=18)
        else:
            ax.scatter(stats.loc[~truth, "node_score"], stats.loc[~truth, column], s=18,
                       color=method_color("random"), label="other heads")
            ax.scatter(stats.loc[truth, "node_score"], stats.loc[truth, column], s=22,
                       color=TRUTH_COLOR, label="ground-truth head")
        ax.set_xlabel("node score (positive-only codes)")
        ax.set_ylabel(column.replace("_", " ").replace("mi", "mutual information"))
        if column == "held_out_accuracy":
            ax.axhline(0.5, label="chance (accuracy 0.5)", **CHANCE_STYLE)
    if any(ax.get_legend_handles_labels()[1] for ax in axes):
        legend_outside(axes[-1], *figure_handles(fig))
    return finish(fig, f"{label_source(discovery.task_name, discovery.model_source)}: do heads "
                       "with high node scores have codes that predict the label?",
                  f"one dot per head; seed {discovery.seed}")
