"""Results on disk, written atomically, so a crash never leaves half a file."""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


def _jsonable(obj: Any) -> Any:
    """Numpy scalars/arrays -> Python; NaN -> None (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to; on success it is renamed onto
    ``path`` (atomic), on any error it is removed and ``path`` is left as it was.

    Makes the parent folder. The temporary name is hidden and random, so two writers
    never share one: ``.{name}.<random hex>.tmp``; the writer creates the file (with the
    usual permissions). Use it for any file format::

        with atomic_path("figures/x.png") as tmp:
            fig.savefig(tmp, format="png")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (:func:`atomic_path`), flushed to disk."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    return path


def write_json_atomic(path: str | os.PathLike, payload: Any) -> Path:
    """Write ``payload`` as JSON to ``path`` atomically (numpy values made plain, NaN as
    null)."""
    return write_text_atomic(path, json.dumps(_jsonable(payload), indent=2))


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file written by :func:`write_json_atomic` (a clear error if missing)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no JSON file at {path}; run the command that writes it first")
    with open(path) as f:
        return json.load(f)


def restore_nan(row: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """``row`` (read back from JSON) with None at each of ``keys`` turned back into NaN:
    :func:`write_json_atomic` stores NaN as null. Changes ``row`` and returns it."""
    for key in keys:
        if row.get(key) is None:
            row[key] = math.nan
    return row


class OutputPathError(ValueError):
    """An output path that cannot be written (:func:`check_writable`)."""


def check_writable(path: str | os.PathLike, what: str = "output") -> Path:
    """``path`` if a file can be written there, else an :class:`OutputPathError` naming the
    path and the reason. Call it before a long run, so a bad path fails at once.

    Makes no folder and leaves no file: the path must not be a directory, and the nearest
    existing folder above it must be a folder (not a file) in which a file can be made
    (tried with a temporary file, deleted at once); the missing folders between are made
    when the result is written.
    """
    path = Path(path)
    if path.is_dir():
        raise _unwritable(what, path, "it is an existing directory")
    _check_folder(path.parent, what, path)
    return path


def check_writable_dir(path: str | os.PathLike, what: str = "output folder") -> Path:
    """``path`` if files can be written into it (made when missing), else an
    :class:`OutputPathError` naming the path and the reason; as :func:`check_writable`."""
    path = Path(path)
    _check_folder(path, what, path)
    return path


def _unwritable(what: str, path: Path, reason: str) -> OutputPathError:
    return OutputPathError(f"cannot write the {what} to {path}: {reason}; give another path")


def _check_folder(folder: Path, what: str, path: Path) -> None:
    """Whether a file can be made in ``folder`` or, when it is missing, in the nearest
    existing folder above it."""
    folder = folder.absolute()
    while not folder.exists():
        if folder.is_symlink():
            raise _unwritable(what, path, f"{folder} is a broken symbolic link")
        folder = folder.parent
    if not folder.is_dir():
        raise _unwritable(what, path, f"{folder} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise _unwritable(
            what, path, f"no file can be made in {folder} ({err.strerror or err})"
        ) from None


@dataclass(frozen=True)
class Saved:
    """Where :func:`save_with_fallback` put a result.

    path: the file written. error: why it is not at the path asked for (None when it is).
    """

    path: Path
    error: OSError | None = None


def fallback_path(suffix: str, folder: str | os.PathLike | None = None) -> Path:
    """A new file name for results whose own path failed:
    ``<folder>/sae-core-results-<date>-<time>[-n]<suffix>`` (folder: the working one)."""
    folder = Path.cwd() if folder is None else Path(folder)
    stem = f"sae-core-results-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = folder / f"{stem}{suffix}", 1
    while path.exists():
        path, n = folder / f"{stem}-{n}{suffix}", n + 1
    return path


def save_with_fallback(path: str | os.PathLike, write: Callable[[Path], Any]) -> Saved:
    """``write(path)``; if that fails with an OSError, ``write`` to a :func:`fallback_path`
    in the working folder (then in the system's temporary folder), so a computed result is
    never lost. Raises the first error only when every place fails."""
    path = Path(path)
    try:
        write(path)
        return Saved(path)
    except OSError as err:
        for folder in (None, tempfile.gettempdir()):
            other = fallback_path(path.suffix, folder)
            try:
                write(other)
            except OSError:
                continue
            return Saved(other, err)
        raise
