"""figures/compare_auc*.png: every method on the embedded tasks (exact truth).

Full mode: every embedded task, every method with its defaults, except ACDC on
tracr-scalable, which runs with :data:`sae_core.experiments.compare.LARGE_TASK_ACDC` (its default
takes hours there on a CPU). Fast mode: two seeds, 64 prompts per set, cheap method
settings (one ACDC tau, three IG steps, 30 SP epochs, 100 SAE steps), and tracr-scalable
left out (its ACDC takes minutes).
"""

from __future__ import annotations

from sae_core.figure_builders import FigureContext, FigureOutput, register_figure
from sae_core.tasks.catalog import EMBEDDED_TASKS

_cache: dict[tuple, object] = {}


def _compare_embedded(ctx: FigureContext):
    """One comparison shared by both figures (built once per context)."""
    key = (ctx.fast, ctx.seeds, ctx.device, ctx.cache_dir)
    if key in _cache:
        return _cache[key]
    import pandas as pd

    from sae_core.config import SAEConfig
    from sae_core.experiments.compare import LARGE_TASK_ACDC, compare
    from sae_core.methods.config import (
        ACDCConfig,
        EAPIGConfig,
        SAEMethodConfig,
        SubnetworkProbingConfig,
    )

    tasks = EMBEDDED_TASKS
    configs = None
    options = None
    seeds = ctx.seeds
    if ctx.fast:
        tasks = tuple(t for t in EMBEDDED_TASKS if t != "tracr-scalable")
        seeds = ctx.seeds[:2]
        options = {"n_examples": 64}
        configs = {
            "sae": SAEMethodConfig(sae=SAEConfig(steps=100)),
            "acdc": ACDCConfig(taus=(1e-3,), separate_qkv=False, n_prompts=16),
            "eap-ig": EAPIGConfig(ig_steps=3),
            "subnetwork-probing": SubnetworkProbingConfig(epochs=30, n_prompts=16),
        }
    small = tuple(t for t in tasks if t != "tracr-scalable")
    df = compare(small, seeds=seeds, task_options=options, progress=False, configs=configs,
                 cache_dir=ctx.cache_dir)
    if "tracr-scalable" in tasks:
        large = compare(["tracr-scalable"], seeds=seeds, progress=False,
                        configs={"acdc": ACDCConfig(**LARGE_TASK_ACDC)},
                        cache_dir=ctx.cache_dir)
        df = pd.concat([df, large], ignore_index=True)
    _cache.clear()
    _cache[key] = (df, tasks)
    return df, tasks


def _notes(df, tasks, ctx: FigureContext) -> dict:
    """Provenance notes; rows reused from ``ctx.cache_dir`` carry the date they were
    measured."""
    notes = {"tasks": list(tasks), "fast": ctx.fast}
    if df["cached"].any():
        reused = df[df["cached"]]
        notes["rows_from_cache"] = {
            f"{t}/{m}": d
            for t, m, d in zip(reused["task"], reused["method"], reused["measured"],
                               strict=True)
        }
        notes["cache_dir"] = ctx.cache_dir
    return notes


@register_figure("compare_auc", "node AUC of every method on the embedded tasks")
def compare_auc(ctx: FigureContext) -> FigureOutput:
    """AUC per task and method, error bars over seeds (``sae-core compare``)."""
    from sae_core.plots.compare import plot_auc_by_method

    df, tasks = _compare_embedded(ctx)
    return FigureOutput(plot_auc_by_method(df), model_source="compiled+trained",
                        notes=_notes(df, tasks, ctx))


@register_figure("compare_auc_vs_time", "node AUC against wall time, every method")
def compare_auc_vs_time(ctx: FigureContext) -> FigureOutput:
    """AUC against wall seconds per run, log x axis."""
    from sae_core.plots.compare import plot_auc_vs_time

    df, tasks = _compare_embedded(ctx)
    return FigureOutput(plot_auc_vs_time(df), model_source="compiled+trained",
                        notes=_notes(df, tasks, ctx))
