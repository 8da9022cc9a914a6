"""The four figures of a paper-task report (IOI, greater-than, docstring), one seed each.

Used by notebooks/ioi.py, greater_than.py, docstring.py and by ``sae-core figures``
(:mod:`sae_core.figure_builders.paper_tasks`), so both draw the same thing. Each
function takes one seed's :class:`Discovery` and draws it against the truth variants of
its task (:func:`sae_core.paper.task_report.paper_truths`): ROC curves against every
variant, node scores against the paper's, edges and the circuit against the variant
with edge truth (:data:`sae_core.paper.task_report.EDGE_TRUTH_VARIANT`).
"""

from __future__ import annotations

from types import MappingProxyType

from matplotlib.figure import Figure

from sae_core.paper.task_report import NODE_TRUTH_VARIANT, edge_truth, paper_truths
from sae_core.plots import plot_node_heatmap
from sae_core.plots.circuit import plot_circuit_graph, plot_edge_heatmap, plot_roc_curves
from sae_core.types import Discovery


def plot_task_roc(discovery: Discovery) -> Figure:
    """Node and edge ROC curves against every truth variant of the task."""
    return plot_roc_curves(discovery, paper_truths(discovery.task_name))


def plot_task_node_heatmap(discovery: Discovery) -> Figure:
    """Node scores, layer x head, the paper's truth heads marked."""
    return plot_node_heatmap(discovery, paper_truths(discovery.task_name)[NODE_TRUTH_VARIANT])


def plot_task_edge_heatmap(discovery: Discovery) -> Figure:
    """Edge scores, head x head, the truth edges of the variant that has them marked."""
    return plot_edge_heatmap(discovery, edge_truth(discovery.task_name))


def plot_task_circuit(discovery: Discovery, n_edges: int = 30) -> Figure:
    """The selected heads by layer with their ``n_edges`` strongest edges, against edge truth."""
    return plot_circuit_graph(discovery, edge_truth(discovery.task_name), n_edges=n_edges)


TASK_FIGURES = MappingProxyType({
    "roc": ("node and edge ROC curves, every truth variant", plot_task_roc),
    "node_heatmap": ("node scores, layer x head", plot_task_node_heatmap),
    "edge_heatmap": ("edge scores, head x head", plot_task_edge_heatmap),
    "circuit": ("selected circuit as a layer-ordered graph", plot_task_circuit),
})
"""Figure name suffix -> (what it shows, the function that draws it from one Discovery)."""
