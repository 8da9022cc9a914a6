"""figures/demo_auc.png: the SAE method on every embedded task (exact truth), by pooling."""

from __future__ import annotations

from sae_core.figure_builders import FigureContext, FigureOutput, register_figure
from sae_core.tasks.catalog import EMBEDDED_TASKS


@register_figure("demo_auc", "node and edge AUC of every embedded task by pooling (make demo)")
def demo_auc(ctx: FigureContext) -> FigureOutput:
    """What ``sae-core demo`` plots; fast: mean pooling, two seeds, 100 prompts, 100 steps."""
    import dataclasses

    from sae_core.config import POOLINGS, SAEConfig
    from sae_core.experiments.demo import run_tasks
    from sae_core.plots import plot_auc_summary

    config = SAEConfig(device=ctx.device)
    if ctx.fast:
        config = dataclasses.replace(config, steps=100)
    seeds = ctx.seeds[:2] if ctx.fast else ctx.seeds
    rows = run_tasks(
        EMBEDDED_TASKS,
        poolings=("mean",) if ctx.fast else POOLINGS,
        seeds=seeds,
        config=config,
        task_options={"n_examples": 100} if ctx.fast else None,
        progress=False,
    )
    return FigureOutput(
        plot_auc_summary(rows),
        model_source="compiled+trained",
        notes={"tasks": list(EMBEDDED_TASKS), "seeds": len(seeds), "fast": ctx.fast},
    )
