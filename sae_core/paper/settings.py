"""The paper's per-task SAE settings: one source of truth (FACTS.md, "Pipeline").

Every task uses 200 features, full-batch Adam at lr 1e-3 for 500 steps and 10
training prompts (plus their 10 negatives); only the sparsity weight differs:
0.02 for IOI and greater-than, 0.05 for docstring. Tasks not listed (the embedded
ones, the induction tasks) use the same defaults with l1 = 0.02.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from sae_core.config import SAEConfig

PAPER_L1 = MappingProxyType({"ioi": 0.02, "greater-than": 0.02, "docstring": 0.05})
"""Sparsity weight per paper task."""

PAPER_N_SEEDS = 10
"""Trials (SAE seeds) behind every number the paper reports."""

PAPER_N_EXAMPLES = 250
"""Positive prompts (and as many negatives) per paper task."""


def paper_config(task_name: str, **overrides) -> SAEConfig:
    """The paper's SAEConfig for ``task_name`` (defaults for unlisted tasks), with overrides."""
    base = SAEConfig(l1=PAPER_L1.get(task_name, SAEConfig().l1))
    return dataclasses.replace(base, **overrides)
