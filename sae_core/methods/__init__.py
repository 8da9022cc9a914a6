"""Circuit-discovery methods on one signature: ``method(task, config) -> HeadScores``.

Registered methods (higher score = more likely in the circuit, for every one):

* ``sae``: ours (:mod:`sae_core.methods.sae`, wraps ``discover_seeds``).
* ``acdc``, ``eap``, ``eap-ig``, ``subnetwork-probing``: auto-circuit 1.0.1
  (:mod:`sae_core.methods.autocircuit`, an adapter: the algorithms are imported).
* ``hisp``: head importance scores, Michel et al. 2019 (:mod:`sae_core.methods.hisp`).

Method modules are imported on first use, not at ``import sae_core``: auto-circuit
pulls in plotly and more, which the SAE method never needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from sae_core.methods.registry import MethodSpec, register_method, registered_methods
from sae_core.methods.registry import registered_spec as _registered_spec
from sae_core.types import HeadScores, Task

BUILTIN_METHOD_MODULES = (
    "sae_core.methods.sae",
    "sae_core.methods.autocircuit",
    "sae_core.methods.hisp",
)

DEFAULT_METHODS = ("sae", "acdc", "eap", "eap-ig", "subnetwork-probing", "hisp")
"""Every built-in method, in the order tables list them."""


def _import_builtin_methods() -> None:
    for module in BUILTIN_METHOD_MODULES:
        importlib.import_module(module)


def available_methods() -> list[str]:
    """Names of every registered method."""
    _import_builtin_methods()
    return registered_methods()


def method_spec(name: str) -> MethodSpec:
    """The registered :class:`MethodSpec` of ``name`` (KeyError naming the choices)."""
    _import_builtin_methods()
    return _registered_spec(name)


def run_method(name: str, task: Task, config: Any = None) -> HeadScores:
    """Run method ``name`` on ``task``; ``config=None`` uses the method's defaults."""
    return method_spec(name).run(task, config)


def run_method_seeds(
    name: str, task: Task, seeds: Sequence[int], config: Any = None
) -> list[HeadScores]:
    """One HeadScores per seed for stochastic methods, one in all for deterministic ones."""
    return method_spec(name).run_many(task, seeds, config)


__all__ = [
    "DEFAULT_METHODS",
    "MethodSpec",
    "available_methods",
    "method_spec",
    "register_method",
    "run_method",
    "run_method_seeds",
]
