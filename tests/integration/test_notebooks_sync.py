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
