"""One look for every figure: a colour per method and per contrast, the same everywhere.

Every plot takes its colours from here (never from matplotlib's cycle), so "EAP" is the
same orange in the comparison, the visibility curve and the demo, and "minimal" is the
same blue wherever a contrast is drawn.
"""

from __future__ import annotations

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

CHANCE_STYLE = {"color": "black", "ls": ":", "lw": 1.0}
"""The line drawn at chance (AUC 0.5); its legend entry says "chance"."""

_FALLBACK = "#333333"


def method_color(method: str) -> str:
    """The colour of ``method`` (a registered name); dark grey for one not listed."""
    return METHOD_COLORS.get(method, _FALLBACK)


def method_label(method: str) -> str:
    """The legend name of ``method``; the name itself for one not listed."""
    return METHOD_LABELS.get(method, method)


def contrast_color(contrast: str | None) -> str:
    """The colour of a contrast design; dark grey for None or one not listed."""
    return CONTRAST_COLORS.get(contrast or "", _FALLBACK)
