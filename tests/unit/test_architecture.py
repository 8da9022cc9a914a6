"""The layout's promises, checked on the source: who may import whom, and the one door to
TransformerLens. ARCHITECTURE.md draws the map these tests hold the code to."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sae_core"
REPO = PACKAGE.parent

CORE = (
    "types", "config", "version", "compat", "records", "device", "registry", "hooks",
    "discretisers", "kernels", "scores", "discover", "metrics", "faithfulness",
)
"""Core stages and their vocabulary: they import nothing from the wings or the faces."""
VOCABULARY = ("types", "config", "version")
"""The vocabulary imports nothing of ours but itself."""
WINGS = ("models", "tasks", "methods", "experiments", "paper", "analysis")
FACES = ("cli", "plots", "figure_builders")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _top(path: Path) -> str:
    """First component below sae_core/ (a module or a subpackage), e.g. "methods"."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_tops(path: Path) -> set[str]:
    """sae_core subpackages/modules imported anywhere in ``path`` (function bodies too)."""
    tops: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] != "sae_core":
                continue
            if len(parts) > 1:
                tops.add(parts[1])
            else:
                tops.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "sae_core" and len(parts) > 1:
                    tops.add(parts[1])
    return tops


def test_every_module_has_a_place_on_the_map():
    known = set(CORE) | set(WINGS) | set(FACES) | {"__init__"}
    homeless = sorted({_top(p) for p in _modules()} - known)
    assert not homeless, f"modules with no place on the map (ARCHITECTURE.md): {homeless}"


@pytest.mark.parametrize(
    "path", [p for p in _modules() if _top(p) in CORE], ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_core_imports_no_wing_or_face(path):
    bad = _imported_tops(path) & (set(WINGS) | set(FACES))
    assert not bad, f"{path.relative_to(REPO)} (core) imports {sorted(bad)}: data flows one way"


@pytest.mark.parametrize(
    "path", [p for p in _modules() if _top(p) in VOCABULARY],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_vocabulary_imports_only_vocabulary(path):
    bad = _imported_tops(path) - set(VOCABULARY)
    assert not bad, f"{path.relative_to(REPO)} (vocabulary) imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", [p for p in _modules() if _top(p) in WINGS], ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_wings_import_no_face(path):
    bad = _imported_tops(path) & set(FACES)
    assert not bad, f"{path.relative_to(REPO)} imports the faces {sorted(bad)}"


def _sources() -> list[Path]:
    roots = [PACKAGE, REPO / "tests", REPO / "benchmarks"]
    files = [p for root in roots for p in root.rglob("*.py") if "__pycache__" not in p.parts]
    return sorted(files + list((REPO / "notebooks").glob("*.py")))


def _calls(path: Path) -> set[str]:
    """Names called in ``path``: ``f(...)`` or ``x.f(...)``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def _tl_imports(path: Path) -> set[str]:
    """Modules and names ``path`` imports from TransformerLens."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "transformer_lens"
        ):
            names.add(node.module)
            names.update(alias.name for alias in node.names)
    return names


HOOK_MACHINERY = {
    "run_with_hooks", "run_with_cache", "add_hook", "hooks", "HookPoint",
    "transformer_lens.hook_points",
}
HOOKS_TESTS = REPO / "tests" / "unit" / "test_hooks.py"
LEAN_MODEL = PACKAGE / "models" / "lean_transformer.py"
"""Declares HookPoints (HookedTransformer's, for TransformerLens 4); it runs no hooks."""


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_only_the_hooks_module_runs_hooks(path):
    if path in (PACKAGE / "hooks.py", HOOKS_TESTS, Path(__file__).resolve()):
        return  # the door itself, and its tests that hold it to the library
    if path == LEAN_MODEL:  # may declare hook points, never run hooks
        bad = _calls(path) & (HOOK_MACHINERY - {"HookPoint"})
        assert not bad, f"{path.relative_to(REPO)} runs hooks {sorted(bad)}; go through hooks"
        return
    bad = (_calls(path) | _tl_imports(path)) & HOOK_MACHINERY
    assert not bad, (
        f"{path.relative_to(REPO)} uses TransformerLens' hook machinery {sorted(bad)}; "
        "go through sae_core.hooks"
    )


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_only_models_build_transformers(path):
    if PACKAGE / "models" in path.parents:
        return
    bad = _calls(path) & {"HookedTransformer", "HookedTransformerConfig"}
    assert not bad, (
        f"{path.relative_to(REPO)} constructs {sorted(bad)}; build models in sae_core.models"
    )


def test_the_checks_can_fail(tmp_path):
    """The AST readers above see the calls they look for."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from sae_core.methods import x\n"
        "from transformer_lens.hook_points import HookPoint\n"
        "def f(model):\n"
        "    from sae_core.plots import y\n"
        "    model.run_with_hooks(1)\n"
        "    return HookedTransformer(cfg)\n"
    )
    assert {"methods", "plots"} <= _imported_tops(probe)
    assert {"run_with_hooks", "HookedTransformer"} <= _calls(probe)
    assert "HookPoint" in _tl_imports(probe)
