"""Language models by name: a published checkpoint, or a random stand-in; small models by config.

``load_model(name, model_source="pretrained")`` loads a checkpoint through TransformerLens
from the local Hugging Face cache only: the hub is never contacted (offline mode is forced
for the call). The snapshot is resolved as huggingface_hub resolves it (``refs/main``,
under any of the repo ids in :data:`HF_REPOS`; see :mod:`sae_core.models.hub`) and read by
path. ``load_pretrained(name)`` returns the model with its
:class:`~sae_core.models.hub.ModelProvenance` (repo, commit, SHA-256 of every file read);
``weights_report()`` says, per paper model, whether its files are cached, where, and their
hashes; ``load_model_with_provenance`` is what the task builders call. A missing,
partial or truncated checkpoint raises HubCacheError (a
FileNotFoundError) naming the file and the fix.

``load_model(name, model_source="random")`` builds the same architecture with random,
seeded weights from a config written in this file (:data:`ARCHITECTURES`): no download,
no hub call. Numbers made with it are never the paper's (``Task.is_stand_in``). The
configs were copied from the published Hugging Face configs through TransformerLens's
``convert_hf_model_config`` / ``convert_neel_model_config`` (transformer-lens 2.18).
Random stand-ins have no tokenizer; :mod:`sae_core.models.tokenizers` supplies the GPT-2 BPE.

``model_from_config(**fields)`` builds a small random-weight model from config fields
(tests, warm-up runs). Every HookedTransformer the package builds is built in
:mod:`sae_core.models`: here, in :mod:`~sae_core.models.tracr_compile` and in
:mod:`~sae_core.models.induction_toy`.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from sae_core.compat import has_hooked_transformer, require_hooked_transformer
from sae_core.models.build import build_model, config_from_fields
from sae_core.models.hub import (
    HubCacheError,
    ModelProvenance,
    Snapshot,
    download_command,
    file_records,
    hf_cache_dir,
    repo_dir,
    resolve_snapshot,
    why_unresolved,
)

if TYPE_CHECKING:  # pragma: no cover
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
    "run `huggingface-cli download {repo} ...` once on a machine with internet access "
    "(README, \"The paper's tasks on GPT-2 and attn-only-4l\", lists the exact files "
    "for {name}) and copy its Hugging Face cache here (`sae-core weights` checks it), or "
    "use model_source='random' for a random-weight stand-in of the same architecture"
)


def _check_name(name: str) -> None:
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")


def architecture_config(
    name: str, *, seed: int | None = 0, device: str = "cpu"
) -> HookedTransformerConfig:
    """The HookedTransformerConfig of ``name`` (no hub call); ``seed`` seeds the init."""
    _check_name(name)
    return config_from_fields(
        **ARCHITECTURES[name], model_name=name, seed=seed, device=device, init_weights=True
    )



def model_from_config(*, seed: int = 0, device: str = "cpu", **fields: Any) -> HookedTransformer:
    """A random-weight HookedTransformer from HookedTransformerConfig ``fields`` (no hub call).

    For small models named by their shape alone (tests, warm-up runs), e.g.
    ``model_from_config(n_layers=2, n_heads=4, d_model=32, d_head=8, d_mlp=64, d_vocab=50,
    n_ctx=16, act_fn="gelu_new", normalization_type="LN")``. ``seed`` seeds the init (as
    TransformerLens does it, through the global RNGs). Not in eval mode: call ``.eval()``
    where it matters. On TransformerLens >= 4 (no HookedTransformer) the in-house
    :class:`~sae_core.models.lean_transformer.LeanTransformer`, same names and numbers.
    """
    return build_model(**fields, seed=seed, device=device)

_HF_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")  # transformers' preference
_NEEL_WEIGHTS = "final.pth"  # TransformerLens loads the first repo file ending so
_CONFIG_FILE = "config.json"

_BPE_FILES = ("vocab.json", "merges.txt")  # GPT-2's byte-level BPE (OPT's too)
TOKENIZER_FILES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "opt-125m"), _BPE_FILES),
    "attn-only-4l": ("tokenizer.json",),
    "pythia-160m": ("tokenizer.json",),
}
"""Tokenizer files each model's tokenizer cannot load without (others are recorded too)."""

