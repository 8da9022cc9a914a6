"""figures/{ioi,greater_than,docstring}_{roc,node_heatmap,edge_heatmap,circuit}.png: the
SAE method on the paper's three tasks (the figures of notebooks/ioi.py, greater_than.py
and docstring.py).

Each task is run once per context (paper settings from :func:`sae_core.paper.settings.paper_config`,
250 + 250 prompts, the context's seeds) and shared by its four figures; the figures show
seed ``ctx.seeds[0]``. ``ctx.model_source`` picks the weights: "pretrained" from the local
cache, or "random" for a random-weight stand-in, which every title then names. Fast: 20
prompts per set, 5 of them training the SAE, 50 SAE steps, two seeds.
"""

from __future__ import annotations

import functools

from sae_core.figure_builders import FigureContext, FigureOutput, register_figure
from sae_core.tasks.catalog import PAPER_TASKS

FAST_N_EXAMPLES = 20
FAST_N_TRAIN = 5
FAST_STEPS = 50
FAST_N_SEEDS = 2

EDGE_TRUTH_VARIANT = {"ioi": "paper", "greater-than": "paper", "docstring": "acdc"}
"""Truth variant drawn on edge plots: the paper's where it has edges, else ACDC's."""


@functools.lru_cache(maxsize=2)
def _run(task_name: str, model_source: str, fast: bool, seeds: tuple[int, ...], device: str):
    from sae_core.discover import discover_seeds
    from sae_core.paper.settings import PAPER_N_EXAMPLES, paper_config
    from sae_core.tasks import load_task

    overrides = dict(device=device)
    if fast:
        overrides.update(steps=FAST_STEPS, n_train=FAST_N_TRAIN)
        seeds = seeds[:FAST_N_SEEDS]
    n_examples = FAST_N_EXAMPLES if fast else PAPER_N_EXAMPLES
    task = load_task(task_name, model_source=model_source, n_examples=n_examples, seed=0)
    return discover_seeds(task, paper_config(task_name, **overrides), seeds=seeds)


def _found(task_name: str, ctx: FigureContext):
    return _run(task_name, ctx.model_source, ctx.fast, tuple(ctx.seeds), ctx.device)


def _notes(task_name: str, ctx: FigureContext, found) -> dict:
    return {"task": task_name, "seeds": [d.seed for d in found], "shown_seed": found[0].seed,
            "n_examples": FAST_N_EXAMPLES if ctx.fast else "paper (250)",
            "steps": found[0].config.steps}


def _register(task_name: str) -> None:
    from sae_core.tasks.ground_truth import TRUTHS

    slug = task_name.replace("-", "_")
    truths = TRUTHS[task_name]
    edge_truth = truths[EDGE_TRUTH_VARIANT[task_name]]

    @register_figure(f"{slug}_roc", f"{task_name}: node and edge ROC curves, every truth variant")
    def roc(ctx: FigureContext) -> FigureOutput:
        from sae_core.plots.circuit import plot_roc_curves

        found = _found(task_name, ctx)
        return FigureOutput(plot_roc_curves(found[0], truths), found[0].model_source,
                            _notes(task_name, ctx, found))

    @register_figure(f"{slug}_node_heatmap", f"{task_name}: node scores, layer x head")
    def node_heatmap(ctx: FigureContext) -> FigureOutput:
        from sae_core.plots import plot_node_heatmap

        found = _found(task_name, ctx)
        return FigureOutput(plot_node_heatmap(found[0], truths["paper"]), found[0].model_source,
                            _notes(task_name, ctx, found))

    @register_figure(f"{slug}_edge_heatmap", f"{task_name}: edge scores, head x head")
    def edge_heatmap(ctx: FigureContext) -> FigureOutput:
        from sae_core.plots.circuit import plot_edge_heatmap

        found = _found(task_name, ctx)
        return FigureOutput(plot_edge_heatmap(found[0], edge_truth), found[0].model_source,
                            _notes(task_name, ctx, found))

    @register_figure(f"{slug}_circuit", f"{task_name}: selected circuit as a layer-ordered graph")
    def circuit(ctx: FigureContext) -> FigureOutput:
        from sae_core.plots.circuit import plot_circuit_graph

        found = _found(task_name, ctx)
        return FigureOutput(plot_circuit_graph(found[0], edge_truth), found[0].model_source,
                            _notes(task_name, ctx, found))


for _task_name in PAPER_TASKS:
    _register(_task_name)
