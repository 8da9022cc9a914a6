"""Method registry: name -> ``method(task, config) -> HeadScores``. No if/elif chains.

A method module registers itself with :func:`register_method`; the registry records the
method's config class (``config=None`` means its defaults), whether the method is
stochastic (its result depends on ``config.seed``) and, optionally, a batched runner
``run_seeds(task, config, seeds) -> list[HeadScores]`` for methods that share work
across seeds (the SAE trains every seed's SAE in one run).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sae_core.registry import Registry

if TYPE_CHECKING:  # pragma: no cover (imported lazily: `sae-core --help` loads no torch)
    from sae_core.types import HeadScores, Task

Method = Callable[["Task", Any], "HeadScores"]
SeedsRunner = Callable[["Task", Any, Sequence[int]], "list[HeadScores]"]


@dataclass(frozen=True)
class MethodSpec:
    """A registered method: its function, config class and whether seeds matter."""

    name: str
    func: Method
    config_cls: type
    stochastic: bool
    description: str
    run_seeds: SeedsRunner | None = None

    def default_config(self, **overrides) -> Any:
        """The method's config with its documented defaults, plus ``overrides``."""
        return self.config_cls(**overrides)

    def run(self, task: Task, config: Any = None) -> HeadScores:
        """Run once; ``config=None`` uses the defaults. Checks the config's type."""
        config = self.config_cls() if config is None else config
        if not isinstance(config, self.config_cls):
            raise TypeError(
                f"method {self.name!r} takes a {self.config_cls.__name__}, got "
                f"{type(config).__name__}; build one with method_spec({self.name!r})"
                ".default_config(...)"
            )
        return self.func(task, config)

    def run_many(self, task: Task, seeds: Sequence[int], config: Any = None) -> list[HeadScores]:
        """One result per seed for a stochastic method (the batched runner where there is
        one); a single result for a deterministic method (its seed is not used)."""
        config = self.config_cls() if config is None else config
        seeds = tuple(int(s) for s in seeds)
        if not seeds:
            raise ValueError("give at least one seed")
        if not self.stochastic:
            return [self.run(task, config)]
        if self.run_seeds is not None:
            return self.run_seeds(task, config, seeds)
        return [self.run(task, dataclasses.replace(config, seed=s)) for s in seeds]


BUILTIN_METHOD_MODULES = (
    "sae_core.methods.sae",
    "sae_core.methods.autocircuit",
    "sae_core.methods.hisp",
)
"""Modules that register the built-in methods, imported on first use: auto-circuit pulls
in plotly and more, which the SAE method never needs."""

METHODS: Registry[MethodSpec] = Registry("method", BUILTIN_METHOD_MODULES)
"""Every registered method's :class:`MethodSpec`, by name, in registration order."""


def register_method(
    name: str,
    config_cls: type,
    *,
    stochastic: bool,
    description: str,
    run_seeds: SeedsRunner | None = None,
) -> Callable[[Method], Method]:
    """Decorator: register ``method(task, config) -> HeadScores`` under ``name``."""
    return METHODS.register(
        name,
        lambda func: MethodSpec(name, func, config_cls, stochastic, description, run_seeds),
    )
