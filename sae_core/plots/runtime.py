"""Runtime by model size: stacked stage times per model, the paper's GPU times as markers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from sae_core.experiments.model_size import STAGES, RuntimeResult
from sae_core.paper.numbers import RUNTIME_GPU_S
from sae_core.plots.style import finish, legend_outside
from sae_core.types import STAND_IN_LABEL

_STAGE_COLOURS = {
    "load": "#cccccc",
    "cache": "#4c72b0",
    "sae": "#dd8452",
    "codes": "#55a868",
    "node_scores": "#8172b3",
    "edge_scores": "#c44e52",
}


def _device_label(device: str) -> str:
    """"CPU" or the GPU's name, from RuntimeResult.device ("cpu (...)", "cuda (name)")."""
    if device.startswith("cpu"):
        return "CPU"
    if device.startswith("cuda (") and device.endswith(")"):
        return device[len("cuda (") : -1]
    return device


def plot_runtime(result: RuntimeResult) -> Figure:
    """Seconds per stage of the SAE method for each model size, beside the paper's.

    Left: stacked bars by stage; the model load is hatched, since the paper does not say
    whether its number includes loading. Right: the method's total on a loaded model,
    ours beside the paper's (one GPU, 10 training examples), on a log scale.
    The title says the models are random-weight stand-ins and names the device.
    """
    names = list(result.model_names)
    x = np.arange(len(names))
    fig, (ax_stack, ax_total) = plt.subplots(1, 2, figsize=(13, 4.4), layout="constrained")
    bottom = np.zeros(len(names))
    for stage in STAGES:
        vals = np.array([m.seconds[stage] for m in result.models])
        ax_stack.bar(
            x, vals, 0.6, bottom=bottom, label=stage.replace("_", " "),
            color=_STAGE_COLOURS.get(stage), hatch="//" if stage == "load" else None,
            edgecolor="white" if stage != "load" else "grey", linewidth=0.5,
        )
        bottom += vals
    paper = np.array([RUNTIME_GPU_S.get(n, np.nan) for n in names], dtype=float)
    for ax in (ax_stack, ax_total):
        ax.plot(x, paper, "k*", ms=11, ls="none", label="paper, one GPU (whole method)")
        ax.set_xticks(x)
        ax.set_xticklabels(
            [f"{m.model}\n{m.n_heads_total} heads" for m in result.models], fontsize=8
        )
        ax.set_xlabel("model (attention heads)")
    ax_stack.set_ylabel("wall time (seconds)")
    ax_stack.set_title("ours, by stage", fontsize=9)
    legend_outside(ax_stack, title="stage")

    totals = np.array([m.total for m in result.models])
    ax_total.bar(x, totals, 0.6, color="#4c72b0", label="ours (method on a loaded model)")
    ax_total.set_yscale("log")
    ax_total.set_ylabel("wall time (seconds, log scale)")
    ax_total.set_title("whole method: ours vs the paper", fontsize=9)
    legend_outside(ax_total)
    for xi, t in zip(x, totals, strict=True):
        ax_total.annotate(f"{t:.1f}", (xi, t), ha="center", va="bottom", fontsize=7)

    return finish(
        fig,
        "How the SAE method's wall time grows with model size, stage by stage, beside the "
        "paper's GPU times",
        f"{STAND_IN_LABEL} models on {_device_label(result.device)}: "
        f"{result.n_prompts}+{result.n_prompts} prompts of {result.prompt_length} tokens, "
        f"{result.config.steps} SAE steps",
    )
