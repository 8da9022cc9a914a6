"""Multi-task trained transformers: every head is trained, on one of five algorithmic tasks.

A sequence is ``[BOS, marker, c_0 .. c_{L-1}]``: the marker token names the task, the
content tokens ``c`` come from one distribution for every task (so a sequence's task is
known from its marker alone). At the position of content token ``c_t`` the model outputs
the task's answer for the prefix ``c_0 .. c_t``:

* ``induction``: the token that followed the earlier occurrence(s) of ``c_t``
  (A B ... A -> B); the circuit task of :mod:`sae_core.tasks.trained_tasks`;
* ``reverse``: the token that preceded the earlier occurrence(s) of ``c_t``
  (B A ... A -> B), an "anti-induction" lookup;
* ``first``: ``c_0``, the first content token;
* ``min``: the smallest token (by id) of the prefix;
* ``majority``: the most frequent token of the prefix (only where it is unique and
  occurs at least twice).

Positions where the answer is undefined (no earlier occurrence, disagreeing earlier
occurrences, a tied majority) carry no target. The five tasks share the model's heads,
so heads outside one task's circuit are trained to do the others: unlike a random head,
a non-circuit head does real work, as in a language model.

This module holds the vocabulary, the task definitions (:func:`task_targets`), the
architectures by size and the loader; training is :mod:`sae_core.models.train_multitask`,
the registered circuit tasks :mod:`sae_core.tasks.trained_tasks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from sae_core.models.build import build_model, config_from_fields
from sae_core.models.weights_file import load_parameters

if TYPE_CHECKING:  # pragma: no cover
    from transformer_lens import HookedTransformer

BOS = 0
"""Token 0 starts every sequence and occurs nowhere else (a place for heads to rest)."""

TASKS = ("induction", "reverse", "first", "min", "majority")
"""The tasks, in marker order: task ``TASKS[i]`` has marker token ``1 + i``."""

MARKERS: dict[str, int] = {name: 1 + i for i, name in enumerate(TASKS)}
"""Task name -> its marker token (position 1 of every sequence)."""

CONTENT_START = 1 + len(TASKS)
"""The first content token id; content tokens are ``CONTENT_START .. d_vocab - 1``."""

N_CONTENT_TOKENS = 40
"""How many distinct content tokens there are."""

CONTENT_LEN = 22
"""Content tokens per sequence (L); sequences are ``2 + L`` tokens long."""

D_VOCAB = CONTENT_START + N_CONTENT_TOKENS
N_CTX = 2 + CONTENT_LEN


@dataclass(frozen=True)
class Architecture:
    """One model size: ``n_layers`` x ``n_heads`` heads of width ``d_head``, small MLPs."""

    n_layers: int
    n_heads: int
    d_model: int
    d_head: int
    d_mlp: int

    @property
    def name(self) -> str:
        """The size as the weights file and the task name write it, e.g. "4x8"."""
        return f"{self.n_layers}x{self.n_heads}"

    def config_dict(self) -> dict[str, Any]:
        """Keyword arguments of its HookedTransformerConfig (seed and device aside)."""
        # Shortformer positions (query and key inputs only) keep positions out of the
        # values heads copy; LayerNorm is there for the deeper sizes.
        return {
            "n_layers": self.n_layers,
            "n_heads": self.n_heads,
            "d_model": self.d_model,
            "d_head": self.d_head,
            "d_mlp": self.d_mlp,
            "d_vocab": D_VOCAB,
            "n_ctx": N_CTX,
            "act_fn": "gelu",
            "attn_only": False,
            "positional_embedding_type": "shortformer",
            "normalization_type": "LN",
        }


ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in (
        Architecture(n_layers=4, n_heads=8, d_model=64, d_head=8, d_mlp=128),
        Architecture(n_layers=12, n_heads=12, d_model=64, d_head=8, d_mlp=128),
        Architecture(n_layers=3, n_heads=12, d_model=64, d_head=8, d_mlp=128),
        Architecture(n_layers=2, n_heads=8, d_model=64, d_head=8, d_mlp=128),
        Architecture(n_layers=2, n_heads=16, d_model=64, d_head=8, d_mlp=128),
        Architecture(n_layers=2, n_heads=20, d_model=64, d_head=8, d_mlp=128),
        Architecture(n_layers=2, n_heads=24, d_model=64, d_head=8, d_mlp=128),
        Architecture(n_layers=2, n_heads=32, d_model=64, d_head=8, d_mlp=128),
    )
}
"""The trainable sizes, by name: 4x8 (attn-only-4l's grid), 12x12 (GPT-2 small's grid),
3x12, and the two-layer 2x8, 2x16, 2x20, 2x24 and 2x32."""

SHIPPED_SIZES = ("2x16", "2x24", "2x32")
"""Sizes whose trained weights ship with the package: those that learnt every task. With
seed 0 and the default steps the others did not learn induction (accuracy at defined
positions: 2x16 99.9%, 2x24 97.2%, 2x32 94.7%; 2x20 44%, 2x8 34%, 4x8 27%); 12x12 was
not trained here (see :mod:`sae_core.models.train_multitask`)."""


def architecture(size: str) -> Architecture:
    """The :class:`Architecture` named ``size`` (a key of :data:`ARCHITECTURES`)."""
    if size not in ARCHITECTURES:
        raise ValueError(f"size={size!r}; trained sizes are {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[size]


def weights_file(size: str) -> str:
    """File name of the shipped weights of ``size``."""
    return f"multitask_{architecture(size).name}.safetensors"


def regenerate_command(size: str) -> str:
    """The command that retrains the shipped weights of ``size``."""
    return (
        f"python -m sae_core.models.train_multitask --size {size} "
        f"--out sae_core/models/data/{weights_file(size)} --seed 0"
    )


def model_config(size: str, seed: int = 0):
    """The model config of ``size`` (CPU, float32; a HookedTransformerConfig, or the lean
    model's on TransformerLens >= 4: :mod:`sae_core.models.build`); ``seed`` sets the init."""
    return config_from_fields(**architecture(size).config_dict(), seed=seed, device="cpu")


def new_model(size: str, seed: int = 0):
    """An untrained model of ``size``, initialised from ``seed``."""
    return build_model(model_config(size, seed))


def weights_path(size: str) -> Path:
    """Where the shipped weights of ``size`` live inside the installed package."""
    return Path(str(resources.files("sae_core.models") / "data" / weights_file(size)))


def _checked_path(size: str, path: str | Path | None) -> Path:
    path = weights_path(size) if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no multitask-{size} weights at {path}; regenerate them from the repository "
            f"root with `{regenerate_command(size)}` (and install the package with its "
            "package data)"
        )
    return path


