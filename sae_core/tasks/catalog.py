"""Find and build registered tasks by name.

Task modules are imported on first use, not at ``import sae_core``: compiling
tracr programs pulls in JAX, which a user of their own model never needs.
"""

from __future__ import annotations

import importlib

from sae_core.tasks.registry import registered_tasks, task_builder
from sae_core.types import Task

BUILTIN_TASK_MODULES = (
    "sae_core.tasks.tracr_tasks",
    "sae_core.tasks.induction_toy",
    "sae_core.tasks.ioi",
    "sae_core.tasks.greater_than",
    "sae_core.tasks.docstring",
    "sae_core.tasks.induction_models",
)

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


def _import_builtin_tasks() -> None:
    for module in BUILTIN_TASK_MODULES:
        importlib.import_module(module)


def available_tasks() -> list[str]:
    """Names of every task ``load_task`` can build."""
    _import_builtin_tasks()
    return registered_tasks()


def load_task(name: str, **options) -> Task:
    """Build a registered task: ``load_task("tracr-sort", n_examples=100, seed=1)``.

    Options every task takes: ``n_examples`` (prompts per set), ``seed``,
    ``model_source`` (each embedded task accepts only its own source).
    """
    _import_builtin_tasks()
    return task_builder(name)(**options)
