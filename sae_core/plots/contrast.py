"""Plots of the visibility sweep (:mod:`sae_core.experiments.visibility`): how well each
method finds the circuit as more distractor heads can see the contrast.

Pure functions: a :class:`~sae_core.experiments.visibility.VisibilityResult` in, a
matplotlib Figure out. Methods take their colours from :mod:`sae_core.plots.style`, SAE
poolings theirs; lines are means over seeds with a +- sd band (none for a single seed,
e.g. ACDC's one model per setting).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sae_core.config import POOLINGS
from sae_core.experiments.visibility import VisibilityResult, headline
from sae_core.plots.style import (
    auc_axis,
    axis_label,
    figure_handles,
    finish,
    legend_outside,
    method_color,
    method_label,
    pooling_color,
)

FRACTION_LABEL = "random heads that see the contrast (%)"
STRENGTH_LABEL = "visibility strength of the visible heads (0 = blind, 1 = default)"


def _line(ax: Axes, x: np.ndarray, mean: np.ndarray, sd: np.ndarray, color: str, label: str,
          n_seeds: int, lw: float = 1.5) -> None:
    """Mean line (dashed with squares for a single seed) and its +- sd band. ``lw``: lines
    drawn earlier are wider, so methods lying on one another stay visible."""
    keep = np.isfinite(mean)
    if not keep.any():
        return
    x, mean, sd = x[keep], mean[keep], np.nan_to_num(sd[keep])
    single = n_seeds <= 1
    ax.plot(x, mean, "--" if single else "-", marker="s" if single else "o", ms=lw + 3,
            lw=lw, color=color, label=label + (" (1 seed)" if single else ""))
    if not single:
        ax.fill_between(x, mean - sd, mean + sd, color=color, alpha=0.18, lw=0)


def _auc_axis(ax: Axes, metric: str) -> None:
    """:func:`auc_axis`, with room below 0 so points at AUC 0 are not cut."""
    auc_axis(ax, metric)
    ax.set_ylim(-0.04, 1.12)


def _fraction_axis(ax: Axes, fractions: Sequence[float]) -> None:
    """Percent on a symmetric-log axis: the low fractions (0, 5, 10 %) stay apart."""
    ax.set_xscale("symlog", linthresh=5.0, linscale=0.6)
    ticks = sorted({100.0 * f for f in fractions})
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlim(-0.5, max(ticks) * 1.15 if ticks and max(ticks) > 0 else 1.0)
    ax.set_xlabel(FRACTION_LABEL)


def _n_seeds(g: pd.DataFrame) -> int:
    return int(g["n_seeds"].max()) if len(g) else 0


def _seeds_note(curve: pd.DataFrame) -> str:
    counts = sorted({int(n) for n in curve["n_seeds"]})
    return f"mean ± sd over {'/'.join(map(str, counts))} seed(s) (seed = random heads + prompts)"


def _methods(curve: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(curve["method"]))


def _draw_methods(ax: Axes, curve: pd.DataFrame, x_col: str, metric: str, scale: float,
                  result: VisibilityResult) -> list[str]:
    """One line per method of ``curve``; returns the methods with no value of ``metric``."""
    missing = []
    methods = _methods(curve)
    for k, method in enumerate(methods):
        g = curve[curve["method"] == method].sort_values(x_col)
        mean = g[f"{metric}_mean"].to_numpy(dtype=float)
        if not np.isfinite(mean).any():
            missing.append(method)
            continue
        label = method_label(method)
        if method == "acdc":
            label += " (cut config)"
        if method == "sae":
            label += f", {result.settings['poolings'][0]} pooling"
        _line(ax, scale * g[x_col].to_numpy(dtype=float), mean,
              g[f"{metric}_sd"].to_numpy(dtype=float), method_color(method), label, _n_seeds(g),
              lw=1.2 + 1.2 * (len(methods) - 1 - k))
    return missing


def _subtitle(result: VisibilityResult, curve: pd.DataFrame, where: str) -> str:
    s = result.settings
    acdc = (f"; ACDC: cut config, deterministic, seed(s) {list(s['slow_seeds'])}"
            if "acdc" in set(curve["method"]) else "")
    program = s.get("task_options", {}).get("program", "sort_freq")
    return (f"tracr {program} among random distractor heads ({result.task}), "
            f"{result.regime}-pair contrast, {where}; {_seeds_note(curve)}{acdc}")


def plot_visibility(result: VisibilityResult, title: str | None = None) -> Figure:
    """Node ROC AUC (left) and edge ROC AUC (right) against the percentage of distractor
    heads that see the contrast (strength 1), one line per method with a +- sd band.

    ``title``: the figure's message (default: :func:`headline`, read off the data).
    Methods with no edge scores (HISP) are named under the edge panel.
    """
    curve = result.fraction_curve()
    fig, axes = plt.subplots(1, 2, figsize=(11.0, 4.2), sharey=True, layout="constrained")
    for ax, metric in zip(axes, ("node_auc", "edge_auc"), strict=True):
        missing = _draw_methods(ax, curve, "visible_fraction", metric, 100.0, result)
        _auc_axis(ax, metric)
        _fraction_axis(ax, result.settings["fractions"])
        what = "which heads" if metric == "node_auc" else "which head-to-head edges"
        ax.set_title(f"{what} are in the circuit", fontsize=9)
        if missing:
            ax.text(0.02, 0.02, "no edge scores: " + ", ".join(map(method_label, missing)),
                    transform=ax.transAxes, fontsize=7, color="#555555")
    legend_outside(axes[-1], *figure_handles(fig), title="method")
    return finish(fig, title or headline(result), _subtitle(result, curve, "strength 1"))


def plot_visibility_pooling(result: VisibilityResult, metric: str = "node_auc",
                            title: str | None = None) -> Figure:
    """The SAE method's ``metric`` against the percentage of visible distractor heads, one
    line per pooling (mean: the paper's; last position; every position)."""
    curve = result.pooling_curve()
    fig, ax = plt.subplots(figsize=(7.4, 3.8), layout="constrained")
    present = set(curve["pooling"])
    poolings = [p for p in POOLINGS if p in present] + sorted(present - set(POOLINGS))
    for k, pooling in enumerate(poolings):
        g = curve[curve["pooling"] == pooling].sort_values("visible_fraction")
        _line(ax, 100.0 * g["visible_fraction"].to_numpy(dtype=float),
              g[f"{metric}_mean"].to_numpy(dtype=float), g[f"{metric}_sd"].to_numpy(dtype=float),
              pooling_color(pooling), f"{pooling} pooling", _n_seeds(g),
              lw=1.2 + 1.2 * (len(poolings) - 1 - k))
    _auc_axis(ax, metric)
    _fraction_axis(ax, result.settings["fractions"])
    legend_outside(ax, title="SAE codes")
    return finish(fig, title or pooling_headline(result, metric),
                  _subtitle(result, curve, "strength 1"))


def plot_visibility_strength(result: VisibilityResult, metric: str = "node_auc",
                             title: str | None = None) -> Figure:
    """``metric`` against the visibility strength at the sweep's strength fraction, one
    line per method."""
    curve = result.strength_curve()
    if curve["visibility_strength"].nunique() < 2:
        raise ValueError("this result has no strength sweep; run it with strengths=(0, ..., 1)")
    fig, ax = plt.subplots(figsize=(7.4, 3.8), layout="constrained")
    _draw_methods(ax, curve, "visibility_strength", metric, 1.0, result)
    _auc_axis(ax, metric)
    ax.set_xticks(sorted(set(curve["visibility_strength"])))
    ax.set_xlabel(STRENGTH_LABEL)
    legend_outside(ax, title="method")
    fraction = result.settings["strength_fraction"]
    return finish(fig, title or strength_headline(result, metric),
                  _subtitle(result, curve, f"{fraction:.0%} of distractors visible"))


def pooling_headline(result: VisibilityResult, metric: str = "node_auc") -> str:
    """Which pooling keeps ``metric`` highest, compared on the fractions every pooling
    was run at (the data's message; a neutral title when the poolings lie within 0.05 of
    each other there, naming those fractions)."""
    curve = result.pooling_curve().dropna(subset=[f"{metric}_mean"])
    name = axis_label(metric)
    if curve.empty:
        return "SAE codes by pooling vs fraction of distractor heads that see the contrast"
    per_pooling = [set(g["visible_fraction"]) for _, g in curve.groupby("pooling")]
    common = sorted(set.intersection(*per_pooling))
    means = (curve[curve["visible_fraction"].isin(common)]
             .groupby("pooling")[f"{metric}_mean"].mean())
    at = ", ".join(f"{f:.0%}" for f in common)
    if not common or means.empty:
        return f"SAE {name} by pooling vs fraction of distractor heads that see the contrast"
    if means.max() - means.min() < 0.05:
        return (f"SAE pooling barely matters: every pooling gives about the same {name} "
                f"(compared where all were run: {at} visible)")
    best = means.idxmax()
    return (f"{best.capitalize()} pooling keeps the SAE's {name} highest as distractor heads "
            f"see the contrast (mean over {at} visible)")


def strength_headline(result: VisibilityResult, metric: str = "node_auc") -> str:
    """The strength figure's message: the weakest strength at which the SAE method's
    ``metric`` is below chance (under 0.45), where there is one; else a neutral title."""
    fraction = result.settings["strength_fraction"]
    curve = result.strength_curve()
    sae = curve[curve["method"] == "sae"].sort_values("visibility_strength")
    below = sae[(sae["visibility_strength"] > 0) & (sae[f"{metric}_mean"] < 0.45)]
    if below.empty:
        return (f"{axis_label(metric)} vs how strongly {fraction:.0%} of distractor heads "
                "see the contrast")
    weakest = below.iloc[0]["visibility_strength"]
    return (f"With {fraction:.0%} of distractors visible, strength {weakest:g} already sends "
            f"the SAE method below chance ({axis_label(metric)})")
