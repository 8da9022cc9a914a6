"""Circuit plots: each returns a Figure on a tiny synthetic Discovery; stand-ins say so."""

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from sae_core.config import SAEConfig
from sae_core.plots.circuit import (
    plot_circuit_graph,
    plot_edge_heatmap,
    plot_roc_curves,
    top_circuit_edges,
)
from sae_core.types import Discovery, GroundTruth

N_LAYERS, N_HEADS = 3, 4
N_TOTAL = N_LAYERS * N_HEADS
TRUTH_EDGES = GroundTruth(heads={"0.1", "1.2", "2.3"}, edges={("0.1", "1.2"), ("1.2", "2.3")})
TRUTH_HEADS = GroundTruth(heads={"0.1", "1.2", "2.0"})


def discovery(model_source: str = "random", seed: int = 0) -> Discovery:
    """Scores that favour the truth heads 0.1, 1.2, 2.3 and their pairs."""
    rng = np.random.default_rng(seed)
    node = rng.integers(0, 3, size=(N_LAYERS, N_HEADS)).astype(float)
    for layer, head in ((0, 1), (1, 2), (2, 3)):
        node[layer, head] += 5
    edge = rng.integers(0, 4, size=(N_TOTAL, N_TOTAL)).astype(float)
    edge = np.triu(edge, 1) + np.triu(edge, 1).T
    for a, b in ((1, 6), (6, 11)):
        edge[a, b] = edge[b, a] = 9
    return Discovery(
        task_name="toy", node_scores=node, edge_scores=edge,
        edge_node_scores=edge.sum(1).reshape(N_LAYERS, N_HEADS),
        codes_pos=np.zeros((4, N_TOTAL), int), codes_neg=np.zeros((4, N_TOTAL), int),
        timings={"total": 0.0}, sae_config=SAEConfig(), seed=seed, model_source=model_source,
        version="test",
    )


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _titles(fig: Figure) -> list[str]:
    texts = [fig._suptitle.get_text()] if fig._suptitle else []
    return texts + [ax.get_title() for ax in fig.axes]


@pytest.mark.parametrize(
    "plot",
    [
        lambda d: plot_roc_curves(d, {"paper": TRUTH_EDGES, "other": TRUTH_HEADS}),
        lambda d: plot_roc_curves(d, TRUTH_HEADS),
        lambda d: plot_edge_heatmap(d, TRUTH_EDGES),
        lambda d: plot_edge_heatmap(d, TRUTH_HEADS),
        lambda d: plot_edge_heatmap(d),
        lambda d: plot_circuit_graph(d, TRUTH_EDGES, n_edges=5),
        lambda d: plot_circuit_graph(d, TRUTH_HEADS),
        lambda d: plot_circuit_graph(d),
    ],
)
def test_plots_return_figures_marked_as_stand_ins(plot):
    fig = plot(discovery("random"))
    assert isinstance(fig, Figure)
    assert any("random-weight stand-in" in t for t in _titles(fig))
    fig = plot(discovery("pretrained"))
    assert not any("stand-in" in t for t in _titles(fig))


def test_roc_draws_one_node_curve_per_score_and_variant_and_edge_curves_with_edge_truth():
    fig = plot_roc_curves(discovery(), {"paper": TRUTH_EDGES, "other": TRUTH_HEADS})
    ax_node, ax_edge = fig.axes
    node_labels = [line.get_label() for line in ax_node.lines if "AUC" in line.get_label()]
    edge_labels = [line.get_label() for line in ax_edge.lines if "AUC" in line.get_label()]
    assert len(node_labels) == 4
    assert edge_labels == [l for l in edge_labels if "paper edges" in l] and len(edge_labels) == 1


def test_roc_without_edge_truth_says_so():
    fig = plot_roc_curves(discovery(), TRUTH_HEADS)
    assert "no edge-level ground truth" in fig.axes[1].texts[0].get_text()


def test_edge_heatmap_keeps_the_matrix_extent():
    fig = plot_edge_heatmap(discovery(), TRUTH_HEADS)
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((-0.5, N_TOTAL - 0.5))


def test_top_circuit_edges_are_cross_layer_between_circuit_heads_best_first():
    d = discovery()
    mask = d.head_mask().ravel()
    edges = top_circuit_edges(d, n_edges=3)
    assert 0 < len(edges) <= 3
    assert [s for *_, s in edges] == sorted((s for *_, s in edges), reverse=True)
    for a, b, s in edges:
        assert mask[a] and mask[b] and a // N_HEADS != b // N_HEADS and s > 0
    assert (1, 6, 9.0) in edges


def test_circuit_graph_counts_truth_heads_in_title():
    fig = plot_circuit_graph(discovery(), TRUTH_EDGES)
    assert "of 3 truth heads" in fig.axes[0].get_title()


def test_circuit_graph_in_one_layer_says_it_has_no_edges():
    d = discovery()
    node = np.zeros((N_LAYERS, N_HEADS))
    node[0, :2] = 5  # the circuit: two heads of layer 0, no cross-layer pair
    one_layer = dataclasses.replace(d, node_scores=node)
    assert top_circuit_edges(one_layer) == []
    fig = plot_circuit_graph(one_layer, TRUTH_EDGES)
    assert "no scored edge" in fig.axes[0].get_title()


def test_paper_task_figures_are_registered_and_build_labelled(tmp_path):
    from sae_core import figure_builders as figures

    names = figures.available_figures()
    for slug in ("ioi", "greater_than", "docstring"):
        for kind in ("roc", "node_heatmap", "edge_heatmap", "circuit"):
            assert f"{slug}_{kind}" in names
    ctx = figures.FigureContext(fast=True, model_source="random", device="cpu")
    written = figures.regenerate(tmp_path, names=["docstring_circuit"], ctx=ctx, progress=False)
    assert written["docstring_circuit"]["model_source"] == "random"
    assert (tmp_path / "docstring_circuit.png").exists()
