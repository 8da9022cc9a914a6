"""Every notebook is a jupytext pair: the .py (source) and .ipynb hold the same cells."""

from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("*.py"))


def test_there_are_notebooks():
    assert SOURCES, "notebooks/ holds no .py notebooks"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_pair_in_sync(source):
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} missing: run `jupytext --sync {source}`"
    py_cells = [(c.cell_type, c.source.strip()) for c in jupytext.read(source).cells]
    nb_cells = [(c.cell_type, c.source.strip()) for c in jupytext.read(paired).cells]
    assert py_cells == nb_cells, f"{source.name} and {paired.name} differ: run `jupytext --sync`"


PAPER_NOTEBOOKS = ("ioi", "greater_than", "docstring", "faithfulness",
                   "induction_across_models", "runtime")
"""Notebooks of the paper's models: a reader without weights sees committed outputs."""


@pytest.mark.parametrize("name", PAPER_NOTEBOOKS)
def test_paper_notebook_is_committed_with_outputs_and_opens_with_what_it_reproduces(name):
    notebook = jupytext.read(NOTEBOOKS / f"{name}.ipynb")
    opening = notebook.cells[0].source.lower()
    assert notebook.cells[0].cell_type == "markdown"
    for needed in ("2405.12522", "**runtime**", "**fast**", "**full**"):
        assert needed in opening, f"{name}.ipynb's first cell does not say {needed!r}"
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs, f"{name}.ipynb is committed without outputs: execute it and commit"
    first = outputs[0].get("text", "")
    assert "FAST settings" in first or "full settings" in first, (
        f"{name}.ipynb's first output does not say which settings ran: {first[:200]!r}")
