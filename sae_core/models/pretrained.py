"""The one place that loads language models: a published checkpoint, or a random stand-in.

``load_model(name, model_source="pretrained")`` loads a checkpoint through TransformerLens
from the local Hugging Face cache only: the hub is never contacted (offline mode is forced
for the call), and a missing checkpoint raises FileNotFoundError naming the fix.

``load_model(name, model_source="random")`` builds the same architecture with random,
seeded weights from a config written in this file (:data:`ARCHITECTURES`): no download,
no hub call. Numbers made with it are never the paper's (``Task.is_stand_in``). The
configs were copied from the published Hugging Face configs through TransformerLens's
``convert_hf_model_config`` / ``convert_neel_model_config`` (transformer-lens 2.18).
Random stand-ins have no tokenizer; :mod:`sae_core.models.tokenizers` supplies the GPT-2 BPE.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformer_lens import HookedTransformer, HookedTransformerConfig

MODEL_NAMES = (
    "gpt2",
    "gpt2-medium",
    "gpt2-large",
    "gpt2-xl",
    "attn-only-4l",
    "pythia-160m",
    "opt-125m",
)

HF_REPOS: dict[str, tuple[str, ...]] = {
    # TransformerLens's official name first, then other ids the same files are cached under.
    "gpt2": ("gpt2", "openai-community/gpt2"),
    "gpt2-medium": ("gpt2-medium", "openai-community/gpt2-medium"),
    "gpt2-large": ("gpt2-large", "openai-community/gpt2-large"),
    "gpt2-xl": ("gpt2-xl", "openai-community/gpt2-xl"),
    "attn-only-4l": ("NeelNanda/Attn_Only_4L512W_C4_Code",),
    "pythia-160m": ("EleutherAI/pythia-160m",),
    "opt-125m": ("facebook/opt-125m",),
}
"""Hugging Face repositories whose cached snapshot holds each model's weights."""

TOKENIZER_REPOS: dict[str, str] = {
    # Only where the tokenizer lives in another repository than the weights.
    "attn-only-4l": "NeelNanda/gpt-neox-tokenizer-digits",
}


def _gpt2(n_layers: int, d_model: int, n_heads: int) -> dict[str, Any]:
    # GPT2LMHeadModel: learned absolute positions, pre-LN, gelu_new, 4x MLP, 50257 tokens.
    return {
        "n_layers": n_layers,
        "d_model": d_model,
        "n_heads": n_heads,
        "d_head": d_model // n_heads,
        "d_mlp": 4 * d_model,
        "d_vocab": 50257,
        "n_ctx": 1024,
        "act_fn": "gelu_new",
        "normalization_type": "LN",
        "eps": 1e-5,
        "positional_embedding_type": "standard",
        "original_architecture": "GPT2LMHeadModel",
    }


