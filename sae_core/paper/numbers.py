"""The paper's reported numbers (FACTS.md), to print beside ours. Nothing here is computed.

O'Neill & Bui 2024 (arXiv 2405.12522). ROC AUC as mean and sd over 10 trials; the
baseline columns (ACDC, HISP, SP) are read off the paper's comparison figure, node level.
"""

from __future__ import annotations

from types import MappingProxyType

PAPER = "O'Neill & Bui 2024, arXiv 2405.12522"

HEADLINE_AUC = MappingProxyType(
    {
        "ioi": {"sae_node": (0.868, 0.008), "sae_edge": (0.840, 0.024),
                "acdc": 0.64, "hisp": 0.70, "subnetwork-probing": 0.69},
        "greater-than": {"sae_node": (0.855, 0.036), "sae_edge": (0.873, 0.020),
                         "acdc": 0.84, "hisp": 0.64, "subnetwork-probing": 0.58},
        "docstring": {"sae_node": (0.869, 0.038), "sae_edge": (0.896, 0.017),
                      "acdc": 0.89, "hisp": 0.89, "subnetwork-probing": 0.67},
    }
)
"""Per paper task: SAE node and edge AUC (mean, sd; edge AUC is against HEAD truth, the
paper's "edge ROC"), and the baselines' node AUC."""

IOI_FAITHFULNESS = MappingProxyType(
    {"clean": 3.55, "truth (26 heads)": 4.11, "sae circuit (40 heads)": 3.62,
     "random (40 heads)": -2.23}
)
"""IOI logit difference with heads outside the circuit mean-ablated."""

RUNTIME_GPU_S = MappingProxyType(
    {"gpt2": 2.7, "gpt2-medium": 3.5, "gpt2-large": 5.1, "gpt2-xl": 9.9}
)
"""Wall time of the whole SAE method (10 training examples) on one GPU, by model."""
