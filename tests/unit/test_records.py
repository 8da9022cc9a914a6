"""Atomic writes: a file appears whole or not at all, with no temporary left behind."""

import pytest

from sae_core.records import atomic_path, write_text_atomic


def test_write_text_atomic_makes_folders_and_replaces(tmp_path):
    path = tmp_path / "a" / "b.md"
    assert write_text_atomic(path, "one\n") == path
    write_text_atomic(path, "two\n")
    assert path.read_text() == "two\n"
    assert [p.name for p in path.parent.iterdir()] == ["b.md"]


def test_atomic_path_keeps_the_old_file_when_the_writer_fails(tmp_path):
    path = tmp_path / "fig.png"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="half way"):
        with atomic_path(path) as tmp:
            assert tmp.parent == tmp_path and tmp.name.startswith(".fig.png.")
            tmp.write_bytes(b"half")
            raise RuntimeError("half way")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]


def test_atomic_path_temporaries_are_unique(tmp_path):
    with atomic_path(tmp_path / "x") as a, atomic_path(tmp_path / "x") as b:
        assert a != b
        a.write_text("a")
        b.write_text("b")
    assert (tmp_path / "x").read_text() == "a"  # the last writer to finish wins
