"""Paper-task figures: each draws its task's truth variant, labelled; the same as the plots."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.patches import Rectangle

from sae_core.plots import plot_node_heatmap
from sae_core.plots.circuit import plot_circuit_graph, plot_edge_heatmap
from sae_core.plots.paper_tasks import (
    TASK_FIGURES,
    plot_task_circuit,
    plot_task_edge_heatmap,
    plot_task_node_heatmap,
    plot_task_roc,
)
from sae_core.tasks.ground_truth import TRUTHS
from tests.unit.paper.test_task_report import paper_discovery

PAPER_TASKS = ("ioi", "greater-than", "docstring")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_the_four_figures_in_order():
    assert list(TASK_FIGURES) == ["roc", "node_heatmap", "edge_heatmap", "circuit"]
    assert [plot for _, plot in TASK_FIGURES.values()] == [
        plot_task_roc, plot_task_node_heatmap, plot_task_edge_heatmap, plot_task_circuit]
    assert all(description for description, _ in TASK_FIGURES.values())


@pytest.mark.parametrize("task_name", PAPER_TASKS)
def test_every_figure_names_the_task_and_the_stand_in(task_name):
    d = paper_discovery(task_name)
    for _, plot in TASK_FIGURES.values():
        fig = plot(d)
        titles = [ax.get_title() for ax in fig.axes]
        titles += [fig._suptitle.get_text()] if fig._suptitle else []
        assert any(f"{task_name} (random-weight stand-in)" in t for t in titles), titles


def _red_boxes(fig) -> set[tuple[int, int]]:
    """(layer, head) of the red boxes on a node heatmap."""
    boxes = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    return {(round(b.get_y() + 0.5), round(b.get_x() + 0.5)) for b in boxes}


def test_node_heatmap_marks_the_papers_heads():
    for task_name in PAPER_TASKS:
        fig = plot_task_node_heatmap(paper_discovery(task_name))
        truth = TRUTHS[task_name]["paper"]
        assert _red_boxes(fig) == {(h.layer, h.head) for h in truth.heads}
    # docstring: the paper's variant has 1.0, ACDC's 1.2
    boxes = _red_boxes(plot_task_node_heatmap(paper_discovery("docstring")))
    assert (1, 0) in boxes and (1, 2) not in boxes
    d = paper_discovery("ioi")
    np.testing.assert_array_equal(
        plot_task_node_heatmap(d).axes[0].images[0].get_array(),
        plot_node_heatmap(d, TRUTHS["ioi"]["paper"]).axes[0].images[0].get_array())


def _scatter_offsets(fig) -> list[np.ndarray]:
    return [c.get_offsets() for c in fig.axes[0].collections if isinstance(c, PathCollection)]


def test_edge_heatmap_and_circuit_draw_the_variant_with_edges():
    d = paper_discovery("docstring")
    acdc = TRUTHS["docstring"]["acdc"]
    same, other = plot_task_edge_heatmap(d), plot_edge_heatmap(d, acdc)
    assert "red = truth edges" in same.axes[0].get_title()
    marks, expected = _scatter_offsets(same), _scatter_offsets(other)
    assert len(marks) == len(expected) == 1
    np.testing.assert_array_equal(marks[0], expected[0])
    assert len(marks[0]) == 2 * len(acdc.edges)  # both triangles of the symmetric matrix
    circuit = plot_task_circuit(d, n_edges=5)
    assert circuit.axes[0].get_title() == plot_circuit_graph(d, acdc, n_edges=5).axes[0].get_title()
    assert "of 6 truth heads" in circuit.axes[0].get_title()


def test_roc_draws_every_truth_variant():
    fig = plot_task_roc(paper_discovery("ioi"))
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert sum("paper" in label for label in labels) == 2  # node and edge-head score
    assert sum("acdc" in label for label in labels) == 2