def weights_metadata(size: str, path: str | Path | None = None) -> dict[str, str]:
    """The training record stored in the weights file (seed, steps, accuracies, ...)."""
    from safetensors import safe_open

    with safe_open(str(_checked_path(size, path)), framework="pt") as f:
        return dict(f.metadata() or {})


def load_model(size: str, path: str | Path | None = None) -> HookedTransformer:
    """The trained model of ``size``, from ``path`` or the weights shipped with the package."""

    return load_parameters(new_model(size, seed=0), _checked_path(size, path),
                           f"multitask-{size}", regenerate_command(size))


# ------------------------------------------------------------------------ the data


def sample_content(
    n: int, rng: np.random.Generator, *, p_segment: float = 0.5, min_period: int = 3,
    max_period: int = 10, max_prefix: int = 8,
) -> np.ndarray:
    """int64 [n, CONTENT_LEN] content tokens, the same distribution for every task.

    A share ``p_segment`` of rows is a random prefix (0 .. ``max_prefix`` tokens) then a
    random segment of ``min_period`` .. ``max_period`` tokens repeated to the end (so
    lookups of earlier occurrences are common and unambiguous); the rest are iid. Every
    token is drawn uniformly, with replacement, from the content tokens.
    """
    L = CONTENT_LEN
    iid_NL = rng.integers(CONTENT_START, D_VOCAB, size=(n, L))
    segment0_NL = rng.integers(CONTENT_START, D_VOCAB, size=(n, L))
    prefix_N = rng.integers(0, max_prefix + 1, size=n)
    period_N = rng.integers(min_period, max_period + 1, size=n)
    use_segment_N = rng.random(n) < p_segment
    offset_NL = np.arange(L)[None, :] - prefix_N[:, None]
    in_segment_NL = (offset_NL >= 0) & use_segment_N[:, None]
    seg_idx_NL = np.where(offset_NL >= 0, offset_NL % period_N[:, None], 0)
    segment_NL = np.take_along_axis(segment0_NL, seg_idx_NL, axis=1)
    return np.where(in_segment_NL, segment_NL, iid_NL).astype(np.int64)


