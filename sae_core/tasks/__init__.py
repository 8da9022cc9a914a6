"""Tasks: prompts, negatives and ground truth, in a registry (see ``catalog``)."""

from sae_core.tasks.catalog import EMBEDDED_TASKS, PAPER_TASKS, available_tasks, load_task
from sae_core.tasks.registry import register_task

__all__ = ["EMBEDDED_TASKS", "PAPER_TASKS", "available_tasks", "load_task", "register_task"]