_OTHER_TOKENIZER_FILES = (
    "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "added_tokens.json",
)  # fmt: skip


def _is_neel(name: str) -> bool:
    # NeelNanda's repositories hold a TransformerLens state dict, not a Hugging Face model.
    return HF_REPOS[name][0].startswith("NeelNanda/")


def _resolve(name: str, cache: Path) -> tuple[Snapshot, Snapshot]:
    """(weights snapshot, tokenizer snapshot) of ``name``, as huggingface_hub resolves them."""
    found = None
    for repo in HF_REPOS[name]:
        found = resolve_snapshot(repo, cache)
        if found is not None:
            break
    if found is None:
        reasons = "; ".join(why_unresolved(repo, cache) for repo in HF_REPOS[name])
        raise HubCacheError(
            f"no cached weights for {name!r} (Hugging Face repo "
            f"{' or '.join(HF_REPOS[name])}) in {cache} ({reasons}); the hub is not "
            "contacted. To get them, "
            + GET_WEIGHTS_HINT.format(name=name, repo=HF_REPOS[name][0])
        )
    tok_repo = TOKENIZER_REPOS.get(name)
    if tok_repo is None:
        return found, found
    tok = resolve_snapshot(tok_repo, cache)
    if tok is None:
        raise HubCacheError(
            f"{name!r} needs the tokenizer {tok_repo}, which is not usable in {cache} "
            f"({why_unresolved(tok_repo, cache)}); "
            + GET_WEIGHTS_HINT.format(name=name, repo=tok_repo)
        )
    return found, tok


def _weight_file(name: str, snap: Snapshot) -> str:
    """The weight file (relative to the snapshot) the loader reads, checked complete."""
    if _is_neel(name):
        names = sorted(
            str(p.relative_to(snap.path))
            for p in snap.path.rglob("*")
            if p.name.endswith(_NEEL_WEIGHTS)
        )
        wanted = f"*{_NEEL_WEIGHTS}"
        fix = f'{download_command(snap.repo_id)} --include "{wanted}"'
    else:
        names = [n for n in _HF_WEIGHT_FILES if os.path.lexists(snap.path / n)]
        wanted, fix = _HF_WEIGHT_FILES[0], download_command(snap.repo_id, _HF_WEIGHT_FILES[:1])
    snap.file(names[0] if names else wanted, fix=fix)
    return names[0]


def _tokenizer_files(name: str, tok: Snapshot) -> tuple[str, ...]:
    """The tokenizer files of ``tok`` the loader reads: the required ones, checked complete,
    and whichever others are cached."""
    required = TOKENIZER_FILES[name]
    for file in required:
        tok.file(file)
    others = tuple(
        f for f in _OTHER_TOKENIZER_FILES if f not in required and (tok.path / f).is_file()
    )
    return required + others


def _check_readable(snap: Snapshot, rel: str) -> None:
    # A truncated download keeps its name; read its header so it fails here, by name.
    path = snap.file(rel)
    fix = (
        f"delete {path.resolve()} and download it again: "
        + download_command(snap.repo_id, (rel,))
    )
    if rel.endswith(".safetensors"):
        from safetensors import SafetensorError, safe_open

        try:
            with safe_open(str(path), framework="pt") as f:
                f.keys()
        except (SafetensorError, OSError) as err:
            raise HubCacheError(
                f"{rel} of {snap.repo_id} is truncated or corrupt ({err}); {fix}"
            ) from None
        return
    with path.open("rb") as f:
        zipped = f.read(2) == b"PK"  # torch >= 1.6 checkpoints are zip archives
    if path.stat().st_size == 0 or (zipped and not zipfile.is_zipfile(path)):
        raise HubCacheError(f"{rel} of {snap.repo_id} is truncated or corrupt; {fix}")