ARCHITECTURES: dict[str, dict[str, Any]] = {
    "gpt2": _gpt2(12, 768, 12),
    "gpt2-medium": _gpt2(24, 1024, 16),
    "gpt2-large": _gpt2(36, 1280, 20),
    "gpt2-xl": _gpt2(48, 1600, 25),
    # NeelNanda/Attn_Only_4L512W_C4_Code config.json: attention only (no MLPs; d_mlp and
    # act_fn are unused), shortformer positions (added to queries and keys only), LN,
    # the 48262-token gpt-neox-tokenizer-digits vocabulary.
    "attn-only-4l": {
        "n_layers": 4,
        "d_model": 512,
        "n_heads": 8,
        "d_head": 64,
        "d_mlp": 2048,
        "d_vocab": 48262,
        "n_ctx": 1024,
        "act_fn": "solu_ln",
        "attn_only": True,
        "normalization_type": "LN",
        "positional_embedding_type": "shortformer",
        "original_architecture": "neel",
    },
    # GPTNeoXForCausalLM: parallel attention + MLP, rotary on 25% of each head
    # (rotary_pct 0.25 -> rotary_dim 16, NeoX half-split pairs), untied unembedding.
    "pythia-160m": {
        "n_layers": 12,
        "d_model": 768,
        "n_heads": 12,
        "d_head": 64,
        "d_mlp": 3072,
        "d_vocab": 50304,
        "n_ctx": 2048,
        "act_fn": "gelu",
        "normalization_type": "LN",
        "eps": 1e-5,
        "parallel_attn_mlp": True,
        "positional_embedding_type": "rotary",
        "rotary_dim": 16,
        "rotary_adjacent_pairs": False,
        "rotary_base": 10000,
        "original_architecture": "GPTNeoXForCausalLM",
    },
    # OPTForCausalLM: learned positions (HF's 2 offset rows dropped by TransformerLens),
    # ReLU MLP, 50272 tokens.
    "opt-125m": {
        "n_layers": 12,
        "d_model": 768,
        "n_heads": 12,
        "d_head": 64,
        "d_mlp": 3072,
        "d_vocab": 50272,
        "n_ctx": 2048,
        "act_fn": "relu",
        "normalization_type": "LN",
        "eps": 1e-5,
        "positional_embedding_type": "standard",
        "original_architecture": "OPTForCausalLM",
    },
}
"""HookedTransformerConfig fields of each model, as TransformerLens builds them."""

GET_WEIGHTS_HINT = (
    "run once on a machine with internet access: "
    "python -c \"from transformer_lens import HookedTransformer; "
    "HookedTransformer.from_pretrained('{name}')\" "
    "(and copy its Hugging Face cache here), or use model_source='random' for a "
    "random-weight stand-in of the same architecture"
)


def _check_name(name: str) -> None:
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")


