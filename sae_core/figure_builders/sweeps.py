"""figures/{n_train_examples,n_code_examples,hyperparameters,tracr_codes}.png: the paper's
ablations (FACTS.md "Ablations in the paper") on the embedded tasks (exact truth).

Full settings are those of the notebooks of the same names (``sae_core.experiments.sweeps`` grids,
seeds from the context, 500 SAE steps); fast settings are tiny grids on induction-toy
(and tracr-sort for the tracr figure) so the builders run in seconds in tests.
"""

from __future__ import annotations

from sae_core.figure_builders import FigureContext, FigureOutput, register_figure

_FAST_STEPS = 30
_FAST_SEEDS = 2


SWEEP_CONTRAST = "rearranged"
"""The contrast of the tracr tasks in the ablation figures and ``tracr_codes``: their
rearranged negatives, a stress test of the method's assumption (every order-reading head
sees the contrast), as when these figures were first made; the induction toy keeps its
own negatives. Minimal-pair versions are the contrast-visibility figures' subject."""


def _setup(ctx: FigureContext, tasks_full: tuple[str, ...], n_examples_full: int):
    import dataclasses

    from sae_core.config import SAEConfig

    config = SAEConfig(device=ctx.device)
    if ctx.fast:
        config = dataclasses.replace(config, steps=_FAST_STEPS)
        names, n_examples, seeds = ("induction-toy",), 40, ctx.seeds[:_FAST_SEEDS]
    else:
        names, n_examples, seeds = tasks_full, n_examples_full, ctx.seeds
    from sae_core.experiments.sweeps import load_tasks

    tasks = load_tasks(names, n_examples=n_examples, contrast=SWEEP_CONTRAST)
    return tasks, seeds, config


def _source(df) -> str:
    return "+".join(sorted(set(df["model_source"])))


@register_figure(
    "n_train_examples", "node / edge AUC vs number of SAE training examples (paper ablation)"
)
def n_train_examples(ctx: FigureContext) -> FigureOutput:
    """n_train in 5..250, codes counted on the same 100 held-out prompts; fast: 5, 10."""
    from sae_core.experiments.sweeps import ABLATION_TASKS, N_EXAMPLES_GRID, sweep_tasks
    from sae_core.plots.sweeps import plot_sweep

    grid = (5, 10) if ctx.fast else N_EXAMPLES_GRID
    n_count = 10 if ctx.fast else 100
    tasks, seeds, config = _setup(ctx, ABLATION_TASKS, max(grid) + n_count)
    df = sweep_tasks(tasks, {"n_train": grid}, seeds, config, n_count=n_count, progress=False)
    fig = plot_sweep(df, x="n_train", mark=10,
                     title="How AUC changes with the number of SAE training prompts (paper: 10)")
    return FigureOutput(fig, _source(df), notes={"grid": list(grid), "n_count": n_count})


@register_figure(
    "n_code_examples", "node / edge AUC vs number of examples counted for codes (paper ablation)"
)
def n_code_examples(ctx: FigureContext) -> FigureOutput:
    """One SAE per seed (n_train 10), codes counted on the first k held-out prompts."""
    from sae_core.config import SAEConfig
    from sae_core.experiments.sweeps import ABLATION_TASKS, N_EXAMPLES_GRID, sweep_tasks
    from sae_core.plots.sweeps import plot_sweep

    grid = (5, 20) if ctx.fast else N_EXAMPLES_GRID
    tasks, seeds, config = _setup(ctx, ABLATION_TASKS, SAEConfig().n_train + max(grid))
    df = sweep_tasks(tasks, {"n_count": grid}, seeds, config, progress=False)
    fig = plot_sweep(df, x="n_count",
                     title="How AUC changes with the number of prompts whose codes are counted")
    return FigureOutput(fig, _source(df), notes={"grid": list(grid)})


@register_figure("hyperparameters", "node AUC contour over SAE features x l1 (paper ablation)")
def hyperparameters(ctx: FigureContext) -> FigureOutput:
    """n_features x l1 grid of ``sae_core.experiments.sweeps``; fast: 2 x 2 on induction-toy."""
    from sae_core.experiments.sweeps import ABLATION_TASKS, L1_GRID, N_FEATURES_GRID, sweep_tasks
    from sae_core.plots.sweeps import plot_contour

    grid = (
        {"n_features": (20, 200), "l1": (0.02, 0.1)}
        if ctx.fast
        else {"n_features": N_FEATURES_GRID, "l1": L1_GRID}
    )
    tasks, seeds, config = _setup(ctx, ABLATION_TASKS, 250)
    df = sweep_tasks(tasks, grid, seeds, config, progress=False)
    fig = plot_contour(df, mark=(200, 0.02))
    return FigureOutput(fig, _source(df), notes={k: list(v) for k, v in grid.items()})


@register_figure(
    "tracr_codes", "tracr: positive-only codes per head, truth vs compiled vs random distractors"
)
def tracr_codes(ctx: FigureContext) -> FigureOutput:
    """Every small tracr task, mean pooling (the paper's); fast: tracr-sort, 40 prompts."""
    import dataclasses

    import pandas as pd

    from sae_core.config import SAEConfig
    from sae_core.experiments.sweeps import head_code_table, sweep
    from sae_core.plots.sweeps import plot_head_codes
    from sae_core.tasks import load_task

    names = ("tracr-sort",) if ctx.fast else (
        "tracr-reverse", "tracr-sort", "tracr-frac_prevs", "tracr-hist"
    )
    config = SAEConfig(device=ctx.device)
    if ctx.fast:
        config = dataclasses.replace(config, steps=_FAST_STEPS)
    seeds = ctx.seeds[:_FAST_SEEDS] if ctx.fast else ctx.seeds
    tables = []
    for name in names:
        task = load_task(name, n_examples=40 if ctx.fast else 250, contrast=SWEEP_CONTRAST)
        caches = {}
        df = sweep(task, {"pooling": ("mean",)}, seeds, config, caches=caches,
                   keep_discoveries=True, progress=False)
        tables.append(head_code_table(task, df["discovery"], caches))
    table = pd.concat(tables, ignore_index=True)
    fig = plot_head_codes(table)
    return FigureOutput(fig, "compiled", notes={"tasks": list(names), "seeds": len(seeds)})
