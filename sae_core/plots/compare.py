"""Plots of a method comparison: the DataFrame of :func:`sae_core.experiments.compare.compare`,
and the demo's task x contrast verdict (:func:`plot_verdict`).

Pure functions: data in, matplotlib Figure out. Every method has its colour from
:mod:`sae_core.plots.style`; rows from random-weight stand-ins are named so in the title
of the axes and on their task's tick.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sae_core.plots.style import (
    CONTRAST_HATCHES,
    auc_axis,
    axis_label,
    contrast_label,
    draw_chance,
    figure_handles,
    finish,
    label_bars,
    legend_outside,
    method_color,
    method_label,
)
from sae_core.types import STAND_IN_LABEL


def _stand_in_note(df: pd.DataFrame) -> str:
    tasks = sorted(set(df.loc[df["model_source"] == "random", "task"]))
    return f"{STAND_IN_LABEL}: {', '.join(tasks)}" if tasks else ""


def _seeds_note(df: pd.DataFrame) -> str:
    if "n_seeds" not in df or df["n_seeds"].isna().all():
        return "seeds"
    counts = sorted({int(n) for n in df["n_seeds"].dropna()})
    return f"{'/'.join(map(str, counts))} seed{'s' if counts != [1] else ''}"


def _task_ticks(df: pd.DataFrame, tasks: Sequence[str]) -> list[str]:
    return [
        f"{t}\n({STAND_IN_LABEL})" if (df.loc[df["task"] == t, "model_source"] == "random").any()
        else t
        for t in tasks
    ]


def _sd(value) -> float:
    return 0.0 if value is None or not np.isfinite(value) else float(value)


def plot_auc_by_method(df: pd.DataFrame, metric: str = "node_auc") -> Figure:
    """``metric`` (default node AUC) per task, one bar per method in the method's colour,
    its value printed on it; error bar = sd over seeds (stochastic methods only). The
    dotted line is chance (0.5)."""
    tasks = list(dict.fromkeys(df["task"]))
    methods = list(dict.fromkeys(df["method"]))
    by_key = {(r.task, r.method): r for r in df.itertuples()}
    fig, ax = plt.subplots(figsize=(max(7.5, 1.5 * len(tasks) + 3), 3.9),
                           layout="constrained")
    x = np.arange(len(tasks))
    width = 0.8 / len(methods)
    for k, method in enumerate(methods):
        cells = [by_key.get((t, method)) for t in tasks]
        means = [getattr(c, f"{metric}_mean") if c is not None else np.nan for c in cells]
        sds = [_sd(getattr(c, f"{metric}_sd")) if c is not None else 0.0 for c in cells]
        bars = ax.bar(x + k * width, means, width, yerr=sds, capsize=2,
                      color=method_color(method), label=method_label(method))
        label_bars(ax, bars, means, sds, fontsize=5.5, rotation=90)
    auc_axis(ax, metric)
    ax.set_xticks(x + width * (len(methods) - 1) / 2)
    ax.set_xticklabels(_task_ticks(df, tasks), rotation=20, ha="right", fontsize=8)
    ax.set_xlabel("task (exact ground truth)")
    legend_outside(ax, title="method")
    stand_in = _stand_in_note(df)
    ax.set_title(f"mean ± sd over {_seeds_note(df)}" + (f"; {stand_in}" if stand_in else ""),
                 fontsize=8)
    return finish(fig, f"Which method finds the exact circuit: {axis_label(metric)} by task")


def plot_auc_vs_time(df: pd.DataFrame, metric: str = "node_auc") -> Figure:
    """``metric`` against wall seconds per run (log x axis), one panel per task, one dot
    per method in the method's colour; error bars = sd over seeds.

    Tasks are panels (not marker shapes), so the only thing to decode is the method
    colour, named in one legend outside the panels.
    """
    methods = list(dict.fromkeys(df["method"]))
    tasks = list(dict.fromkeys(df["task"]))
    n_cols = min(3, len(tasks))
    n_rows = -(-len(tasks) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.3 * n_cols + 2.2, 2.9 * n_rows),
                             squeeze=False, sharex=True, sharey=True, layout="constrained")
    panels = list(axes.ravel())
    ticks = dict(zip(tasks, _task_ticks(df, tasks), strict=True))
    for ax, task in zip(panels, tasks, strict=False):
        sub = df[df["task"] == task]
        for method in methods:
            for r in sub[sub["method"] == method].itertuples():
                sd = getattr(r, f"{metric}_sd")
                ax.errorbar(r.seconds, getattr(r, f"{metric}_mean"),
                            yerr=None if sd is None or not np.isfinite(sd) else sd,
                            fmt="o", color=method_color(method), capsize=2, ms=6,
                            label=method_label(method))
        draw_chance(ax)
        ax.set_xscale("log")
        ax.set_ylim(0, 1.05)
        ax.set_title(ticks[task].replace("\n", " "), fontsize=8)
    for ax in panels[len(tasks):]:
        ax.set_visible(False)
    threads = sorted(set(df["torch_threads"])) if "torch_threads" in df else []
    for idx, ax in enumerate(panels[: len(tasks)]):
        if idx + n_cols >= len(tasks):  # nothing drawn below: this panel names the x axis
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel("wall time per run\n(seconds, log scale)")
    for ax in axes[:, 0]:
        ax.set_ylabel(f"{axis_label(metric)}\n(higher is better)")
    legend_outside(panels[n_cols - 1], *figure_handles(fig), title="method")
    stand_in = _stand_in_note(df)
    details = (f"mean ± sd over {_seeds_note(df)}; best = top left"
               + (f"; CPU torch threads: {', '.join(map(str, threads))}" if threads else "")
               + (f"; {stand_in}" if stand_in else ""))
    return finish(fig, f"Accuracy against cost: {axis_label(metric)} and wall time, per task",
                  details)


def plot_verdict(
    rows: Sequence[Mapping],
    metric: str = "node_auc",
    title: str | None = None,
) -> Figure:
    """``metric`` (default node AUC) by task: bars grouped by method (the method's colour),
    paired by contrast (solid = minimal pairs, hatched = rearranged tokens; one bar where
    a task has no contrast). Each bar prints its value; the dotted line is chance.

    ``rows``: dicts with task, contrast ("minimal", "rearranged" or None), method,
    ``{metric}_mean``, ``{metric}_sd`` (optional), n_seeds and, optionally, model_source
    (stand-in tasks are marked on their tick and in the subtitle). ``title``: the
    figure's message (a default says what is drawn).
    """
    if not rows:
        raise ValueError("plot_verdict needs at least one row (task, contrast, method, ...)")
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    contrasts = list(dict.fromkeys(r.get("contrast") for r in rows))
    by_key = {(r["task"], r["method"], r.get("contrast")): r for r in rows}
    stand_in = sorted({r["task"] for r in rows if r.get("model_source") == "random"})
    n_bars = len(methods) * len(contrasts)
    fig, ax = plt.subplots(figsize=(max(7.5, 0.24 * n_bars * len(tasks) + 3.5), 4.0),
                           layout="constrained")
    width = 0.84 / n_bars
    for m, method in enumerate(methods):
        for c, contrast in enumerate(contrasts):
            offset = (m * len(contrasts) + c - (n_bars - 1) / 2) * width
            cells = [by_key.get((t, method, contrast)) for t in tasks]
            means = [cell[f"{metric}_mean"] if cell else np.nan for cell in cells]
            sds = [_sd(cell.get(f"{metric}_sd")) if cell else 0.0 for cell in cells]
            bars = ax.bar(np.arange(len(tasks)) + offset, means, width, yerr=sds, capsize=1.5,
                          color=method_color(method),
                          hatch=CONTRAST_HATCHES.get(contrast or "", ""),
                          edgecolor="white", linewidth=0.6, error_kw={"elinewidth": 0.8})
            drawn = [k for k, cell in enumerate(cells) if cell is not None]
            label_bars(ax, [bars[k] for k in drawn], [means[k] for k in drawn],
                       [sds[k] for k in drawn], fontsize=5.5, rotation=90)
    auc_axis(ax, metric)
    ax.set_xticks(np.arange(len(tasks)))
    ax.set_xticklabels([f"{t}\n({STAND_IN_LABEL})" if t in stand_in else t for t in tasks],
                       rotation=15 if len(tasks) > 4 else 0, fontsize=8)
    ax.set_xlabel("task")
    handles = [Patch(color=method_color(m), label=method_label(m)) for m in methods]
    handles += [Patch(facecolor="#8c8c8c", edgecolor="white",
                      hatch=CONTRAST_HATCHES.get(c or "", "") or None, label=contrast_label(c))
                for c in contrasts]
    handles += figure_handles(fig)[0]  # the chance line
    legend_outside(ax, handles, title="colour = method, fill = negatives")
    n_seeds = sorted({int(r["n_seeds"]) for r in rows if r.get("n_seeds") is not None})
    seeds = f"{'/'.join(map(str, n_seeds))} seeds" if n_seeds else "seeds"
    ax.set_title(f"mean ± sd over {seeds}"
                 + (f"; {STAND_IN_LABEL}: {', '.join(stand_in)}" if stand_in else ""),
                 fontsize=8)
    return finish(fig, title or f"Which method finds the circuit, and does the contrast "
                                f"matter: {axis_label(metric)} by task")
