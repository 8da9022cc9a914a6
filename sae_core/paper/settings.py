"""The paper's per-task settings: one frozen record per task (FACTS.md, "Pipeline").

Every task uses 200 features, full-batch Adam at lr 1e-3 for 500 steps and 10
training prompts (plus their 10 negatives), 250 positive and 250 negative prompts and
10 SAE seeds (trials); only the sparsity weight differs: 0.02 for IOI and greater-than,
0.05 for docstring. Tasks not listed (the embedded ones, the induction tasks) use the
same defaults with l1 = 0.02. Every entry point reads :func:`paper_settings`: the CLI
(``sae-core discover`` without ``--l1``), the SAE method of ``compare``, the figure
builders and the paper-task notebooks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

from sae_core.config import SAEConfig

DEFAULT_SEEDS = (0, 1, 2, 3, 4)
"""Seeds our tables and figures average over unless told otherwise (``sae-core demo``,
``compare`` and ``figures``; ``run_tasks``, ``compare()``, ``FigureContext``). Not the
paper's count (:attr:`PaperSettings.n_seeds`, 10): five keep a CPU run to minutes, and
the demo table in RESULTS.md is made with them."""


@dataclass(frozen=True)
class PaperSettings:
    """The paper's settings for one task.

    task: the task's registered name. sae: the SAE's settings.
    n_examples: positive prompts (and as many negatives) per set (paper: 250).
    n_seeds: SAE seeds (trials) behind every number the paper reports (paper: 10).
    """

    task: str
    sae: SAEConfig
    n_examples: int = 250
    n_seeds: int = 10

    def __post_init__(self) -> None:
        if self.n_examples < 1:
            raise ValueError(f"n_examples={self.n_examples}; use at least one prompt per set")
        if self.n_seeds < 1:
            raise ValueError(f"n_seeds={self.n_seeds}; use at least one seed")


PAPER_SETTINGS = MappingProxyType({
    "ioi": PaperSettings("ioi", SAEConfig(l1=0.02)),
    "greater-than": PaperSettings("greater-than", SAEConfig(l1=0.02)),
    "docstring": PaperSettings("docstring", SAEConfig(l1=0.05)),
})
"""The paper's three tasks -> their settings."""


def paper_settings(task_name: str) -> PaperSettings:
    """The paper's settings for ``task_name``; unlisted tasks get the defaults (l1 0.02)."""
    return PAPER_SETTINGS.get(task_name) or PaperSettings(task_name, SAEConfig())


def paper_config(task_name: str, **overrides) -> SAEConfig:
    """``paper_settings(task_name).sae`` with ``overrides`` (validated) replaced."""
    return dataclasses.replace(paper_settings(task_name).sae, **overrides)
