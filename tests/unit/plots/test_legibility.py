"""Every plot function draws a figure a reader can take in: legends outside the data, axes
named, a title; and the style helpers keep colours and legends the same everywhere.

Each figure is drawn (Agg) from small hand-made inputs; the checks measure the drawn
boxes, so a legend placed over the data (``loc="lower right"``) fails.
"""

from __future__ import annotations

import itertools

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from sae_core.config import SAEConfig
from sae_core.experiments.faithfulness_report import faithfulness_table, ioi_paper_table
from sae_core.experiments.model_size import STAGES, ModelRuntime, RuntimeResult
from sae_core.experiments.sweeps import ROLE_COMPILED, ROLE_RANDOM, ROLE_TRUTH
from sae_core.plots import plot_auc_summary, plot_node_heatmap, plot_roc, style
from sae_core.plots.circuit import plot_circuit_graph, plot_edge_heatmap, plot_roc_curves
from sae_core.plots.compare import plot_auc_by_method, plot_auc_vs_time, plot_verdict
from sae_core.plots.interpret import (
    plot_across_models,
    plot_code_split,
    plot_code_stats,
    plot_faithfulness,
    plot_faithfulness_by_size,
)
from sae_core.plots.runtime import plot_runtime
from sae_core.plots.sweeps import plot_contour, plot_head_codes, plot_sweep
from sae_core.types import STAND_IN_LABEL
from tests.unit.analysis.test_code_interpretability import make_discovery
from tests.unit.analysis.test_code_interpretability import result as faithfulness_result
from tests.unit.plots.test_circuit import TRUTH_EDGES, TRUTH_HEADS, discovery

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


# ------------------------------------------------------------------ hand-made inputs


def compare_table(stand_in: bool = False) -> pd.DataFrame:
    rows = []
    for task, method in itertools.product(("tracr-sort", "induction-toy", "tracr-hist"),
                                          ("sae", "acdc", "eap", "hisp")):
        rows.append({"task": task, "method": method,
                     "model_source": "random" if stand_in else "compiled",
                     "node_auc_mean": RNG.uniform(), "node_auc_sd": 0.05,
                     "seconds": 10 ** RNG.uniform(-1, 2), "n_seeds": 2, "torch_threads": 1})
    return pd.DataFrame(rows)


def verdict_rows() -> list[dict]:
    rows = []
    for task, contrast in (("ioi", "minimal"), ("ioi", "rearranged"),
                           ("induction-toy", "minimal"), ("tracr-sort", None)):
        for method in ("sae", "eap", "hisp"):
            rows.append({"task": task, "contrast": contrast, "method": method,
                         "node_auc_mean": 0.001 if method == "hisp" else RNG.uniform(),
                         "node_auc_sd": 0.02, "edge_auc_mean": 0.5, "n_seeds": 3,
                         "model_source": "random" if task == "ioi" else "trained"})
    return rows


def summary_rows() -> list[dict]:
    return [{"task": t, "pooling": p, "model_source": "compiled", "n_seeds": 2,
             "node_auc_mean": RNG.uniform(), "node_auc_sd": 0.1,
             "edge_auc_mean": RNG.uniform(), "edge_auc_sd": 0.1}
            for t, p in itertools.product(("tracr-sort", "induction-toy"), ("mean", "last"))]


def sweep_table(x: str) -> pd.DataFrame:
    rows = []
    for (task, source), v, seed in itertools.product(
            (("induction-toy", "trained"), ("ioi", "random")), (5, 10, 25), (0, 1)):
        label = f"{task} ({STAND_IN_LABEL})" if source == "random" else task
        rows.append({"task": task, "label": label, "model_source": source, x: v, "seed": seed,
                     "node_auc": RNG.uniform(), "edge_node_auc": RNG.uniform()})
    return pd.DataFrame(rows)


def contour_table() -> pd.DataFrame:
    rows = [{"task": t, "label": t, "n_features": nf, "l1": l1, "seed": s,
             "node_auc": RNG.uniform()}
            for t, nf, l1, s in itertools.product(("a", "b"), (20, 200), (0.02, 0.1), (0, 1))]
    return pd.DataFrame(rows)


def head_code_table() -> pd.DataFrame:
    return pd.DataFrame({
        "task": "tracr-sort", "label": "tracr-sort", "pooling": "mean", "seed": 0,
        "head": ["0.0", "0.1", "1.0", "1.1"],
        "role": [ROLE_TRUTH, ROLE_COMPILED, ROLE_RANDOM, ROLE_RANDOM],
        "n_pos_only": [0, 1, 6, 8],
    })


