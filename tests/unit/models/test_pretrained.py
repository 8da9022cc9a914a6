"""sae_core.models.pretrained: written architectures match the published models;
missing weights fail clearly.

Parameter counts. TransformerLens keeps the unembedding untied (``W_U`` plus a bias
``b_U``) where Hugging Face ties GPT-2's and OPT's to the embedding, and it drops OPT's two
offset rows of position embeddings. So the expected TransformerLens count is the
published Hugging Face count (``model.num_parameters()``; model cards) plus those
differences, e.g. GPT-2 small: 124,439,808 + 768 * 50257 + 50257 = 163,087,441.
"""

from __future__ import annotations

import os
import random
import time

import numpy as np
import pytest
import torch

from sae_core.models import pretrained as models
from sae_core.models.pretrained import (
    ARCHITECTURES,
    HF_REPOS,
    MODEL_NAMES,
    architecture_config,
    load_model,
)
from tests.fixtures.hub_cache import write_repo

# Hugging Face parameter counts of the published checkpoints.
HF_N_PARAMS = {
    "gpt2": 124_439_808,
    "gpt2-medium": 354_823_168,
    "gpt2-large": 774_030_080,
    "gpt2-xl": 1_557_611_200,
    "pythia-160m": 162_322_944,  # untied embed_out, no output bias
    "opt-125m": 125_239_296,  # tied; 2050 position rows
}

# (n_layers, n_heads, d_model, d_head, d_vocab, n_ctx) of each published model.
SHAPES = {
    "gpt2": (12, 12, 768, 64, 50257, 1024),
    "gpt2-medium": (24, 16, 1024, 64, 50257, 1024),
    "gpt2-large": (36, 20, 1280, 64, 50257, 1024),
    "gpt2-xl": (48, 25, 1600, 64, 50257, 1024),
    "attn-only-4l": (4, 8, 512, 64, 48262, 1024),
    "pythia-160m": (12, 12, 768, 64, 50304, 2048),
    "opt-125m": (12, 12, 768, 64, 50272, 2048),
}


def tl_n_params(cfg) -> int:
    """TransformerLens's parameter count of a config, without building the model."""
    d, v = cfg.d_model, cfg.d_vocab
    n = v * d  # W_E
    if cfg.positional_embedding_type in ("standard", "shortformer"):
        n += cfg.n_ctx * d  # W_pos
    attn = 4 * cfg.n_heads * d * cfg.d_head + 3 * cfg.n_heads * cfg.d_head + d
    layer = attn + 2 * d  # + ln1
    if not cfg.attn_only:
        layer += 2 * d + 2 * d * cfg.d_mlp + cfg.d_mlp + d  # ln2 + MLP
    n += cfg.n_layers * layer + 2 * d  # + ln_final
    return n + d * v + v  # W_U, b_U


def expected_tl_n_params(name: str) -> int:
    cfg = architecture_config(name)
    d, v = cfg.d_model, cfg.d_vocab
    if name == "attn-only-4l":
        # No published HF count: W_E 24,710,144 + W_pos 524,288 + 4 x (attention 1,050,624
        # + ln1 1,024) + ln_final 1,024 + W_U 24,710,144 + b_U 48,262.
        return 54_200_454
    if name == "pythia-160m":
        return HF_N_PARAMS[name] + v  # + b_U
    if name == "opt-125m":
        return HF_N_PARAMS[name] - 2 * d + d * v + v
    return HF_N_PARAMS[name] + d * v + v  # GPT-2: untied W_U + b_U


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_config_shapes_match_published_models(name):
    cfg = architecture_config(name)
    got = (cfg.n_layers, cfg.n_heads, cfg.d_model, cfg.d_head, cfg.d_vocab, cfg.n_ctx)
    assert got == SHAPES[name]
    assert cfg.n_heads * cfg.d_head == cfg.d_model


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_config_parameter_count_matches_published_count(name):
    assert tl_n_params(architecture_config(name)) == expected_tl_n_params(name)