def _lookup(content_NL: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray]:
    """Answer of the token at ``j + shift`` for the earlier occurrences ``j`` of ``c_t``.

    Valid where ``c_t`` occurred before and every earlier occurrence gives one answer.
    """
    n, L = content_NL.shape
    t_L = np.arange(L)
    earlier_LL = t_L[None, :] < t_L[:, None]  # [t, j]: j < t
    match_NLL = (content_NL[:, :, None] == content_NL[:, None, :]) & earlier_LL
    src_L = t_L + shift
    inside_L = (src_L >= 0) & (src_L < L)
    answer_at_NL = np.where(inside_L[None, :], content_NL[:, np.clip(src_L, 0, L - 1)], -1)
    ans_NLL = np.broadcast_to(answer_at_NL[:, None, :], match_NLL.shape)
    big = np.iinfo(np.int64).max
    lo_NL = np.where(match_NLL, ans_NLL, big).min(axis=2)
    hi_NL = np.where(match_NLL, ans_NLL, -big).max(axis=2)
    valid_NL = match_NLL.any(axis=2) & (lo_NL == hi_NL) & (lo_NL >= 0)
    return np.where(valid_NL, lo_NL, 0), valid_NL


def task_targets(content_NL: np.ndarray, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(target int64 [N, L], valid bool [N, L]): the answer ``task`` asks for at each
    content position t (given ``c_0 .. c_t``), and where it is defined."""
    n, L = content_NL.shape
    t_L = np.arange(L)
    if task == "induction":
        return _lookup(content_NL, +1)
    if task == "reverse":
        return _lookup(content_NL, -1)
    if task == "first":
        return np.repeat(content_NL[:, :1], L, axis=1), np.broadcast_to(t_L >= 1, (n, L)).copy()
    if task == "min":
        return np.minimum.accumulate(content_NL, axis=1), np.broadcast_to(t_L >= 1, (n, L)).copy()
    if task == "majority":
        onehot_NLV = content_NL[:, :, None] == np.arange(D_VOCAB)[None, None, :]
        counts_NLV = np.cumsum(onehot_NLV, axis=1)
        top_NL = counts_NLV.max(axis=2)
        n_top_NL = (counts_NLV == top_NL[:, :, None]).sum(axis=2)
        return counts_NLV.argmax(axis=2).astype(np.int64), (n_top_NL == 1) & (top_NL >= 2)
    raise ValueError(f"task={task!r}; the tasks are {TASKS}")


def with_marker(content_NL: np.ndarray, task: str) -> np.ndarray:
    """int64 [N, 2 + L]: ``[BOS, marker of task, content]``."""
    if task not in MARKERS:
        raise ValueError(f"task={task!r}; the tasks are {TASKS}")
    n = content_NL.shape[0]
    head_N2 = np.tile(np.array([BOS, MARKERS[task]], dtype=np.int64), (n, 1))
    return np.concatenate([head_N2, content_NL.astype(np.int64)], axis=1)


def task_accuracy(
    model: HookedTransformer, task: str, n: int = 1000, seed: int = 12345
) -> tuple[float, float]:
    """(accuracy over every defined position, accuracy at the last position where defined)
    of ``model`` on ``n`` fresh sequences of ``task`` (content from :func:`sample_content`)."""
    rng = np.random.default_rng(seed)
    content_NL = sample_content(n, rng)
    target_NL, valid_NL = task_targets(content_NL, task)
    tokens_NT = torch.from_numpy(with_marker(content_NL, task))
    with torch.no_grad():
        pred_NL = model(tokens_NT, return_type="logits")[:, 2:].argmax(-1).numpy()
    correct_NL = pred_NL == target_NL
    return float(correct_NL[valid_NL].mean()), float(correct_NL[valid_NL[:, -1], -1].mean())
