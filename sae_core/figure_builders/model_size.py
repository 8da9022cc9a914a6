"""figures/runtime_model_size.png: the SAE method's wall time by model size, beside the paper."""

from __future__ import annotations

from sae_core.figure_builders import FigureContext, FigureOutput, register_figure


@register_figure(
    "runtime_model_size",
    "SAE method wall time by stage, random-weight GPT-2 small..xl, paper GPU times as markers",
)
def runtime_model_size(ctx: FigureContext) -> FigureOutput:
    """All four GPT-2 sizes with the default synthetic task (minutes on a CPU, the xl SAE
    dominating); fast: GPT-2 small only, 6 + 6 prompts of 8 tokens, a 10-step SAE on 4 + 4."""
    from sae_core.config import SAEConfig
    from sae_core.experiments.model_size import RUNTIME_MODELS, time_model_sizes
    from sae_core.plots.runtime import plot_runtime

    if ctx.fast:
        result = time_model_sizes(
            ("gpt2",), n_prompts=6, prompt_length=8,
            config=SAEConfig(steps=10, n_train=4, device=ctx.device),
        )
    else:
        result = time_model_sizes(RUNTIME_MODELS, config=SAEConfig(device=ctx.device))
    return FigureOutput(
        plot_runtime(result),
        model_source="random",
        notes={
            "models": list(result.model_names),
            "device": result.device,
            "n_prompts_per_set": result.n_prompts,
            "prompt_length": result.prompt_length,
            "steps": result.config.steps,
            "total_s": {m.model: round(m.total, 3) for m in result.models},
        },
    )
