"""One look for every figure: colours, names, legends and titles, the same everywhere.

Every plot takes its colours from here (never from matplotlib's cycle), so "EAP" is the
same orange in the comparison, the visibility curve and the demo, and "minimal" is the
same blue wherever a contrast is drawn. The helpers at the bottom give every figure the
same frame: a legend outside the data (:func:`legend_outside`), a chance line that says
what it is (:func:`draw_chance`), axes named in words (:func:`axis_label`), numbers
printed on bars too small to see (:func:`label_bars`) and one title that states the
figure's message above a line of details (:func:`finish`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend

METHOD_COLORS: dict[str, str] = {
    "sae": "#1f77b4",
    "acdc": "#d62728",
    "eap": "#ff7f0e",
    "eap-ig": "#8c564b",
    "subnetwork-probing": "#9467bd",
    "hisp": "#2ca02c",
    "kmeans": "#17becf",
    "random": "#7f7f7f",
}
"""Colour of each method (registered name), used by every figure that compares methods."""

METHOD_LABELS: dict[str, str] = {
    "sae": "SAE codes (ours)",
    "acdc": "ACDC",
    "eap": "EAP",
    "eap-ig": "EAP-IG",
    "subnetwork-probing": "subnetwork probing",
    "hisp": "HISP",
    "kmeans": "k-means codes",
    "random": "random scores",
}
"""How a method is named in legends."""

CONTRAST_COLORS: dict[str, str] = {
    "minimal": "#4c72b0",
    "rearranged": "#dd8452",
}
"""Colour of each contrast design (:data:`sae_core.types.CONTRASTS`)."""

CONTRAST_HATCHES: dict[str, str] = {"minimal": "", "rearranged": "///", "": ".."}
"""Hatch of each contrast design where the bar's colour already names a method ("" keys
a row without a contrast)."""

CONTRAST_LABELS: dict[str, str] = {
    "minimal": "minimal-pair negatives",
    "rearranged": "rearranged-token negatives",
}
"""How a contrast design is named in legends."""

POOLING_COLORS: dict[str, str] = {"mean": "#1f77b4", "last": "#9467bd", "positions": "#8c8c8c"}
"""Colour of each SAE pooling (:data:`sae_core.config.POOLINGS`)."""

ROLE_COLORS: dict[str, str] = {
    "truth": "#d62728",
    "compiled, not truth": "#ff7f0e",
    "random distractor": "#7f7f7f",
    "empty slot": "#c7c7c7",
    "not truth": "#bcbd22",
}
"""Colour of each head role of the tracr figures (:data:`sae_core.experiments.sweeps.ROLES`)."""

TRUTH_COLOR = "red"
"""Ground-truth heads and edges are marked in this colour on every figure."""

SCORE_COLORS: dict[str, str] = {
    "node": "#1f77b4",
    "edge_node": "#ff7f0e",
    "edge": "#2ca02c",
}
"""Colour of each score of one discovery: node scores, the head score made from the edge
matrix, and edge scores (ROC curves of the paper-task figures)."""

CIRCUIT_COLORS: dict[str, str] = {
    "circuit_head": "#ff7f0e",
    "other_head": "lightgrey",
    "edge": "#1f77b4",
    "truth_edge": "#2ca02c",
}
"""Colours of the circuit graph: selected heads, the rest, top edges, top edges in truth."""

CHANCE_STYLE = {"color": "black", "ls": ":", "lw": 1.0}
"""The line drawn at chance (AUC 0.5); its legend entry says "chance"."""

AXIS_LABELS: dict[str, str] = {
    "node_auc": "node ROC AUC",
    "edge_auc": "edge ROC AUC",
    "edge_node_auc": "head ROC AUC from edge scores",
    "n_train": "SAE training prompts per set",
    "n_count": "prompts counted for codes per set",
    "n_features": "SAE features",
    "l1": "L1 coefficient",
    "n_pos_only": "positive-only codes per head",
    "seconds": "wall time per run (seconds)",
}
"""How each quantity is named on an axis, in words, with its unit where it has one."""

_FALLBACK = "#333333"
_LEGEND_FONTSIZE = 8


def method_color(method: str) -> str:
    """The colour of ``method`` (a registered name); dark grey for one not listed."""
    return METHOD_COLORS.get(method, _FALLBACK)


def method_label(method: str) -> str:
    """The legend name of ``method``; the name itself for one not listed."""
    return METHOD_LABELS.get(method, method)


def contrast_color(contrast: str | None) -> str:
    """The colour of a contrast design; dark grey for None or one not listed."""
    return CONTRAST_COLORS.get(contrast or "", _FALLBACK)


def contrast_label(contrast: str | None) -> str:
    """The legend name of a contrast design ("contrast not given" for None)."""
    if contrast is None:
        return "contrast not given"
    return CONTRAST_LABELS.get(contrast, contrast)


def pooling_color(pooling: str) -> str:
    """The colour of an SAE pooling; dark grey for one not listed."""
    return POOLING_COLORS.get(pooling, _FALLBACK)


def axis_label(name: str) -> str:
    """``name`` (a column such as "node_auc" or "n_train") in words, with its unit; an
    unlisted name with its underscores made spaces."""
    return AXIS_LABELS.get(name, name.replace("_", " "))


def draw_chance(ax: Axes, y: float = 0.5, label: str = "chance (AUC 0.5)") -> None:
    """The horizontal chance line, in :data:`CHANCE_STYLE`, with a legend entry."""
    ax.axhline(y, label=label, zorder=0.5, **CHANCE_STYLE)


def auc_axis(ax: Axes, metric: str = "node_auc", chance: bool = True) -> None:
    """An AUC y axis: 0 to 1 with room for printed values, named in words with "higher is
    better", and (``chance``) the chance line at 0.5 with its legend entry."""
    ax.set_ylim(0, 1.12)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel(f"{axis_label(metric)}\n(higher is better)")
    if chance:
        draw_chance(ax)