def architecture_config(
    name: str, *, seed: int | None = 0, device: str = "cpu"
) -> HookedTransformerConfig:
    """The HookedTransformerConfig of ``name`` (no hub call); ``seed`` seeds the init."""
    _check_name(name)
    return HookedTransformerConfig(
        **ARCHITECTURES[name], model_name=name, seed=seed, device=device, init_weights=True
    )


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, resolved from the environment at call time.

    ``HF_HUB_CACHE``, else ``HF_HOME/hub``, else ``XDG_CACHE_HOME/huggingface/hub``, else
    ``~/.cache/huggingface/hub`` (huggingface_hub's own order).
    """
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "huggingface" / "hub"


_WEIGHT_GLOBS = ("*.safetensors", "*.bin", "*.pth", "*.safetensors.index.json")


def _cached_snapshot(repo_id: str, cache: Path, *, need_weights: bool) -> Path | None:
    snapshots = cache / f"models--{repo_id.replace('/', '--')}" / "snapshots"
    if not snapshots.is_dir():
        return None
    for snap in sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        if not need_weights or any(any(snap.glob(g)) for g in _WEIGHT_GLOBS):
            return snap
    return None


def find_cached_model(name: str) -> tuple[str, Path] | None:
    """``(repo_id, snapshot_dir)`` of ``name``'s cached weights, or None if absent."""
    _check_name(name)
    cache = hf_cache_dir()
    for repo in HF_REPOS[name]:
        snap = _cached_snapshot(repo, cache, need_weights=True)
        if snap is not None:
            return repo, snap
    return None


@contextlib.contextmanager
def _hub_offline(local_repo: str | None = None, snapshot: Path | None = None) -> Iterator[None]:
    """Force Hugging Face offline mode for the duration, so nothing waits on the network.

    huggingface_hub and transformers read HF_HUB_OFFLINE at import, so the env var alone is
    not enough once they are imported: their flags are patched too, and restored after.
    TransformerLens lists the files of NeelNanda repositories with ``HfApi`` (a network
    call even when cached); for ``local_repo`` that listing is served from ``snapshot``.
    """
    import huggingface_hub.constants as hub_constants
    import transformer_lens.loading_from_pretrained as tl_loading
    import transformers.utils.hub as tf_hub

    saved_env = os.environ.get("HF_HUB_OFFLINE")
    saved = (hub_constants.HF_HUB_OFFLINE, tf_hub._is_offline_mode, tl_loading.HfApi)

    class _LocalApi:
        def list_repo_files(self, repo_id: str, **_: Any) -> list[str]:
            if snapshot is None or repo_id != local_repo:
                raise FileNotFoundError(f"{repo_id} is not in the local cache")
            return [str(p.relative_to(snapshot)) for p in snapshot.rglob("*") if p.is_file()]

    os.environ["HF_HUB_OFFLINE"] = "1"
    hub_constants.HF_HUB_OFFLINE = True
    tf_hub._is_offline_mode = True
    tl_loading.HfApi = _LocalApi
    try:
        yield
    finally:
        hub_constants.HF_HUB_OFFLINE, tf_hub._is_offline_mode, tl_loading.HfApi = saved
        if saved_env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = saved_env


@contextlib.contextmanager
def _isolated_rng() -> Iterator[None]:
    # TransformerLens seeds torch, random and numpy globally; keep the caller's streams.
    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


def load_model(
    name: str, model_source: str = "pretrained", device: str = "cpu", seed: int = 0
) -> HookedTransformer:
    """A HookedTransformer for ``name`` (one of :data:`MODEL_NAMES`), in eval mode.

    ``model_source="pretrained"``: the published weights from the local Hugging Face cache
    (see :func:`hf_cache_dir`), loaded offline; FileNotFoundError naming the model, the
    directory searched and how to get the weights when they are absent.
    ``model_source="random"``: the same architecture, random weights from ``seed``, no
    tokenizer (see :mod:`sae_core.models.tokenizers`).
    """
    _check_name(name)
    if model_source == "random":
        with _isolated_rng():
            model = HookedTransformer(architecture_config(name, seed=seed, device=device))
        return model.eval()
    if model_source != "pretrained":
        raise ValueError(
            f"model_source={model_source!r}; {name} can be 'pretrained' (local cache) or "
            "'random' (random-weight stand-in)"
        )
    found = find_cached_model(name)
    cache = hf_cache_dir()
    if found is None:
        raise FileNotFoundError(
            f"no cached weights for {name!r} (Hugging Face repo "
            f"{' or '.join(HF_REPOS[name])}) in {cache}; the hub is not contacted. To get "
            "them, " + GET_WEIGHTS_HINT.format(name=name)
        )
    repo, snapshot = found
    tok_repo = TOKENIZER_REPOS.get(name)
    if tok_repo is not None and _cached_snapshot(tok_repo, cache, need_weights=False) is None:
        raise FileNotFoundError(
            f"{name!r} needs the tokenizer {tok_repo}, which is not in {cache}; "
            + GET_WEIGHTS_HINT.format(name=name)
        )
    with _hub_offline(repo, snapshot):
        model = HookedTransformer.from_pretrained(HF_REPOS[name][0], device=device)
    return model.eval()


def weights_available(name: str) -> bool:
    """Whether ``name``'s published weights (and tokenizer, where separate) are cached here.

    Looks in the local Hugging Face cache only (:func:`hf_cache_dir`); never calls the hub.
    True means ``load_model(name, "pretrained")`` can load them offline.
    """
    if find_cached_model(name) is None:
        return False
    tok_repo = TOKENIZER_REPOS.get(name)
    if tok_repo is None:
        return True
    return _cached_snapshot(tok_repo, hf_cache_dir(), need_weights=False) is not None


def default_model_source(name: str) -> str:
    """``"pretrained"`` when :func:`weights_available` for ``name``, else ``"random"``.

    ``"random"`` means a random-weight stand-in: numbers made with it are never the paper's.
    """
    return "pretrained" if weights_available(name) else "random"
