"""Plots of a method comparison (the DataFrame of :func:`sae_core.experiments.compare.compare`).

Pure functions: DataFrame in, matplotlib Figure out. Rows from random-weight
stand-ins are named so in the title.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sae_core.types import STAND_IN_LABEL


def _stand_in_note(df: pd.DataFrame) -> str:
    tasks = sorted(set(df.loc[df["model_source"] == "random", "task"]))
    return f" [{STAND_IN_LABEL}: {', '.join(tasks)}]" if tasks else ""


def plot_auc_by_method(df: pd.DataFrame, metric: str = "node_auc") -> Figure:
    """``metric`` (default node AUC) per task, one bar per method, error bar = sd over
    seeds (stochastic methods only). The dotted line is chance (0.5)."""
    tasks = list(dict.fromkeys(df["task"]))
    methods = list(dict.fromkeys(df["method"]))
    by_key = {(r.task, r.method): r for r in df.itertuples()}
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(tasks) + 1), 3.6))
    x = np.arange(len(tasks))
    width = 0.8 / len(methods)
    for k, method in enumerate(methods):
        cells = [by_key.get((t, method)) for t in tasks]
        means = [getattr(c, f"{metric}_mean") if c is not None else np.nan for c in cells]
        sds = [getattr(c, f"{metric}_sd") if c is not None else np.nan for c in cells]
        sds = [0.0 if s is None or np.isnan(s) else s for s in sds]
        ax.bar(x + k * width, means, width, yerr=sds, capsize=2, label=method)
    ax.axhline(0.5, ls=":", c="grey")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(metric.replace("_", " "))
    labels = [
        f"{t}\n({STAND_IN_LABEL})" if (df.loc[df["task"] == t, "model_source"] == "random").any()
        else t
        for t in tasks
    ]
    ax.set_xticks(x + width * (len(methods) - 1) / 2)
    ax.set_xticklabels(labels, rotation=20, ha="right", fontsize=8)
    ax.legend(fontsize=7, ncol=min(len(methods), 3), loc="lower left")
    ax.set_title(
        f"{metric.replace('_', ' ')} by method (mean ± sd over seeds){_stand_in_note(df)}",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def plot_auc_vs_time(df: pd.DataFrame, metric: str = "node_auc") -> Figure:
    """``metric`` against wall seconds per run (log x axis): one marker per task and
    method, one colour per method, error bars = sd over seeds."""
    methods = list(dict.fromkeys(df["method"]))
    tasks = list(dict.fromkeys(df["task"]))
    markers = "osD^v<>PX*"
    fig, ax = plt.subplots(figsize=(6.2, 4.0))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, method in enumerate(methods):
        sub = df[df["method"] == method]
        for r in sub.itertuples():
            sd = getattr(r, f"{metric}_sd")
            ax.errorbar(
                r.seconds, getattr(r, f"{metric}_mean"),
                yerr=None if sd is None or np.isnan(sd) else sd,
                fmt=markers[tasks.index(r.task) % len(markers)], color=colours[i % len(colours)],
                capsize=2, ms=6,
            )
    for i, method in enumerate(methods):
        ax.plot([], [], "o", color=colours[i % len(colours)], label=method)
    for j, task in enumerate(tasks):
        ax.plot([], [], markers[j % len(markers)], color="grey", label=task)
    ax.set_xscale("log")
    ax.axhline(0.5, ls=":", c="grey")
    ax.set_ylim(0, 1.05)
    threads = sorted(set(df["torch_threads"])) if "torch_threads" in df else []
    ax.set_xlabel("wall seconds per run (log"
                  + (f"; CPU torch threads: {', '.join(map(str, threads))}" if threads else "")
                  + ")")
    ax.set_ylabel(metric.replace("_", " "))
    ax.legend(fontsize=6, ncol=2, loc="lower right")
    ax.set_title(f"{metric.replace('_', ' ')} against cost{_stand_in_note(df)}", fontsize=9)
    fig.tight_layout()
    return fig
