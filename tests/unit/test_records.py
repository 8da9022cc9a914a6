"""Atomic writes: a file appears whole or not at all, with no temporary left behind."""

import json

import pytest

from sae_core.records import (
    OutputPathError,
    atomic_path,
    check_writable,
    check_writable_dir,
    save_with_fallback,
    write_json_atomic,
    write_text_atomic,
)


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


def test_check_writable_names_the_path_and_the_reason(tmp_path):
    a_file = tmp_path / "f"
    a_file.write_text("x")
    assert check_writable(tmp_path / "new" / "deeper" / "r.json") == tmp_path / "new/deeper/r.json"
    assert not (tmp_path / "new").exists()  # the check makes nothing
    with pytest.raises(OutputPathError, match="it is an existing directory"):
        check_writable(tmp_path)
    with pytest.raises(OutputPathError, match=f"{a_file} is a file, not a folder"):
        check_writable(a_file / "r.json")
    with pytest.raises(OutputPathError, match="no file can be made in /proc"):
        check_writable("/proc/r.json")
    with pytest.raises(OutputPathError, match=f"cannot write the out to {a_file}"):
        check_writable_dir(a_file, "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_save_with_fallback_keeps_the_result(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ok = save_with_fallback(tmp_path / "r.json", lambda p: write_json_atomic(p, {"a": 1}))
    assert ok.path == tmp_path / "r.json" and ok.error is None

    def refuse_target(path):
        if path.name == "x.json":
            raise PermissionError(13, "Permission denied", str(path))
        write_json_atomic(path, {"a": 2})

    saved = save_with_fallback(tmp_path / "x.json", refuse_target)
    assert isinstance(saved.error, PermissionError)
    assert saved.path.parent == tmp_path and saved.path.name.startswith("sae-core-results-")
    assert saved.path.suffix == ".json" and json.loads(saved.path.read_text()) == {"a": 2}
    again = save_with_fallback(tmp_path / "x.json", refuse_target)
    assert again.path != saved.path  # never over an earlier fallback file


def test_restore_nan_turns_the_json_nulls_of_named_keys_back_into_nan(tmp_path):
    import math

    from sae_core.records import read_json, restore_nan, write_json_atomic

    write_json_atomic(tmp_path / "r.json", {"row": {"auc": math.nan, "n": None, "s": 1.5}})
    row = restore_nan(read_json(tmp_path / "r.json")["row"], ("auc", "s", "absent"))
    assert math.isnan(row["auc"]) and row["s"] == 1.5
    assert row["n"] is None and math.isnan(row["absent"])
