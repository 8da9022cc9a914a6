"""Tasks: prompts, negatives and ground truth, in a registry (see ``catalog``)."""

from sae_core.tasks.catalog import (
    EMBEDDED_TASKS,
    PAPER_TASKS,
    available_tasks,
    load_task,
    task_info,
)
from sae_core.tasks.registry import TaskInfo, register_task

__all__ = [
    "EMBEDDED_TASKS",
    "PAPER_TASKS",
    "TaskInfo",
    "available_tasks",
    "load_task",
    "register_task",
    "task_info",
]