def cached_provenance(name: str, cache: Path | None = None) -> ModelProvenance:
    """Which cached files ``load_pretrained(name)`` reads, with their SHA-256 (no loading).

    ``cache`` defaults to :func:`hf_cache_dir`. HubCacheError (a FileNotFoundError) naming
    the file and the fix when something is missing, partial or unresolved.
    """
    _check_name(name)
    cache = hf_cache_dir() if cache is None else cache
    snap, tok = _resolve(name, cache)
    weights = _weight_file(name, snap)
    return ModelProvenance(
        model=name,
        repo_id=snap.repo_id,
        commit=snap.commit,
        weights=file_records(snap, (weights,)),
        config=file_records(snap, (_CONFIG_FILE,))[0],
        tokenizer_repo=tok.repo_id,
        tokenizer_commit=tok.commit,
        tokenizer_files=file_records(tok, _tokenizer_files(name, tok)),
        cache=str(cache),
    )


def find_cached_model(name: str) -> tuple[str, Path] | None:
    """``(repo_id, snapshot_dir)`` of ``name``'s cached weights, or None if not usable.

    The snapshot is the one ``refs/main`` names (as huggingface_hub resolves it), in the
    first of :data:`HF_REPOS` that has one, and must hold the config and a complete weight
    file; a separate tokenizer is not checked here (see :func:`weights_available`).
    """
    _check_name(name)
    cache = hf_cache_dir()
    for repo in HF_REPOS[name]:
        snap = resolve_snapshot(repo, cache)
        if snap is None:
            continue
        try:
            _weight_file(name, snap)
            snap.file(_CONFIG_FILE)
        except HubCacheError:
            return None
        return repo, snap.path
    return None


@contextlib.contextmanager
def _hub_offline(local_repo: str | None = None, snapshot: Path | None = None) -> Iterator[None]:
    """Force Hugging Face offline mode for the duration, so nothing waits on the network.

    huggingface_hub and transformers read HF_HUB_OFFLINE at import, so the env var alone is
    not enough once they are imported: their flags are patched too, and restored after.
    huggingface_hub's flag is ``constants.HF_HUB_OFFLINE`` (transformers 5 asks
    huggingface_hub's ``is_offline_mode``, which reads it); transformers 4 keeps its own
    copy, ``transformers.utils.hub._is_offline_mode``, patched where it exists.
    TransformerLens lists the files of NeelNanda repositories with ``HfApi`` (a network
    call even when cached); for ``local_repo`` that listing is served from ``snapshot``
    (sorted, so TransformerLens picks the same ``*final.pth`` as :func:`cached_provenance`).
    """
    import huggingface_hub.constants as hub_constants
    import transformers.utils.hub as tf_hub

    tl_loading = _tl_loading_module()
    patches: list[tuple[Any, str, Any]] = [(hub_constants, "HF_HUB_OFFLINE", True)]
    if hasattr(tf_hub, "_is_offline_mode"):  # transformers 4.x
        patches.append((tf_hub, "_is_offline_mode", True))

    class _LocalApi:
        def list_repo_files(self, repo_id: str, **_: Any) -> list[str]:
            if snapshot is None or repo_id != local_repo:
                raise FileNotFoundError(f"{repo_id} is not in the local cache")
            return sorted(str(p.relative_to(snapshot)) for p in snapshot.rglob("*") if p.is_file())

    if tl_loading is not None and hasattr(tl_loading, "HfApi"):
        patches.append((tl_loading, "HfApi", _LocalApi))

    saved_env = os.environ.get("HF_HUB_OFFLINE")
    saved = [(obj, attr, getattr(obj, attr)) for obj, attr, _ in patches]
    os.environ["HF_HUB_OFFLINE"] = "1"
    for obj, attr, value in patches:
        setattr(obj, attr, value)
    try:
        yield
    finally:
        for obj, attr, value in saved:
            setattr(obj, attr, value)
        if saved_env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = saved_env


def _tl_loading_module() -> Any:
    """``transformer_lens.loading_from_pretrained`` where it exists (every version so far)."""
    try:
        return importlib.import_module("transformer_lens.loading_from_pretrained")
    except ImportError:
        return None


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


