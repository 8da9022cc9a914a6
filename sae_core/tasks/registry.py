"""Task registry: name -> builder. Task modules register themselves; no if/elif chains.

The built-in task modules are imported on first use, not at ``import sae_core``:
compiling tracr programs pulls in JAX, which a user of their own model never needs.
"""

from __future__ import annotations

from collections.abc import Callable

from sae_core.registry import Registry
from sae_core.types import Task

TaskBuilder = Callable[..., Task]

BUILTIN_TASK_MODULES = (
    "sae_core.tasks.tracr_tasks",
    "sae_core.tasks.induction_toy",
    "sae_core.tasks.ioi",
    "sae_core.tasks.greater_than",
    "sae_core.tasks.docstring",
    "sae_core.tasks.induction_models",
)

TASKS: Registry[TaskBuilder] = Registry("task", BUILTIN_TASK_MODULES)
"""Every task builder ``builder(**options) -> Task``, by name."""


def register_task(name: str) -> Callable[[TaskBuilder], TaskBuilder]:
    """Decorator: register ``builder(**options) -> Task`` under ``name``."""
    return TASKS.register(name)