def test_architecture_details():
    pythia = architecture_config("pythia-160m")
    assert pythia.parallel_attn_mlp and pythia.positional_embedding_type == "rotary"
    assert pythia.rotary_dim == 16 and not pythia.rotary_adjacent_pairs
    aol = architecture_config("attn-only-4l")
    assert aol.attn_only and aol.positional_embedding_type == "shortformer"
    assert architecture_config("gpt2").act_fn == "gelu_new"
    assert architecture_config("opt-125m").act_fn == "relu"


@pytest.mark.parametrize("name", ["gpt2", "attn-only-4l"])
def test_random_model_has_published_parameter_count(name):
    model = load_model(name, model_source="random")
    assert sum(p.numel() for p in model.parameters()) == expected_tl_n_params(name)
    assert model.tokenizer is None
    assert not model.training


def test_random_model_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    random.seed(123)
    np.random.seed(123)
    expected = (torch.rand(1).item(), random.random(), np.random.rand())
    torch.manual_seed(123)
    random.seed(123)
    np.random.seed(123)
    a = load_model("attn-only-4l", model_source="random", seed=1)
    assert (torch.rand(1).item(), random.random(), np.random.rand()) == expected
    b = load_model("attn-only-4l", model_source="random", seed=1)
    c = load_model("attn-only-4l", model_source="random", seed=2)
    assert torch.equal(a.W_Q, b.W_Q)
    assert not torch.equal(a.W_Q, c.W_Q)


def _empty_hf_cache(monkeypatch, path):
    monkeypatch.setenv("HF_HUB_CACHE", str(path / "hub"))
    monkeypatch.setenv("HF_HOME", str(path))


@pytest.mark.parametrize("name", ["gpt2", "attn-only-4l", "pythia-160m"])
def test_missing_weights_raise_a_clear_error(monkeypatch, tmp_path, name):
    _empty_hf_cache(monkeypatch, tmp_path)
    with pytest.raises(FileNotFoundError) as err:
        load_model(name)
    msg = str(err.value)
    assert repr(name) in msg
    assert str(tmp_path / "hub") in msg
    assert f"huggingface-cli download {HF_REPOS[name][0]} " in msg
    assert "model_source='random'" in msg


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    assert models.hf_cache_dir() == tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "elsewhere"))
    assert models.hf_cache_dir() == tmp_path / "elsewhere"


def test_cached_snapshot_is_found(monkeypatch, tmp_path):
    _empty_hf_cache(monkeypatch, tmp_path)
    files = {"config.json": b"{}"}
    write_repo(tmp_path / "hub", "openai-community/gpt2", files)
    assert models.find_cached_model("gpt2") is None  # a snapshot without weights
    files["model.safetensors"] = b""
    snap = write_repo(tmp_path / "hub", "openai-community/gpt2", files)
    assert models.find_cached_model("gpt2") == ("openai-community/gpt2", snap)


def test_refs_main_decides_not_the_newest_snapshot(monkeypatch, tmp_path):
    _empty_hf_cache(monkeypatch, tmp_path)
    files = {"config.json": b"{}", "model.safetensors": b"a"}
    main = write_repo(tmp_path / "hub", "gpt2", files)
    ref = (main.parents[1] / "refs" / "main").read_text()
    newer = write_repo(tmp_path / "hub", "gpt2", {**files, "model.safetensors": b"b"})
    (main.parents[1] / "refs" / "main").write_text(ref)  # main still names the first
    os.utime(newer, (time.time() + 60, time.time() + 60))
    assert models.find_cached_model("gpt2") == ("gpt2", main)


def test_offline_mode_is_restored():
    import huggingface_hub.constants as hub_constants

    before = hub_constants.HF_HUB_OFFLINE
    with models._hub_offline():
        assert hub_constants.HF_HUB_OFFLINE is True
    assert hub_constants.HF_HUB_OFFLINE == before


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown model"):
        load_model("gpt5")
    with pytest.raises(ValueError, match="model_source"):
        load_model("gpt2", model_source="compiled")
    assert set(ARCHITECTURES) == set(MODEL_NAMES)
    assert set(models.HF_REPOS) == set(models.TOKENIZER_FILES) == set(MODEL_NAMES)
