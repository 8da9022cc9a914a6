"""sae_core.models.hub: snapshots resolved as huggingface_hub resolves them; clear errors."""

from __future__ import annotations

import json

import pytest

from sae_core.models.hub import (
    FileRecord,
    HubCacheError,
    ModelProvenance,
    hf_cache_dir,
    resolve_snapshot,
    sha256_file,
    why_unresolved,
)
from tests.fixtures.hub_cache import write_repo


def test_resolve_follows_refs_or_a_commit(tmp_path):
    first = write_repo(tmp_path, "org/name", {"a.json": b"1"})
    second = write_repo(tmp_path, "org/name", {"a.json": b"2"})  # refs/main now names it
    assert resolve_snapshot("org/name", tmp_path).path == second
    assert resolve_snapshot("org/name", tmp_path, revision=first.name).path == first
    assert resolve_snapshot("org/other", tmp_path) is None
    assert "models--org--other is not in" in why_unresolved("org/other", tmp_path)


def test_no_refs_main_means_unresolved(tmp_path):
    snap = write_repo(tmp_path, "org/name", {"a.json": b"1"}, ref=False)
    assert resolve_snapshot("org/name", tmp_path) is None
    assert "no refs/main" in why_unresolved("org/name", tmp_path)
    assert snap.name in why_unresolved("org/name", tmp_path)


def test_missing_and_dangling_files_name_the_fix(tmp_path):
    write_repo(tmp_path, "org/name", {"a.json": b"1", "w.safetensors": b"2"})
    snap = resolve_snapshot("org/name", tmp_path)
    assert snap.file("a.json").read_bytes() == b"1"
    with pytest.raises(HubCacheError, match="b.json of org/name .* is missing; .*"
                       "huggingface-cli download org/name b.json"):  # fmt: skip
        snap.file("b.json")
    (snap.path / "w.safetensors").resolve().unlink()
    with pytest.raises(HubCacheError, match="points at a missing blob"):
        snap.file("w.safetensors")


def test_sha256_and_provenance_dict(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_file(tmp_path / "f") == digest
    record = FileRecord("f", digest)
    prov = ModelProvenance("m", "org/m", "c" * 40, (record,), record, "org/m", "c" * 40,
                           (record,), str(tmp_path))  # fmt: skip
    assert json.loads(json.dumps(prov.to_dict()))["weights"] == [{"name": "f", "sha256": digest}]


def test_cache_dir_order(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert hf_cache_dir() == tmp_path / "huggingface" / "hub"
