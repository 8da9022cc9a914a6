"""Find and build registered tasks by name (:data:`sae_core.tasks.registry.TASKS`)."""

from __future__ import annotations

from sae_core.tasks.registry import TASKS
from sae_core.types import Task

EMBEDDED_TASKS = (
    "tracr-reverse",
    "tracr-sort",
    "tracr-frac_prevs",
    "tracr-hist",
    "induction-toy",
    "tracr-scalable",
)
"""The offline default: tasks whose truth is exact and whose weights ship or compile here."""

PAPER_TASKS = ("ioi", "greater-than", "docstring")
"""The paper's tasks: pretrained weights from the local cache, or random-weight stand-ins."""


def available_tasks() -> list[str]:
    """Names of every task ``load_task`` can build, sorted."""
    return sorted(TASKS.names())


def load_task(name: str, **options) -> Task:
    """Build a registered task: ``load_task("tracr-sort", n_examples=100, seed=1)``.

    Options every task takes: ``n_examples`` (prompts per set), ``seed``,
    ``model_source`` (each embedded task accepts only its own source).
    """
    return TASKS.get(name)(**options)
