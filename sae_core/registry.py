"""One registry mechanism for tasks, methods and figures: names to entries, no if/elif chains.

A module registers its entries when it is imported (a decorator at module level); the
registry imports the modules that hold the built-in entries only when it is first read,
so ``import sae_core`` never pulls in what a registered entry needs (JAX for tracr,
auto-circuit for the baselines)::

    TASKS = Registry("task", modules=("sae_core.tasks.ioi", ...))

    @TASKS.register("ioi")
    def build_ioi(**options) -> Task: ...

    TASKS.get("ioi")   # imports the modules first; KeyError naming the choices if unknown
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
F = TypeVar("F", bound=Callable)


class Registry(Generic[T]):
    """Entries of one kind by name, in registration order.

    kind: what an entry is, in errors ("task" -> "unknown task 'x'; available tasks: ...").
    modules: names of the modules that register the built-in entries, or a function
        returning them; imported on the first :meth:`get` or :meth:`names`.
    """

    def __init__(self, kind: str, modules: Iterable[str] | Callable[[], Iterable[str]] = ()):
        self.kind = kind
        self._modules = modules
        self._entries: dict[str, T] = {}
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        modules = self._modules() if callable(self._modules) else self._modules
        for module in modules:
            importlib.import_module(module)
        self._loaded = True

    def add(self, name: str, entry: T) -> None:
        """Register ``entry`` under ``name``; a name is registered once."""
        if name in self._entries:
            raise ValueError(
                f"{self.kind} {name!r} is registered twice; give the new one another name"
            )
        self._entries[name] = entry

    def register(
        self, name: str, make_entry: Callable[[F], T] | None = None
    ) -> Callable[[F], F]:
        """Decorator: register the decorated function under ``name`` (as
        ``make_entry(function)`` when given, e.g. a spec wrapping it); returns the function
        unchanged."""

        def wrap(func: F) -> F:
            self.add(name, func if make_entry is None else make_entry(func))
            return func

        return wrap

    def remove(self, name: str) -> None:
        """Forget ``name`` (e.g. an entry a test registered); no error if absent."""
        self._entries.pop(name, None)

    def names(self) -> list[str]:
        """Every registered name, built-ins included, in registration order."""
        self._load()
        return list(self._entries)

    def get(self, name: str) -> T:
        """The entry registered under ``name``; a KeyError naming the choices otherwise."""
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(
                f"unknown {self.kind} {name!r}; available {self.kind}s: "
                f"{', '.join(self._entries)}"
            ) from None
