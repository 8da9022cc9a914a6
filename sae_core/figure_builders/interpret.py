"""Figures of faithfulness and code interpretability.

``faithfulness_ioi``: the paper's IOI faithfulness table as bars (paper-model weights from
``ctx.model_source``; random-weight stand-ins are labelled) beside a real measurement on
the induction toy. ``induction_across_models``: the paper's induction experiment on
gpt2-small / pythia-160m / opt-125m plus the toy. ``code_interpretability``: beyond the
paper, how the top heads' codes split positives from negatives on the induction toy.
``ctx.fast`` shrinks every size to seconds.
"""

from __future__ import annotations

import dataclasses

from sae_core.figure_builders import FigureContext, FigureOutput, register_figure


def _config(ctx: FigureContext):
    from sae_core.config import SAEConfig

    config = SAEConfig(device=ctx.device)
    return dataclasses.replace(config, steps=20, n_train=2) if ctx.fast else config


def _seeds(ctx: FigureContext) -> tuple[int, ...]:
    return ctx.seeds[:1] if ctx.fast else ctx.seeds


@register_figure(
    "faithfulness_ioi",
    "IOI faithfulness (clean / truth / SAE circuit / random), paper beside ours; "
    "induction-toy measured",
)
def faithfulness_ioi(ctx: FigureContext) -> FigureOutput:
    """IOI with ``ctx.model_source`` weights; fast: 6 prompts, 20 steps, 1 random circuit."""
    from sae_core.discover import discover_seeds
    from sae_core.experiments.faithfulness_report import (
        PAPER_SAE_FRACTION,
        circuit_faithfulness,
        faithfulness_table,
        ioi_paper_table,
    )
    from sae_core.paper.settings import paper_settings
    from sae_core.plots.interpret import plot_faithfulness
    from sae_core.tasks.catalog import load_task

    n_examples = 6 if ctx.fast else paper_settings("ioi").n_examples
    n_random = 1 if ctx.fast else 10
    config, seeds = _config(ctx), _seeds(ctx)
    ioi = load_task("ioi", n_examples=n_examples, model_source=ctx.model_source)
    ioi_found = discover_seeds(ioi, config, seeds=seeds)
    ioi_results = circuit_faithfulness(ioi, ioi_found, size=PAPER_SAE_FRACTION,
                                       n_random=n_random)
    toy = load_task("induction-toy", n_examples=n_examples)
    toy_found = discover_seeds(toy, config, seeds=seeds)
    toy_size = len(toy.ground_truth.heads)
    toy_results = circuit_faithfulness(toy, toy_found, size=toy_size, n_random=n_random)
    figure = plot_faithfulness(
        [ioi_paper_table(ioi_results), faithfulness_table(toy_results, truth_size=toy_size)]
    )
    return FigureOutput(
        figure,
        model_source=ctx.model_source,
        notes={"ioi": ctx.model_source, "induction-toy": "trained", "seeds": list(seeds),
               "n_examples": n_examples, "n_random": n_random,
               "sae_circuit": "ioi: top 40/144 heads; induction-toy: top |truth| = 6 heads"},
        provenance=() if ioi.provenance is None else (ioi.provenance,),
    )


@register_figure(
    "induction_across_models",
    "induction faithfulness on gpt2-small / pythia-160m / opt-125m and the induction toy",
)
def induction_across_models(ctx: FigureContext) -> FigureOutput:
    """Fast: 6 prompts of 2 x 3 tokens, 20 steps, 1 random circuit, one seed."""
    from sae_core.experiments.faithfulness_report import induction_across_models as across
    from sae_core.plots.interpret import plot_across_models

    table = across(
        model_source=ctx.model_source,
        n_examples=6 if ctx.fast else 250,
        half_len=3 if ctx.fast else 20,
        config=_config(ctx),
        seeds=_seeds(ctx),
        n_random=1 if ctx.fast else 10,
    )
    return FigureOutput(
        plot_across_models(table),
        model_source=ctx.model_source,
        notes={"induction-toy": "trained", "seeds": list(_seeds(ctx))},
        provenance=tuple(p for p in table["provenance"] if p is not None),
    )


@register_figure(
    "code_interpretability",
    "beyond the paper: how the top heads' codes split positives from negatives (induction toy)",
)
def code_interpretability(ctx: FigureContext) -> FigureOutput:
    """Induction toy, seed ``ctx.seeds[0]``; fast: 60 prompts, 20 steps."""
    from sae_core.analysis.code_interpretability import top_heads
    from sae_core.discover import discover
    from sae_core.plots.interpret import plot_code_split
    from sae_core.tasks.catalog import load_task

    task = load_task("induction-toy", n_examples=60 if ctx.fast else 250)
    found = discover(task, _config(ctx), seed=ctx.seeds[0])
    figure = plot_code_split(found, top_heads(found, 4))
    return FigureOutput(figure, model_source="trained", notes={"seed": ctx.seeds[0]})
