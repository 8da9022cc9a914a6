"""weights_available / default_model_source: the notebooks' pretrained-or-stand-in choice."""

from sae_core.models.pretrained import default_model_source, weights_available
from tests.fixtures.hub_cache import write_repo

GPT2_TOKENIZER = {"vocab.json": b"{}", "merges.txt": b""}


def _snapshot(hub, repo, *filenames):
    # placeholder files in the hub's layout: availability looks at files, not contents
    write_repo(hub, repo, dict.fromkeys(filenames, b""))


def test_empty_cache_means_random_stand_in(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert not weights_available("gpt2")
    assert default_model_source("gpt2") == "random"


def test_cached_weights_mean_pretrained(monkeypatch, tmp_path):
    hub = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    _snapshot(hub, "openai-community/gpt2", "model.safetensors", "config.json", *GPT2_TOKENIZER)
    assert weights_available("gpt2")
    assert default_model_source("gpt2") == "pretrained"


def test_separate_tokenizer_is_needed_too(monkeypatch, tmp_path):
    hub = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    _snapshot(hub, "NeelNanda/Attn_Only_4L512W_C4_Code", "model_final.pth", "config.json")
    assert not weights_available("attn-only-4l")
    _snapshot(hub, "NeelNanda/gpt-neox-tokenizer-digits", "tokenizer.json")
    assert default_model_source("attn-only-4l") == "pretrained"


def test_weights_without_config_or_tokenizer_are_not_available(monkeypatch, tmp_path):
    hub = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    _snapshot(hub, "gpt2", "model.safetensors", "config.json")  # no vocab.json, merges.txt
    assert default_model_source("gpt2") == "random"
    _snapshot(hub, "gpt2", "model.safetensors", *GPT2_TOKENIZER)  # refs/main: no config
    assert not weights_available("gpt2")
    _snapshot(hub, "gpt2", "pytorch_model.bin", "config.json", *GPT2_TOKENIZER)
    assert weights_available("gpt2")
