"""Sweep plots are pure: a table in, a Figure out, stand-ins marked in the title."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sae_core.experiments.sweeps import ROLE_COMPILED, ROLE_RANDOM, ROLE_TRUTH
from sae_core.plots.sweeps import plot_contour, plot_head_codes, plot_sweep


def _sweep_table(x, values, sources=(("induction-toy", "trained"),)):
    rng = np.random.default_rng(0)
    rows = []
    for (task, source), v, seed in itertools.product(sources, values, (0, 1)):
        label = f"{task} (random-weight stand-in)" if source == "random" else task
        rows.append({"task": task, "label": label, "model_source": source, x: v, "seed": seed,
                     "node_auc": rng.uniform(), "edge_node_auc": rng.uniform(),
                     "edge_auc": np.nan})
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_plot_sweep_lines_and_stand_in_title():
    df = _sweep_table("n_train", [5, 10, 25], (("induction-toy", "trained"), ("ioi", "random")))
    fig = plot_sweep(df, x="n_train", mark=10)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.get_lines()) >= 2
    assert "random-weight stand-in" in fig._suptitle.get_text()
    legend = fig.axes[-1].get_legend()  # one legend, right of the last panel
    labels = [t.get_text() for t in legend.get_texts()]
    assert "ioi (random-weight stand-in)" in labels
    means = df[df["task"] == "induction-toy"].groupby("n_train")["node_auc"].mean().to_numpy()
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), means)


def test_plot_sweep_without_stand_ins_has_no_mark():
    fig = plot_sweep(_sweep_table("n_count", [2, 5]), x="n_count", metrics=("node_auc",))
    assert "stand-in" not in fig._suptitle.get_text()
    assert len(fig.axes) == 1


def test_plot_contour_panels_and_values():
    rows = []
    for task, nf, l1, seed in itertools.product(("a", "b"), (20, 200), (0.02, 0.1), (0, 1)):
        rows.append({"task": task, "label": task, "n_features": nf, "l1": l1, "seed": seed,
                     "node_auc": nf / 200 * (seed + 1) / 2})
    fig = plot_contour(pd.DataFrame(rows), mark=(200, 0.02))
    panels = [ax for ax in fig.axes if ax.get_title() in ("a", "b")]
    assert len(panels) == 2
    texts = {t.get_text() for t in panels[0].texts}
    assert "0.75" in texts and len(panels[0].texts) == 4  # one label per grid point


def test_plot_contour_marks_stand_in_panel():
    df = _sweep_table("n_features", [20, 200], (("ioi", "random"),))
    df = pd.concat([df.assign(l1=0.02), df.assign(l1=0.1)])
    fig = plot_contour(df)
    assert any("random-weight stand-in" in ax.get_title() for ax in fig.axes)


def test_plot_head_codes():
    table = pd.DataFrame({
        "task": "tracr-sort", "label": "tracr-sort", "pooling": "mean", "seed": 0,
        "head": ["0.0", "0.1", "1.0", "1.1"],
        "role": [ROLE_TRUTH, ROLE_COMPILED, ROLE_RANDOM, ROLE_RANDOM],
        "n_pos_only": [0, 1, 6, 8],
    })
    fig = plot_head_codes(table)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [0, 1, 7]
    assert ax.get_title() == "tracr-sort [mean pooling]"


def test_sweep_figures_are_registered():
    from sae_core.figure_builders import available_figures

    names = available_figures()
    for name in ("n_train_examples", "n_code_examples", "hyperparameters", "tracr_codes"):
        assert name in names
