"""The local Hugging Face hub cache, read exactly as huggingface_hub reads it, and provenance.

The hub cache lays each repository out as ``models--ORG--NAME/`` holding ``blobs/<hash>``
(the file contents), ``snapshots/<commit>/<file>`` (links into ``blobs``) and
``refs/main`` (the commit that ``main`` names). huggingface_hub, offline, resolves a file
of revision ``main`` through ``refs/main`` only: a snapshot with no ref pointing at it is
never used. :func:`resolve_snapshot` does the same, so what we call available is what the
libraries would load; the loader then reads the files of that one snapshot by path (see
:mod:`sae_core.models.pretrained`), so the cache location is resolved once, here, and the
availability check and the load can never disagree. The records it fills
(:class:`~sae_core.types.FileRecord`, :class:`~sae_core.types.ModelProvenance`) are
vocabulary, defined in :mod:`sae_core.types` and importable from here too.

Every problem with a cached repository (absent, no ``refs/main``, a missing or partial
file, a file that does not parse) raises :class:`HubCacheError`, whose message names the
file and the command that fixes it.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sae_core.types import FileRecord
from sae_core.types import ModelProvenance as ModelProvenance  # re-exported

_COMMIT = re.compile(r"^[0-9a-f]{40}$")


class HubCacheError(FileNotFoundError):
    """A model's files are not usable in the local hub cache; the message says how to fix it."""


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, resolved from the environment now.

    ``HF_HUB_CACHE``, else ``HF_HOME/hub``, else ``XDG_CACHE_HOME/huggingface/hub``, else
    ``~/.cache/huggingface/hub`` (huggingface_hub's own order). The loader passes this path
    explicitly to every read, so a variable set after import is honoured.
    """
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "huggingface" / "hub"


def repo_dir(repo_id: str, cache: Path) -> Path:
    """``cache/models--ORG--NAME``: where the hub caches ``repo_id``."""
    return cache / f"models--{repo_id.replace('/', '--')}"


def download_command(repo_id: str, files: tuple[str, ...] = ()) -> str:
    """The shell command that puts ``files`` of ``repo_id`` (all when empty) in the cache."""
    return " ".join(["huggingface-cli download", repo_id, *files])


@dataclass(frozen=True)
class Snapshot:
    """One cached revision of a repository: ``path`` = ``snapshots/<commit>``."""

    repo_id: str
    commit: str
    path: Path

    def file(self, name: str, *, fix: str = "") -> Path:
        """The snapshot's ``name``, checked to be a complete download (HubCacheError if not)."""
        entry = self.path / name
        if entry.is_file():
            return entry
        blobs = self.path.parents[1] / "blobs"
        partial = sorted(p.name for p in blobs.glob("*.incomplete")) if blobs.is_dir() else []
        if entry.is_symlink():
            why = f"its link points at a missing blob ({os.readlink(entry)})"
        elif partial:
            why = f"not downloaded completely (partial blobs: {', '.join(partial)})"
        else:
            why = "missing"
        fix = fix or download_command(self.repo_id, (name,))
        raise HubCacheError(
            f"{name} of {self.repo_id} (snapshot {self.commit} in {self.path.parents[1]}) is "
            f"{why}; download it again: {fix}"
        )


def resolve_snapshot(repo_id: str, cache: Path, revision: str = "main") -> Snapshot | None:
    """The snapshot huggingface_hub uses for ``repo_id`` at ``revision``, or None if not cached.

    ``revision`` is a commit hash or a ref name (``refs/<revision>`` holds the commit), as
    in ``hf_hub_download``: snapshots no ref points at are ignored, whatever their age.
    """
    root = repo_dir(repo_id, cache)
    if _COMMIT.match(revision):
        commit = revision
    else:
        ref = root / "refs" / revision
        if not ref.is_file():
            return None
        commit = ref.read_text().strip()
    path = root / "snapshots" / commit
    return Snapshot(repo_id, commit, path) if path.is_dir() else None


def why_unresolved(repo_id: str, cache: Path) -> str:
    """Why :func:`resolve_snapshot` found nothing for ``repo_id``, in words."""
    root = repo_dir(repo_id, cache)
    if not root.is_dir():
        return f"{root.name} is not in {cache}"
    ref = root / "refs" / "main"
    if not ref.is_file():
        snaps = sorted(p.name for p in (root / "snapshots").glob("*"))
        return (
            f"{root} has no refs/main (snapshots: {', '.join(snaps) or 'none'}), so no "
            "library will load it offline"
        )
    return f"refs/main of {root} names {ref.read_text().strip()}, which has no snapshot"


_HASHES: dict[tuple[str, int, int], str] = {}


def sha256_file(path: Path) -> str:
    """SHA-256 of the file ``path`` points to (memoised per path, size and mtime)."""
    real = path.resolve()
    stat = real.stat()
    key = (str(real), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with real.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 22), b""):
                digest.update(chunk)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def file_records(snapshot: Snapshot, names: tuple[str, ...]) -> tuple[FileRecord, ...]:
    """:class:`FileRecord` of each of ``names`` in ``snapshot`` (each checked complete)."""
    return tuple(FileRecord(n, sha256_file(snapshot.file(n))) for n in names)