def runtime_result() -> RuntimeResult:
    models = tuple(
        ModelRuntime(model=name, n_layers=n, n_heads=12, d_model=768, n_params=1,
                     seconds={**{s: 1.0 + k for k, s in enumerate(STAGES)}, "total": 15.0,
                              "total_with_load": 16.0})
        for name, n in (("gpt2", 12), ("gpt2-medium", 24))
    )
    return RuntimeResult(models=models, n_prompts=3, prompt_length=4, config=SAEConfig(),
                         device="cpu (x86_64)", seed=0)


def by_size_table() -> pd.DataFrame:
    return pd.DataFrame({"task": "toy", "size": [1, 2, 1, 2], "circuit": [1.0, 2.0, 1.5, 2.5],
                         "random": [0.5, 1.0, 0.5, 1.0], "random_sd": 0.1, "clean": 3.0,
                         "truth": 2.8})


def across_table() -> pd.DataFrame:
    return pd.DataFrame([
        {"task": f"induction-gpt2 ({STAND_IN_LABEL})", "model_source": "random",
         "n_heads_total": 144, "circuit_size": 40, "clean": 0.1, "circuit": 0.2,
         "circuit_sd": 0.0, "random": 0.0, "random_sd": 0.1, "truth": np.nan},
        {"task": "induction-toy", "model_source": "trained", "n_heads_total": 8,
         "circuit_size": 2, "clean": 10.0, "circuit": 1.0, "circuit_sd": 0.1,
         "random": 0.5, "random_sd": 0.2, "truth": 9.0},
    ])


def code_discovery():
    pos = np.array([[0, 5, 10, 7, 1, 1], [1, 5, 11, 8, 1, 1], [0, 5, 12, 7, 1, 1]])
    neg = np.array([[2, 5, 20, 7, 1, 1], [2, 5, 21, 7, 1, 1], [2, 5, 22, 7, 1, 1]])
    return make_discovery(pos, neg, model_source="random")


def code_stats() -> pd.DataFrame:
    return pd.DataFrame({"node_score": RNG.uniform(size=6), "normalized_mi": RNG.uniform(size=6),
                         "adjusted_mi": RNG.uniform(size=6),
                         "held_out_accuracy": RNG.uniform(size=6),
                         "in_truth": [True, False, False, True, False, False]})


PLOTS = {
    "plot_node_heatmap": lambda: plot_node_heatmap(discovery(), TRUTH_HEADS),
    "plot_roc": lambda: plot_roc({"node scores": (RNG.uniform(size=12),
                                                  np.arange(12) % 3 == 0)}),
    "plot_auc_summary": lambda: plot_auc_summary(summary_rows()),
    "plot_roc_curves": lambda: plot_roc_curves(discovery(), {"paper": TRUTH_EDGES,
                                                             "other": TRUTH_HEADS}),
    "plot_edge_heatmap/edges": lambda: plot_edge_heatmap(discovery(), TRUTH_EDGES),
    "plot_edge_heatmap/heads": lambda: plot_edge_heatmap(discovery(), TRUTH_HEADS),
    "plot_circuit_graph": lambda: plot_circuit_graph(discovery(), TRUTH_EDGES, n_edges=5),
    "plot_auc_by_method": lambda: plot_auc_by_method(compare_table()),
    "plot_auc_vs_time": lambda: plot_auc_vs_time(compare_table()),
    "plot_verdict": lambda: plot_verdict(verdict_rows()),
    "plot_faithfulness": lambda: plot_faithfulness([
        ioi_paper_table([faithfulness_result(2.0, [0.0, 1.0])]),
        faithfulness_table(faithfulness_result(1.0, [1.0], "trained"))]),
    "plot_faithfulness_by_size": lambda: plot_faithfulness_by_size(by_size_table()),
    "plot_across_models": lambda: plot_across_models(across_table()),
    "plot_code_split": lambda: plot_code_split(code_discovery(), [(0, 0), (1, 0)]),
    "plot_code_stats": lambda: plot_code_stats(code_stats(), code_discovery()),
    "plot_runtime": lambda: plot_runtime(runtime_result()),
    "plot_sweep": lambda: plot_sweep(sweep_table("n_train"), x="n_train", mark=10),
    "plot_contour": lambda: plot_contour(contour_table(), mark=(200, 0.02)),
    "plot_head_codes": lambda: plot_head_codes(head_code_table()),
}


# ------------------------------------------------------------------ what is checked


def _is_colorbar(ax: Axes) -> bool:
    return ax.get_label() == "<colorbar>"