def _from_hf_snapshot(name: str, snap: Snapshot, tokenizer: Any, device: str) -> HookedTransformer:
    """``HookedTransformer.from_pretrained(name)`` with its default arguments, every file read
    from ``snap`` by path (so a cache under another repo id, or another cache dir, works)."""
    import transformer_lens.loading_from_pretrained as loading
    from transformer_lens import HookedTransformer
    from transformers import AutoModelForCausalLM

    dtype = torch.float32
    hf_model = AutoModelForCausalLM.from_pretrained(
        str(snap.path), dtype=dtype, local_files_only=True
    )
    cfg = loading.get_pretrained_model_config(
        str(snap.path), hf_cfg=hf_model.config.to_dict(), fold_ln=True, device=device,
        dtype=dtype,
    )  # fmt: skip
    cfg.model_name = HF_REPOS[name][0].split("/")[-1]  # as from_pretrained names it
    cfg.tokenizer_name = HF_REPOS[name][0]
    state_dict = loading.get_pretrained_state_dict(str(snap.path), cfg, hf_model, dtype=dtype)
    model = HookedTransformer(cfg, tokenizer, move_to_device=False, default_padding_side="right")
    model.load_and_process_state_dict(
        state_dict, fold_ln=True, center_writing_weights=True, center_unembed=True,
        fold_value_biases=True, refactor_factored_attn_matrices=False,
    )  # fmt: skip
    model.move_model_modules_to_device()
    return model


def _bridge_from_snapshot(name: str, snap: Snapshot, tokenizer: Any, device: str) -> Any:
    """TransformerLens >= 4: ``TransformerBridge`` over the Hugging Face model in ``snap``, in
    compatibility mode (HookedTransformer's weight processing, hook names and shapes).

    Outputs equal :func:`_from_hf_snapshot`'s to float32 rounding (the bridge runs the
    Hugging Face modules; ``tests/integration/test_pretrained_versions.py``).
    """
    from transformer_lens.model_bridge import TransformerBridge
    from transformers import AutoModelForCausalLM

    hf_model = AutoModelForCausalLM.from_pretrained(
        str(snap.path), dtype=torch.float32, local_files_only=True
    )
    bridge = TransformerBridge.boot_transformers(
        HF_REPOS[name][0], hf_model=hf_model, tokenizer=tokenizer, device=device,
        dtype=torch.float32,
    )  # fmt: skip
    bridge.enable_compatibility_mode()
    return bridge


def load_pretrained(name: str, device: str = "cpu") -> tuple[HookedTransformer, ModelProvenance]:
    """``name``'s published weights from the local hub cache, in eval mode, and their record.

    The cache (:func:`hf_cache_dir`) is resolved once, now; the snapshot is the one
    ``refs/main`` names, under any of :data:`HF_REPOS` (e.g. ``gpt2`` or
    ``openai-community/gpt2``); every file is read from that snapshot by path, offline.
    The model equals ``HookedTransformer.from_pretrained(name)`` (default processing),
    with the tokenizer of :data:`TOKENIZER_REPOS` where separate. The
    :class:`~sae_core.models.hub.ModelProvenance` names the repo, commit and SHA-256 of
    every weight, config and tokenizer file read. HubCacheError (a FileNotFoundError)
    naming the file and the fix when the cache lacks them or holds a partial or
    truncated download.
    """
    from transformers import AutoTokenizer

    _check_name(name)
    cache = hf_cache_dir()
    provenance = cached_provenance(name, cache)  # HubCacheError first: what is missing
    if _is_neel(name):
        require_hooked_transformer(
            f"pretrained {name}",
            "its checkpoint is a HookedTransformer state dict (shortformer positions), which "
            "only HookedTransformer.from_pretrained loads; TransformerBridge needs a Hugging "
            "Face model (model_source='random' works on every version)",
        )
    snap, tok = _resolve(name, cache)
    _check_readable(snap, provenance.weights[0].name)
    with _hub_offline(snap.repo_id, snap.path):
        # As HookedTransformer.__init__ loads a tokenizer by name, here by path.
        tokenizer = AutoTokenizer.from_pretrained(
            str(tok.path), add_bos_token=True, use_fast=True, local_files_only=True
        )
        if _is_neel(name):
            from transformer_lens import HookedTransformer

            model = HookedTransformer.from_pretrained(
                HF_REPOS[name][0], device=device, tokenizer=tokenizer, cache_dir=str(cache),
                revision=snap.commit, local_files_only=True,
            )  # fmt: skip
        elif has_hooked_transformer():
            model = _from_hf_snapshot(name, snap, tokenizer, device)
        else:
            model = _bridge_from_snapshot(name, snap, tokenizer, device)
    return model.eval(), provenance


