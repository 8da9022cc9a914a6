"""sae-core: circuit discovery with discrete sparse autoencoders.

Data flows one way: task -> cache -> SAE -> codes -> scores -> metrics / plots.

The public names below are imported on first use (``sae_core.discover``,
``from sae_core import Task``), so ``import sae_core`` - and the ``sae-core`` command's
``--help`` - loads neither torch nor numba nor TransformerLens.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sae_core.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from sae_core import kernels
    from sae_core.config import SAEConfig
    from sae_core.discover import discover, discover_seeds
    from sae_core.experiments.compare import compare
    from sae_core.faithfulness import FaithfulnessResult, faithfulness
    from sae_core.metrics import evaluate
    from sae_core.tasks import available_tasks, load_task
    from sae_core.types import Answers, Discovery, GroundTruth, HeadId, Task

_HOMES = {
    "Answers": "sae_core.types",
    "Discovery": "sae_core.types",
    "FaithfulnessResult": "sae_core.faithfulness",
    "GroundTruth": "sae_core.types",
    "HeadId": "sae_core.types",
    "SAEConfig": "sae_core.config",
    "Task": "sae_core.types",
    "available_tasks": "sae_core.tasks",
    "compare": "sae_core.experiments.compare",
    "discover": "sae_core.discover",
    "discover_seeds": "sae_core.discover",
    "evaluate": "sae_core.metrics",
    "faithfulness": "sae_core.faithfulness",
    "load_task": "sae_core.tasks",
}
"""Each public name -> the module that defines it."""

__all__ = [
    "Answers",
    "Discovery",
    "FaithfulnessResult",
    "GroundTruth",
    "HeadId",
    "SAEConfig",
    "Task",
    "__version__",
    "available_tasks",
    "compare",
    "discover",
    "discover_seeds",
    "evaluate",
    "faithfulness",
    "kernels",
    "load_task",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its home module on first use."""
    if name == "kernels":
        return importlib.import_module("sae_core.kernels")
    if name not in _HOMES:
        raise AttributeError(f"module 'sae_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    setattr(sys.modules[__name__], name, value)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(ModuleType):
    """``sae_core`` itself. Two public functions share their module's name
    (``sae_core.discover``, ``sae_core.faithfulness``); importing such a module binds it
    on its package, which would hide the function. The function keeps the name, as it did
    when this package imported everything at once."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, ModuleType) and _HOMES.get(name) == value.__name__:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
