"""The induction toy model: a 2-layer attention-only transformer trained on repeats.

The model is small enough to train on a CPU in well under a minute
(``python -m sae_core.models.train_induction_toy``); the weights it writes ship as
``sae_core/models/data/induction_toy_2l.safetensors``. Its mechanism is the classic
two-head induction circuit: a previous-token head in layer 0 writes "the token before
me was A" into each position, and an induction head in layer 1 keys on that to attend
from the second ``A`` to the token after the first ``A`` and copy it.

This module holds the architecture, the vocabulary convention the training used (BOS)
and the loader; the task on it (prompts, answers, the ablation-derived truth) is
:mod:`sae_core.tasks.induction_toy`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sae_core.models.build import build_model, config_from_fields
from sae_core.models.weights_file import load_parameters

if TYPE_CHECKING:  # pragma: no cover
    from transformer_lens import HookedTransformer, HookedTransformerConfig

WEIGHTS_FILE = "induction_toy_2l.safetensors"
REGENERATE_COMMAND = (
    "python -m sae_core.models.train_induction_toy "
    f"--out sae_core/models/data/{WEIGHTS_FILE} --seed 0"
)

# The architecture. Shortformer positions (added to the query and key inputs only,
# never to the residual stream) let the layer-0 head find "the previous position"
# without positions cluttering the values it copies; induction then trains in seconds.
MODEL_CONFIG: dict[str, Any] = {
    "n_layers": 2,
    "n_heads": 4,
    "d_model": 64,
    "d_head": 16,
    "d_vocab": 48,
    "n_ctx": 40,
    "attn_only": True,
    "positional_embedding_type": "shortformer",
    "normalization_type": None,
    "act_fn": None,
}

BOS = 0
"""Token 0 starts every sequence and occurs nowhere else. It gives heads a place to
look when nothing matches, and keeps position 0 from posing as "the token after" the
first token (without it the layer-0 head, attending to itself there, makes position 0
a false induction match)."""


def model_config(seed: int = 0) -> HookedTransformerConfig:
    """The toy model's HookedTransformerConfig (CPU, float32); ``seed`` sets the init.
    (A LeanConfig on TransformerLens >= 4: see :mod:`sae_core.models.build`.)"""
    return config_from_fields(**MODEL_CONFIG, seed=seed, device="cpu")


def new_model(seed: int = 0) -> HookedTransformer:
    """An untrained toy model, initialised from ``seed``."""
    return build_model(model_config(seed))


def weights_path() -> Path:
    """Where the shipped weights live inside the installed package."""
    resource = resources.files("sae_core.models") / "data" / WEIGHTS_FILE
    return Path(str(resource))


def _checked_path(path: str | Path | None) -> Path:
    path = weights_path() if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no induction-toy weights at {path}; regenerate them from the repository root "
            f"with `{REGENERATE_COMMAND}` (and install the package with its package data)"
        )
    return path


def weights_metadata(path: str | Path | None = None) -> dict[str, str]:
    """The training record stored in the weights file (seed, steps, final losses, ...)."""
    from safetensors import safe_open

    with safe_open(str(_checked_path(path)), framework="pt") as f:
        return dict(f.metadata() or {})


def load_model(path: str | Path | None = None) -> HookedTransformer:
    """The trained toy model, from ``path`` or the weights shipped with the package."""

    return load_parameters(new_model(seed=0), _checked_path(path), "toy", REGENERATE_COMMAND)