def format_value(value: float) -> str:
    """A number as bars print it: two decimals, three below 0.01 (so 0.001 is not "0.00"),
    "n/a" for NaN."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.3f}" if 0 < abs(value) < 0.01 else f"{value:.2f}"


def label_bars(ax: Axes, bars, values: Sequence[float], errors: Sequence[float] | None = None,
               fontsize: float = 6.5, rotation: float = 0) -> None:
    """Print each bar's value above it (above its error bar, given ``errors``), so bars too
    small to see still say their value (0.001 reads "0.001", not an empty slot); NaN bars
    read "n/a" at the axis."""
    errors = [0.0] * len(values) if errors is None else errors
    for bar, value, err in zip(bars, values, errors, strict=True):
        finite = value is not None and np.isfinite(value)
        top = max(float(value), 0.0) if finite else 0.0
        if finite and err is not None and np.isfinite(err):
            top += max(float(err), 0.0)
        ax.annotate(format_value(value), (bar.get_x() + bar.get_width() / 2, top),
                    xytext=(0, 1.5), textcoords="offset points", ha="center", va="bottom",
                    fontsize=fontsize, rotation=rotation, color="#333333")


def _unique(handles: Iterable[Artist], labels: Iterable[str]) -> tuple[list, list]:
    seen: dict[str, Artist] = {}
    for handle, label in zip(handles, labels, strict=True):
        if label and not label.startswith("_") and label not in seen:
            seen[label] = handle
    return list(seen.values()), list(seen)


def figure_handles(fig: Figure) -> tuple[list[Artist], list[str]]:
    """Every labelled artist of every axes of ``fig``, each label once, in drawing order."""
    handles, labels = [], []
    for ax in fig.axes:
        h, l = ax.get_legend_handles_labels()
        handles += h
        labels += l
    return _unique(handles, labels)


def legend_outside(
    target: Axes | Figure,
    handles: Sequence[Artist] | None = None,
    labels: Sequence[str] | None = None,
    *,
    where: str = "right",
    title: str | None = None,
    ncol: int = 1,
) -> Legend:
    """A legend outside the data: right of an Axes (``where="right"``) or below its x axis
    (``"below"``, under the tick labels and axis name: set those first), or right of or
    below a Figure's panels (``where="right"`` or ``"bottom"``).

    ``handles``/``labels`` default to every labelled artist of the axes (for a Figure: of
    all its axes, each label once: :func:`figure_handles`). For a figure of several
    panels, a legend right of the top panel (``legend_outside(axes[0], *figure_handles(fig))``)
    keeps clear of a long title. A Figure must use the constrained layout
    (``plt.subplots(..., layout="constrained")``), which makes room for the legend.
    """
    if handles is None:
        fig = target if isinstance(target, Figure) else None
        handles, found = (figure_handles(fig) if fig is not None
                          else _unique(*target.get_legend_handles_labels()))
        labels = found if labels is None else labels
    elif labels is None:
        labels = [h.get_label() for h in handles]
    style = dict(fontsize=_LEGEND_FONTSIZE, title=title, title_fontsize=_LEGEND_FONTSIZE,
                 ncol=ncol, frameon=False)
    if isinstance(target, Axes):
        if where == "right":
            return target.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                                 borderaxespad=0.0, **style)
        if where == "below":
            # the top of the legend sits just under the x tick labels and axis name
            pad_pt = _below_axis_pt(target) + 4.0
            return target.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                                 borderaxespad=pad_pt / _LEGEND_FONTSIZE, **style)
        raise ValueError(f"an Axes legend goes 'right' of the data or 'below' it; "
                         f"got where={where!r}")
    if where not in ("right", "bottom"):
        raise ValueError(f"a Figure legend goes 'right' of the panels or at the 'bottom', "
                         f"not {where!r}")
    engine = target.get_layout_engine()
    if engine is None or not type(engine).__name__.startswith("Constrained"):
        raise ValueError("a figure legend outside the panels needs the constrained layout: "
                         "make the figure with plt.subplots(..., layout='constrained')")
    loc = "outside right upper" if where == "right" else "outside lower center"
    return target.legend(handles, labels, loc=loc, **style)


def _below_axis_pt(ax: Axes) -> float:
    """How far (points) the x tick labels and axis name reach below the axes' frame."""
    fig = ax.figure
    try:
        renderer = fig.canvas.get_renderer()
    except AttributeError:  # a canvas that cannot measure text: a generous guess
        return 40.0
    frame, under = ax.get_window_extent(renderer), ax.xaxis.get_tightbbox(renderer)
    if under is None:
        return 0.0
    return max(0.0, (frame.y0 - under.y0) * 72.0 / fig.dpi)


def finish(fig: Figure, title: str, subtitle: str | None = None) -> Figure:
    """Put the figure's message in its title, ``subtitle`` (settings, seeds, the
    stand-in label) on a second line, and lay it out; returns ``fig``.

    A figure made without a layout engine is laid out tightly here; a constrained one
    lays itself out when drawn.
    """
    text = title if not subtitle else f"{title}\n{subtitle}"
    fig.suptitle(text, fontsize=10)
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    return fig