def load_model(
    name: str, model_source: str = "pretrained", device: str = "cpu", seed: int = 0
) -> HookedTransformer:
    """A HookedTransformer for ``name`` (one of :data:`MODEL_NAMES`), in eval mode.

    ``model_source="pretrained"``: the published weights from the local Hugging Face cache,
    loaded offline (see :func:`load_pretrained`, which also returns their provenance);
    HubCacheError (a FileNotFoundError) naming the model, the directory searched and how
    to get the weights when they are absent or incomplete.
    ``model_source="random"``: the same architecture, random weights from ``seed``, no
    tokenizer (see :mod:`sae_core.models.tokenizers`).
    """
    return load_model_with_provenance(name, model_source, device=device, seed=seed)[0]


def load_model_with_provenance(
    name: str, model_source: str = "pretrained", device: str = "cpu", seed: int = 0
) -> tuple[HookedTransformer, ModelProvenance | None]:
    """:func:`load_model` and the checkpoint's :class:`~sae_core.types.ModelProvenance`
    (None for ``model_source="random"``): what every task builder stores in ``Task``."""
    _check_name(name)
    if model_source == "random":
        with _isolated_rng():
            model = build_model(architecture_config(name, seed=seed, device=device))
        return model.eval(), None
    if model_source != "pretrained":
        raise ValueError(
            f"model_source={model_source!r}; {name} can be 'pretrained' (local cache) or "
            "'random' (random-weight stand-in)"
        )
    return load_pretrained(name, device=device)


def weights_available(name: str) -> bool:
    """Whether ``name``'s published weights (and tokenizer, where separate) are cached here.

    Looks in the local Hugging Face cache only (:func:`hf_cache_dir`); never calls the hub.
    True when the snapshot ``refs/main`` names holds the config, the weights and the
    tokenizer files, each a complete download; the content is checked on loading.
    """
    _check_name(name)
    cache = hf_cache_dir()
    try:
        snap, tok = _resolve(name, cache)
        _weight_file(name, snap)
        snap.file(_CONFIG_FILE)
        _tokenizer_files(name, tok)
    except HubCacheError:
        return False
    return True


def default_model_source(name: str) -> str:
    """``"pretrained"`` when :func:`weights_available` for ``name``, else ``"random"``.

    ``"random"`` means a random-weight stand-in: numbers made with it are never the paper's.
    """
    return "pretrained" if weights_available(name) else "random"


@dataclass(frozen=True)
class WeightsStatus:
    """Whether one paper model's weights are cached: ``detail`` says where, or why not;
    ``provenance`` lists the files and their SHA-256 (None when not available)."""

    model: str
    available: bool
    detail: str
    provenance: ModelProvenance | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "model": self.model,
            "available": self.available,
            "detail": self.detail,
            "provenance": None if self.provenance is None else self.provenance.to_dict(),
        }


def weights_report(names: tuple[str, ...] = MODEL_NAMES) -> tuple[WeightsStatus, ...]:
    """Per model in ``names``: whether its weights are in the local cache, where, and the
    SHA-256 of each file the loader would read (hashing large weights takes seconds)."""
    cache = hf_cache_dir()
    statuses = []
    for name in names:
        try:
            prov = cached_provenance(name, cache)
        except HubCacheError as err:
            statuses.append(WeightsStatus(name, False, str(err), None))
            continue
        where = str(repo_dir(prov.repo_id, cache) / "snapshots" / prov.commit)
        statuses.append(WeightsStatus(name, True, where, prov))
    return tuple(statuses)
