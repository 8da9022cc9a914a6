"""Visibility plots are pure: a VisibilityResult in, a Figure out, one line per method with
the means of the rows, a chance line, a legend outside the data, a title from the data."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sae_core.experiments.visibility import VisibilityResult, VisibilitySettings
from sae_core.plots.contrast import (
    plot_visibility,
    plot_visibility_pooling,
    plot_visibility_strength,
    pooling_headline,
)
from sae_core.plots.style import method_color, pooling_color

FRACTIONS = (0.0, 0.1, 1.0)


def _auc(method, pooling, fraction, seed):
    """Made-up AUCs: the SAE falls with the fraction, the baselines stay flat."""
    if method == "sae":
        drop = {"mean": 0.6, "last": 0.3, "positions": 0.5}[pooling]
        return 0.98 - drop * fraction + 0.01 * seed
    return {"eap": 0.9, "hisp": 0.8, "acdc": 0.7}[method] + 0.01 * seed


def synthetic_result(strengths=(0.0, 1.0)) -> VisibilityResult:
    settings = VisibilitySettings(fractions=FRACTIONS, strengths=strengths, seeds=(0, 1),
                                  methods=("sae", "eap", "hisp", "acdc"), slow_seeds=(0,))
    rows = []
    for (fraction, strength), seed, method in itertools.product(
            settings.points(), settings.seeds, settings.methods):
        if method == "acdc" and seed not in settings.slow_seeds:
            continue
        poolings = settings.poolings if method == "sae" and strength == 1.0 else (
            ("mean",) if method == "sae" else ("",))
        for pooling in poolings:
            auc = _auc(method, pooling or "mean", fraction * strength, seed)
            rows.append({"method": method, "pooling": pooling, "visible_fraction": fraction,
                         "visibility_strength": strength, "seed": seed, "node_auc": auc,
                         "edge_auc": np.nan if method == "hisp" else auc - 0.05,
                         "edge_node_auc": auc if method == "sae" else np.nan,
                         "n_visible_heads": round(141 * fraction), "seconds": 1.0})
    return VisibilityResult(rows=pd.DataFrame(rows), settings=settings.to_dict(),
                            machine="test", device="cpu", seconds=1.0)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _lines(ax):
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("chance")
            and ln.get_label() != "_nolegend_" and len(ln.get_xdata()) > 1]


def test_plot_visibility_draws_one_line_per_method_with_the_means():
    result = synthetic_result()
    fig = plot_visibility(result)
    assert isinstance(fig, Figure)
    node_ax, edge_ax = fig.axes[:2]
    by_color = {ln.get_color(): ln for ln in _lines(node_ax)}
    for method in ("sae", "eap", "hisp", "acdc"):
        assert method_color(method) in by_color, method
    rows = result.rows
    sae = rows[(rows["method"] == "sae") & (rows["pooling"] == "mean")
               & (rows["visibility_strength"] == 1.0)]
    want = sae.groupby("visible_fraction")["node_auc"].mean().sort_index().to_numpy()
    line = by_color[method_color("sae")]
    np.testing.assert_allclose(line.get_ydata(), want)
    np.testing.assert_allclose(line.get_xdata(), [100 * f for f in FRACTIONS])
    # HISP has no edge scores: no HISP line on the edge panel, and it says so
    assert method_color("hisp") not in {ln.get_color() for ln in _lines(edge_ax)}
    assert any("HISP" in t.get_text() for t in edge_ax.texts)
    # the chance line, a legend outside the data, axes in words
    labels = [t.get_text() for t in fig.legends[0].get_texts()] if fig.legends else [
        t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert any(lbl.startswith("chance") for lbl in labels)
    assert any("ACDC" in lbl and "1 seed" in lbl for lbl in labels)
    assert "see the contrast" in node_ax.get_xlabel()
    assert "AUC" in node_ax.get_ylabel()


def test_plot_visibility_title_comes_from_the_data():
    title = plot_visibility(synthetic_result())._suptitle.get_text()
    # made-up SAE: 0.985 at 0 %, 0.945 at 10 %, 0.385 at 100 % (below 0.7 first at 100 %)
    assert title.startswith("The SAE method finds the circuit while distractors cannot see")
    assert "100%" in title


def test_plot_visibility_pooling_one_line_per_pooling():
    result = synthetic_result()
    fig = plot_visibility_pooling(result)
    colors = {ln.get_color() for ln in _lines(fig.axes[0])}
    assert {pooling_color(p) for p in ("mean", "last", "positions")} <= colors
    assert pooling_headline(result).startswith("Last pooling keeps")


def test_plot_visibility_strength_and_without_a_strength_sweep():
    fig = plot_visibility_strength(synthetic_result())
    assert "strength" in fig.axes[0].get_xlabel()
    assert len(_lines(fig.axes[0])) == 4
    with pytest.raises(ValueError, match="no strength sweep"):
        plot_visibility_strength(synthetic_result(strengths=()))
