"""Pure plots of ablation sweeps (tables from :mod:`sae_core.experiments.sweeps`).

Table in, Figure out.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sae_core.plots.style import (
    ROLE_COLORS,
    auc_axis,
    axis_label,
    draw_chance,
    figure_handles,
    finish,
    legend_outside,
)
from sae_core.types import STAND_IN_LABEL


def _labels(df: pd.DataFrame) -> list[str]:
    """Task labels in order of appearance ("label" column marks stand-ins)."""
    col = "label" if "label" in df.columns else "task"
    return list(dict.fromkeys(df[col]))


def _label_col(df: pd.DataFrame) -> str:
    return "label" if "label" in df.columns else "task"


def _stand_in_note(df: pd.DataFrame) -> str:
    if "model_source" in df.columns and (df["model_source"] == "random").any():
        return f"; includes {STAND_IN_LABEL} tasks (dashed): not the paper's numbers"
    return ""


def plot_sweep(
    df: pd.DataFrame,
    x: str,
    metrics: Sequence[str] = ("node_auc", "edge_node_auc"),
    mark: float | None = None,
    logx: bool = True,
    title: str | None = None,
) -> Figure:
    """Metric vs ``x``, one line per task (mean over seeds) with a +- sd band.

    ``df``: one row per setting x seed (:func:`sae_core.experiments.sweeps.sweep`), with columns
    ``x``, label (or task), seed and each metric. One panel per metric. ``mark``: an x
    value to mark with a dotted line (e.g. the paper's default setting). The title
    says when any task is a random-weight stand-in; their lines are dashed.
    """
    label_col = _label_col(df)
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(4.2 * len(metrics) + 2.2, 3.6), squeeze=False, sharey=True,
        layout="constrained",
    )
    for ax, metric in zip(axes[0], metrics, strict=True):
        for label in _labels(df):
            sub = df[df[label_col] == label]
            stats = sub.groupby(x)[metric].agg(["mean", "std", "count"]).sort_index()
            if stats["mean"].isna().all():
                continue
            sd = stats["std"].fillna(0.0).to_numpy()
            xs, mean = stats.index.to_numpy(dtype=float), stats["mean"].to_numpy()
            ls = "--" if STAND_IN_LABEL in label else "-"
            (line,) = ax.plot(xs, mean, ls, marker="o", ms=3, label=label)
            ax.fill_between(xs, mean - sd, mean + sd, color=line.get_color(), alpha=0.2, lw=0)
        draw_chance(ax)
        if mark is not None:
            ax.axvline(mark, ls="--", c="#7f7f7f", lw=1, label=f"paper's setting ({mark:g})")
        if logx:
            ax.set_xscale("log")
            ticks = np.sort(pd.unique(df[x].dropna()).astype(float))
            ax.set_xticks(ticks)
            ax.set_xticklabels([f"{v:g}" for v in ticks])
            ax.minorticks_off()
        auc_axis(ax, metric, chance=False)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel(axis_label(x) + (" (log scale)" if logx else ""))
        ax.set_title(axis_label(metric), fontsize=9)
    legend_outside(axes[0, -1], *figure_handles(fig), title="task (band: ± sd)")
    n_seeds = df["seed"].nunique() if "seed" in df.columns else 1
    return finish(
        fig,
        title or f"How AUC changes with {axis_label(x)}",
        f"mean ± sd over {n_seeds} seeds" + _stand_in_note(df),
    )


def plot_contour(
    df: pd.DataFrame,
    x: str = "n_features",
    y: str = "l1",
    metric: str = "node_auc",
    mark: tuple[float, float] | None = None,
    levels: Sequence[float] = tuple(np.linspace(0.0, 1.0, 11)),
) -> Figure:
    """Filled contour of ``metric`` (mean over seeds) over ``x`` x ``y``, one panel per task.

    Axes are logarithmic; each grid point is annotated with its mean. ``mark``: an
    (x, y) point to star (e.g. the paper's 200 features, l1 0.02). Panels of
    random-weight stand-ins say so in their title.
    """
    label_col = _label_col(df)
    labels = _labels(df)
    n_cols = min(3, len(labels))
    n_rows = -(-len(labels) // n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(4.2 * n_cols, 3.6 * n_rows), squeeze=False,
        layout="constrained",
    )
    panels = list(axes.ravel())
    for ax in panels[len(labels):]:
        ax.set_visible(False)
    cs = None
    for ax, label in zip(panels, labels, strict=False):
        sub = df[df[label_col] == label]
        table = sub.groupby([y, x])[metric].mean().unstack(x).sort_index().sort_index(axis=1)
        xs, ys = table.columns.to_numpy(dtype=float), table.index.to_numpy(dtype=float)
        z = table.to_numpy(dtype=float)
        if len(xs) >= 2 and len(ys) >= 2 and np.isfinite(z).any():
            cs = ax.contourf(xs, ys, np.ma.masked_invalid(z), levels=levels, cmap="viridis",
                             vmin=0, vmax=1)
        for i, yv in enumerate(ys):
            for j, xv in enumerate(xs):
                ax.plot(xv, yv, ".", c="k", ms=2)
                ax.annotate("n/a" if np.isnan(z[i, j]) else f"{z[i, j]:.2f}", (xv, yv),
                            xytext=(0, 3), textcoords="offset points", ha="center",
                            va="bottom", fontsize=6, color="k",
                            bbox={"boxstyle": "round,pad=0.1", "fc": "w", "alpha": 0.6,
                                  "lw": 0})
        if mark is not None:
            ax.plot(*mark, marker="*", ms=12, c="r", mec="w", zorder=5, ls="",
                    label=f"paper's setting ({mark[0]:g}, {mark[1]:g})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{v:g}" for v in xs])
        ax.set_yticks(ys)
        ax.set_yticklabels([f"{v:g}" for v in ys])
        # room around the outer grid points, so their labels are not cut (log axes)
        ax.set_xlim(xs.min() / 1.25, xs.max() * 1.25)
        ax.set_ylim(ys.min() / 1.4, ys.max() * 1.4)
        ax.minorticks_off()
        ax.set_xlabel(axis_label(x) + " (log scale)")
        ax.set_ylabel(axis_label(y) + " (log scale)")
        ax.set_title(label, fontsize=9)
    if cs is not None:
        fig.colorbar(cs, ax=panels[: len(labels)],
                     label=f"{axis_label(metric)} (mean over seeds)")
    if mark is not None:
        legend_outside(fig, *figure_handles(fig), where="bottom")
    n_seeds = df["seed"].nunique() if "seed" in df.columns else 1
    return finish(
        fig,
        f"How {axis_label(metric)} depends on the SAE's {axis_label(x)} and "
        f"{axis_label(y)}",
        f"mean over {n_seeds} seeds, printed at each grid point" + _stand_in_note(df),
    )


def plot_head_codes(
    table: pd.DataFrame, value: str = "n_pos_only", roles: Sequence[str] | None = None
) -> Figure:
    """Per-head ``value`` by head role, one panel per task (and pooling when several).

    ``table``: :func:`sae_core.experiments.sweeps.head_code_table` rows. Each dot is one head
    (mean over seeds), the bar the role's mean.
    """
    from sae_core.experiments.sweeps import ROLES

    roles = list(roles or [r for r in ROLES if r in set(table["role"])])
    label_col = _label_col(table)
    panels = list(dict.fromkeys(zip(table[label_col], table["pooling"], strict=True)))
    n_cols = min(4, len(panels))
    n_rows = -(-len(panels) // n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(3.4 * n_cols, 3.1 * n_rows + 0.4), squeeze=False, sharey=True,
        layout="constrained",
    )
    rng = np.random.default_rng(0)  # jitter only
    for ax, (label, pooling) in zip(axes.ravel(), panels, strict=False):
        sub = table[(table[label_col] == label) & (table["pooling"] == pooling)]
        per_head = sub.groupby(["role", "head"])[value].mean().reset_index()
        for i, role in enumerate(roles):
            vals = per_head[per_head["role"] == role][value].to_numpy(dtype=float)
            if vals.size == 0:
                continue
            color = ROLE_COLORS.get(role, "#333333")
            ax.bar(i, vals.mean(), color=color, alpha=0.35, width=0.7)
            ax.scatter(i + rng.uniform(-0.2, 0.2, vals.size), vals, s=12, color=color)
        ax.set_xticks(range(len(roles)))
        ax.set_xticklabels([r.replace(", ", ",\n").replace(" ", "\n", 1) for r in roles],
                           fontsize=7)
        ax.set_title(f"{label} [{pooling} pooling]", fontsize=8)
        ax.set_xlabel("head role")
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(axis_label(value))
    stand_in = any(STAND_IN_LABEL in str(p[0]) for p in panels)
    return finish(
        fig,
        f"Which kinds of head get the {axis_label(value)}: each head, by its role",
        "dot = one head (mean over seeds), bar = the role's mean"
        + (f"; includes {STAND_IN_LABEL} tasks" if stand_in else ""),
    )
