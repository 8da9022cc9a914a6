"""figures/{ioi,greater_than,docstring}_{roc,node_heatmap,edge_heatmap,circuit}.png: the
SAE method on the paper's three tasks (the figures of notebooks/ioi.py, greater_than.py
and docstring.py, drawn by the same functions: :data:`sae_core.plots.paper_tasks.TASK_FIGURES`).

Each task is run once per context (the task's SAE settings and 250 + 250 prompts from
:func:`sae_core.paper.settings.paper_settings`, the context's seeds) and shared by its
four figures; the figures show seed ``ctx.seeds[0]``. ``ctx.model_source`` picks the
weights: "pretrained" from the local cache, or "random" for a random-weight stand-in,
which every title then names. Fast: 20 prompts per set, 5 of them training the SAE,
50 SAE steps, two seeds.
"""

from __future__ import annotations

import dataclasses
import functools

from sae_core.figure_builders import Builder, FigureContext, FigureOutput, register_figure
from sae_core.tasks.catalog import PAPER_TASKS

FAST_N_EXAMPLES = 20
FAST_N_TRAIN = 5
FAST_STEPS = 50
FAST_N_SEEDS = 2


@functools.lru_cache(maxsize=2)
def _run(task_name: str, model_source: str, fast: bool, seeds: tuple[int, ...], device: str):
    from sae_core.discover import discover_seeds
    from sae_core.paper.settings import paper_settings
    from sae_core.paper.task_report import load_paper_task

    overrides = dict(device=device)
    if fast:
        overrides.update(steps=FAST_STEPS, n_train=FAST_N_TRAIN)
        seeds = seeds[:FAST_N_SEEDS]
    settings = paper_settings(task_name)
    n_examples = FAST_N_EXAMPLES if fast else settings.n_examples
    task = load_paper_task(task_name, model_source=model_source, n_examples=n_examples)
    return discover_seeds(task, dataclasses.replace(settings.sae, **overrides), seeds=seeds)


def _builder(task_name: str, plot) -> Builder:
    def build(ctx: FigureContext) -> FigureOutput:
        found = _run(task_name, ctx.model_source, ctx.fast, tuple(ctx.seeds), ctx.device)
        notes = {"task": task_name, "seeds": [d.seed for d in found],
                 "shown_seed": found[0].seed,
                 "n_examples": FAST_N_EXAMPLES if ctx.fast else "paper (250)",
                 "steps": found[0].sae_config.steps}
        prov = () if found[0].provenance is None else (found[0].provenance,)
        return FigureOutput(plot(found[0]), found[0].model_source, notes, prov)

    return build


def _register(task_name: str) -> None:
    from sae_core.plots.paper_tasks import TASK_FIGURES

    slug = task_name.replace("-", "_")
    for kind, (description, plot) in TASK_FIGURES.items():
        register_figure(f"{slug}_{kind}", f"{task_name}: {description}")(
            _builder(task_name, plot))


for _task_name in PAPER_TASKS:
    _register(_task_name)