def _legends(fig: Figure) -> list:
    return [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + fig.legends


def _overlap(a, b) -> float:
    """Area (pixels) where two window extents overlap."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


def legend_overlaps(fig: Figure) -> list[str]:
    """Every (legend, axes) pair whose drawn boxes overlap by more than a pixel row."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = []
    for legend in _legends(fig):
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if ax.get_visible() and _overlap(box, ax.get_window_extent(renderer)) > box.width:
                problems.append(f"legend {[t.get_text() for t in legend.get_texts()][:2]} "
                                f"over axes {ax.get_title()!r}")
    return problems


def _named(ax: Axes, which: str) -> bool:
    """The axes, or one it shares that axis with, names it."""
    get = (lambda a: a.get_xlabel()) if which == "x" else (lambda a: a.get_ylabel())
    shared = ax.get_shared_x_axes() if which == "x" else ax.get_shared_y_axes()
    return any(get(a).strip() for a in [ax, *shared.get_siblings(ax)])


def unnamed_axes(fig: Figure) -> list[str]:
    """Every visible axis without a name (colour bars: the bar's own axis)."""
    problems = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        if _is_colorbar(ax):
            if not (ax.get_ylabel().strip() or ax.get_xlabel().strip()):
                problems.append("colour bar without a label")
            continue
        for which in ("x", "y"):
            if not _named(ax, which):
                problems.append(f"{which} axis of {ax.get_title()!r} has no name")
    return problems


@pytest.mark.parametrize("name", list(PLOTS))
def test_every_plot_keeps_its_legends_off_the_data_and_names_its_axes(name):
    fig = PLOTS[name]()
    assert isinstance(fig, Figure)
    assert legend_overlaps(fig) == []
    assert unnamed_axes(fig) == []
    titles = [fig._suptitle.get_text() if fig._suptitle else ""]
    titles += [ax.get_title() for ax in fig.axes]
    assert any(t.strip() for t in titles), "a figure states its message in a title"


def test_the_checks_catch_a_legend_on_the_data_and_an_unnamed_axis():
    fig, ax = plt.subplots()
    ax.plot(np.arange(10), label="a line")
    ax.legend(loc="lower right")
    ax.set_xlabel("x")
    assert legend_overlaps(fig)
    assert unnamed_axes(fig) == [f"y axis of {''!r} has no name"]
    fig, ax = plt.subplots()
    ax.plot(np.arange(10), label="a line")
    style.legend_outside(ax)
    assert legend_overlaps(fig) == []


def test_method_colours_are_the_same_in_every_comparison_figure():
    bars = [c for c in plot_auc_by_method(compare_table()).axes[0].containers
            if isinstance(c, BarContainer)]
    by_label = {c.get_label(): c.patches[0].get_facecolor() for c in bars}

    for method in ("sae", "acdc", "eap", "hisp"):
        assert mcolors.same_color(by_label[style.method_label(method)],
                                  style.method_color(method))
    fig = plot_auc_vs_time(compare_table())
    legend = fig.axes[2].get_legend()
    colours = {t.get_text(): h.get_color() for t, h in
               zip(legend.get_texts(), legend.legend_handles, strict=True)
               if t.get_text() in map(style.method_label, ("sae", "eap"))}
    assert mcolors.same_color(colours["EAP"], style.method_color("eap"))


def test_verdict_pairs_contrasts_by_hatch_and_prints_tiny_values():
    fig = plot_verdict(verdict_rows())
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "0.001" in texts  # a bar too small to see still says its value
    hatches = {p.get_hatch() for p in ax.patches}
    assert style.CONTRAST_HATCHES["rearranged"] in hatches  # rearranged: hatched
    assert style.CONTRAST_HATCHES[""] in hatches  # a task without a contrast
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {style.contrast_label("minimal"), style.contrast_label("rearranged")} <= set(legend)
    assert style.method_label("sae") in legend and any("chance" in t for t in legend)
    assert "3 seeds" in ax.get_title() and STAND_IN_LABEL in ax.get_title()
    # one bar per (task, method, contrast) row, no bar for a pair a task lacks
    assert sum(np.isfinite(p.get_height()) for p in ax.patches) == len(verdict_rows())


def test_verdict_needs_rows():
    with pytest.raises(ValueError, match="at least one row"):
        plot_verdict([])


def test_format_value_keeps_small_numbers_visible():
    assert style.format_value(0.001) == "0.001"
    assert style.format_value(0.5) == "0.50"
    assert style.format_value(float("nan")) == "n/a"


def test_finish_puts_message_and_details_in_the_title():
    fig, ax = plt.subplots()
    ax.set_xlabel("x")
    style.finish(fig, "the message", "the details")
    assert fig._suptitle.get_text() == "the message\nthe details"


def test_figure_legend_outside_needs_the_constrained_layout():
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="constrained"):
        style.legend_outside(fig)
    with pytest.raises(ValueError, match="right"):
        style.legend_outside(plt.subplots()[1], where="left")
