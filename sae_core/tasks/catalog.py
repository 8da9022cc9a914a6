"""Find and build registered tasks by name (:data:`sae_core.tasks.registry.TASKS`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sae_core.tasks.registry import TASKS, TaskInfo

if TYPE_CHECKING:  # pragma: no cover
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


def task_info(name: str) -> TaskInfo | None:
    """What is known of task ``name`` without building it (None for a task registered
    without a :class:`TaskInfo`); a KeyError naming the choices for an unknown name."""
    return TASKS.get(name).info


def load_task(name: str, **options) -> Task:
    """Build a registered task: ``load_task("tracr-sort", n_examples=100, seed=1)``.

    Options every task takes: ``n_examples`` (prompts per set), ``seed``,
    ``model_source`` (each embedded task accepts only its own source).
    """
    return TASKS.get(name).builder(**options)
