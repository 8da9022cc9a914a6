"""figures/contrast_visibility*.png: when does the SAE method find the circuit? Node and
edge AUC of every method as a growing fraction of distractor heads see the contrast
(:mod:`sae_core.experiments.visibility`), with the SAE's poolings and the visibility
strength beside it.

Full settings draw from ``figures/contrast_visibility.json`` when it exists; otherwise
they run the sweep (finished rows kept in ``--cache DIR``, default
``results/contrast_visibility_rows``, so a stopped run resumes) and write that JSON. The
whole sweep is an estimated 3 hours on an idle 2-core CPU (every-position pooling and
ACDC dominate); the committed JSON holds the rows that were run, and lists the others
in ``notes.missing``. Fast settings run a tiny sweep (a 6 x 4 grid, two fractions, two
seeds, 30 SAE steps, no ACDC) in seconds and never touch the JSON.
"""

from __future__ import annotations

from pathlib import Path

from sae_core.figure_builders import FigureContext, FigureOutput, register_figure

RESULT_JSON = Path("figures") / "contrast_visibility.json"
"""Where the full sweep's numbers live (relative to the working directory, the repo root)."""
ROWS_DIR = Path("results") / "contrast_visibility_rows"
"""Default folder of finished rows of the full sweep (git-ignored)."""
HIST_JSON = Path("figures") / "contrast_visibility_hist.json"
"""The second curve's numbers: the target program hist, whose circuit's output changes
with the contrast (sort_freq's does not, after mean pooling)."""
HIST_ROWS_DIR = Path("results") / "contrast_visibility_hist_rows"
_SOURCE = "compiled"


def full_settings(ctx: FigureContext):
    """The committed figure's sweep: every fraction and strength, the context's seeds."""
    from sae_core.experiments.visibility import VisibilitySettings
    from sae_core.paper.settings import paper_config

    return VisibilitySettings(seeds=tuple(ctx.seeds),
                              sae=paper_config("tracr-scalable", device=ctx.device))


def hist_settings(ctx: FigureContext):
    """The second curve: target hist, the fractions at strength 1, SAE (mean and last
    pooling), EAP and HISP; no strength sweep, no ACDC."""
    from sae_core.experiments.visibility import VisibilitySettings
    from sae_core.paper.settings import paper_config

    return VisibilitySettings(seeds=tuple(ctx.seeds), strengths=(), methods=("sae", "eap", "hisp"),
                              poolings=("mean", "last"), slow_seeds=(),
                              sae=paper_config("tracr-scalable", device=ctx.device),
                              task_options={"program": "hist"})


def load_or_run(ctx: FigureContext, json_path: Path = RESULT_JSON, settings=None,
                rows_dir: Path = ROWS_DIR):
    """The sweep's result and where it came from: read from ``json_path`` (full settings,
    when present), else computed with ``settings(ctx)`` (default :func:`full_settings`)
    and, in full settings, written there."""
    from sae_core.experiments.visibility import VisibilityResult, fast_settings, run_visibility

    settings = settings or full_settings
    if ctx.fast:
        return run_visibility(fast_settings(ctx.seeds, ctx.device), progress=False), "fast"
    if json_path.exists():
        return VisibilityResult.read(json_path), str(json_path)
    result = run_visibility(settings(ctx), rows_dir=ctx.cache_dir or rows_dir)
    result.write(json_path)
    return result, f"computed, written to {json_path}"


def _output(figure, result, source: str) -> FigureOutput:
    from sae_core.experiments.visibility import describe

    notes = {"source": source, "sweep": describe(result)}
    if result.notes.get("missing"):
        notes["rows_not_run"] = len(result.notes["missing"])
    return FigureOutput(figure, _SOURCE, notes=notes)


@register_figure(
    "contrast_visibility",
    "node / edge AUC of every method vs fraction of distractor heads that see the contrast",
)
def contrast_visibility(ctx: FigureContext) -> FigureOutput:
    """Node and edge AUC vs visible fraction, every method (SAE, EAP, HISP, ACDC cut)."""
    from sae_core.plots.contrast import plot_visibility

    result, source = load_or_run(ctx)
    return _output(plot_visibility(result), result, source)


@register_figure(
    "contrast_visibility_pooling",
    "SAE node AUC by pooling (mean / last / positions) vs fraction of visible distractors",
)
def contrast_visibility_pooling(ctx: FigureContext) -> FigureOutput:
    """The SAE method's node AUC vs visible fraction, one line per pooling."""
    from sae_core.plots.contrast import plot_visibility_pooling

    result, source = load_or_run(ctx)
    return _output(plot_visibility_pooling(result), result, source)


@register_figure(
    "contrast_visibility_hist",
    "the same curve with hist as the circuit, whose output changes with the contrast",
)
def contrast_visibility_hist(ctx: FigureContext) -> FigureOutput:
    """Node and edge AUC vs visible fraction with the target program hist (SAE, EAP, HISP)."""
    from sae_core.plots.contrast import plot_visibility

    result, source = load_or_run(ctx, HIST_JSON, hist_settings, HIST_ROWS_DIR)
    return _output(plot_visibility(result), result, source)


@register_figure(
    "contrast_visibility_strength",
    "node AUC of every method vs how strongly the visible distractor heads see the contrast",
)
def contrast_visibility_strength(ctx: FigureContext) -> FigureOutput:
    """Node AUC vs visibility strength at the strength sweep's fraction, every method."""
    from sae_core.plots.contrast import plot_visibility_strength

    result, source = load_or_run(ctx)
    return _output(plot_visibility_strength(result), result, source)
