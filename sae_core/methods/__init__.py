"""Circuit-discovery methods on one signature: ``method(task, config) -> HeadScores``.

Registered methods (higher score = more likely in the circuit, for every one):

* ``sae``: ours (:mod:`sae_core.methods.sae`, wraps ``discover_seeds``).
* ``acdc``, ``eap``, ``eap-ig``, ``subnetwork-probing``: auto-circuit 1.0.1
  (:mod:`sae_core.methods.autocircuit`, an adapter: the algorithms are imported).
* ``hisp``: head importance scores, Michel et al. 2019 (:mod:`sae_core.methods.hisp`).

Method modules are imported on first use, not at ``import sae_core``
(:data:`sae_core.methods.registry.METHODS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sae_core.methods.registry import METHODS, MethodSpec, register_method

if TYPE_CHECKING:  # pragma: no cover (imported lazily: `sae-core --help` loads no torch)
    from sae_core.types import HeadScores, Task

DEFAULT_METHODS = ("sae", "acdc", "eap", "eap-ig", "subnetwork-probing", "hisp")
"""Every built-in method, in the order tables list them."""


def available_methods() -> list[str]:
    """Names of every registered method, in registration order."""
    return METHODS.names()


def method_spec(name: str) -> MethodSpec:
    """The registered :class:`MethodSpec` of ``name`` (KeyError naming the choices)."""
    return METHODS.get(name)


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
