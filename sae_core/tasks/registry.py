"""Task registry: name -> builder and its :class:`TaskInfo`. No if/elif chains.

Task modules register themselves; the built-in ones are imported on first use, not at
``import sae_core``: compiling tracr programs pulls in JAX, which a user of their own
model never needs. A builtin task also registers a :class:`TaskInfo`, what
``sae-core tasks`` shows of it without building it (no model load, no tracr compile).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sae_core.registry import Registry

if TYPE_CHECKING:  # pragma: no cover
    from sae_core.types import Task

TaskBuilder = Callable[..., "Task"]

BUILTIN_TASK_MODULES = (
    "sae_core.tasks.tracr_tasks",
    "sae_core.tasks.induction_toy",
    "sae_core.tasks.ioi",
    "sae_core.tasks.greater_than",
    "sae_core.tasks.docstring",
    "sae_core.tasks.induction_models",
    "sae_core.tasks.trained_tasks",
)


@dataclass(frozen=True)
class TaskInfo:
    """A task as ``sae-core tasks`` lists it, known without building the task.

    model: the model's name; for a published checkpoint (``pretrained=True``) the name
        :func:`sae_core.models.pretrained.weights_available` takes.
    n_layers, n_heads: the attention-head grid the default build gives.
    truth: where the ground truth comes from, in a few words ("none" without one).
    description: one line.
    pretrained: whether the model's weights come from the local Hugging Face cache (the
        task then builds a random-weight stand-in only when asked); False when they ship
        with the package or are compiled here.
    contrasts: the contrast designs (:data:`sae_core.types.CONTRASTS`) the builder offers
        through its ``contrast`` option, its default first; empty where it offers no
        choice (the built task's ``Task.contrast`` then says which design, if any).
    """

    model: str
    n_layers: int
    n_heads: int
    truth: str
    description: str
    pretrained: bool = False
    contrasts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        from sae_core.types import CONTRASTS

        if self.n_layers < 1 or self.n_heads < 1:
            raise ValueError(
                f"n_layers={self.n_layers}, n_heads={self.n_heads}: a model has at least "
                "one layer and one head"
            )
        unknown = [c for c in self.contrasts if c not in CONTRASTS]
        if unknown or len(set(self.contrasts)) != len(self.contrasts):
            raise ValueError(
                f"contrasts={self.contrasts}: list each design once, from {CONTRASTS}"
            )


@dataclass(frozen=True)
class TaskEntry:
    """A registered task: its builder ``builder(**options) -> Task`` and, where given, its
    :class:`TaskInfo`."""

    builder: TaskBuilder
    info: TaskInfo | None = None


TASKS: Registry[TaskEntry] = Registry("task", BUILTIN_TASK_MODULES)
"""Every registered task, by name."""


def register_task(
    name: str, info: TaskInfo | None = None
) -> Callable[[TaskBuilder], TaskBuilder]:
    """Decorator: register ``builder(**options) -> Task`` under ``name``, with ``info``
    (what ``sae-core tasks`` shows; every built-in task gives one)."""
    return TASKS.register(name, lambda builder: TaskEntry(builder, info))


def builder_defaults(name: str) -> dict[str, object]:
    """The keyword options ``name``'s builder fills in when not given (e.g. ``contrast``),
    by its signature: what a task built with no options depends on besides its name. A
    cache keyed on the options a caller passed must include these, or a changed default
    would reuse rows built under the old one."""
    import inspect

    params = inspect.signature(TASKS.get(name).builder).parameters.values()
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
