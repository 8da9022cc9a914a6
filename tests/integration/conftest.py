"""Fixtures for the pretrained path: an offline Hugging Face hub cache built at test time.

The files of each repository are built once per session (:mod:`tests.fixtures.hub_cache`);
``hub_home`` writes them as a complete cache, and ``make_hub`` writes other caches (one
repo id or another, no ``refs/main``, broken files) in a test's own folder. Both point
``HF_HOME`` at the cache and set ``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sae_core.models.tokenizers import ensure_gpt2_bpe, gpt2_bpe_path
from tests.fixtures.hub_cache import (
    attn_only_files,
    gpt2_files,
    neox_digits_tokenizer_files,
    write_repo,
)

ATTN_ONLY_REPO = "NeelNanda/Attn_Only_4L512W_C4_Code"
NEOX_DIGITS_REPO = "NeelNanda/gpt-neox-tokenizer-digits"


@pytest.fixture(scope="session")
def bpe_file() -> Path:
    try:
        return gpt2_bpe_path() or ensure_gpt2_bpe(timeout_s=90)
    except Exception as err:  # no network and no cached copy
        pytest.skip(f"the GPT-2 BPE file could not be obtained ({err}); hub fixture skipped")


@pytest.fixture(scope="session")
def gpt2_repo(bpe_file) -> dict[str, bytes]:
    """The files of the hub's gpt2 repository (random weights, real tokenizer)."""
    return gpt2_files(bpe_file)


@pytest.fixture(scope="session")
def attn_only_repos(bpe_file) -> dict[str, dict[str, bytes]]:
    """attn-only-4l's weights repository and its (stand-in) tokenizer repository."""
    tokenizer = neox_digits_tokenizer_files(bpe_file)
    return {ATTN_ONLY_REPO: attn_only_files(), NEOX_DIGITS_REPO: tokenizer}


@pytest.fixture(scope="session")
def hub_home_dir(tmp_path_factory, gpt2_repo, attn_only_repos) -> Path:
    home = tmp_path_factory.mktemp("hf_home")
    write_repo(home / "hub", "gpt2", gpt2_repo)
    for repo, files in attn_only_repos.items():
        write_repo(home / "hub", repo, files)
    return home


def _point_at(monkeypatch, home: Path) -> None:
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def hub_home(monkeypatch, hub_home_dir) -> Path:
    """HF_HOME of a complete cache: gpt2, attn-only-4l and its tokenizer."""
    _point_at(monkeypatch, hub_home_dir)
    return hub_home_dir


@pytest.fixture
def make_hub(monkeypatch, tmp_path) -> Callable[..., Path]:
    """``make_hub({repo_id: files}, ref=True) -> snapshot of the first repo``: a fresh cache
    in this test's folder, with HF_HOME pointed at it."""

    def make(repos: dict[str, dict[str, bytes]], *, ref: bool = True) -> Path:
        _point_at(monkeypatch, tmp_path)
        snaps = [write_repo(tmp_path / "hub", r, files, ref=ref) for r, files in repos.items()]
        return snaps[0]

    return make
