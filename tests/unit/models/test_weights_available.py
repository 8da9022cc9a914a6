"""weights_available / default_model_source: the notebooks' pretrained-or-stand-in choice."""

from sae_core.models.pretrained import default_model_source, weights_available


def _snapshot(hub, repo, filename):
    snap = hub / f"models--{repo.replace('/', '--')}" / "snapshots" / "abc"
    snap.mkdir(parents=True)
    (snap / filename).write_bytes(b"")


def test_empty_cache_means_random_stand_in(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert not weights_available("gpt2")
    assert default_model_source("gpt2") == "random"


def test_cached_weights_mean_pretrained(monkeypatch, tmp_path):
    hub = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    _snapshot(hub, "openai-community/gpt2", "model.safetensors")
    assert weights_available("gpt2")
    assert default_model_source("gpt2") == "pretrained"


def test_separate_tokenizer_is_needed_too(monkeypatch, tmp_path):
    hub = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    _snapshot(hub, "NeelNanda/Attn_Only_4L512W_C4_Code", "model_final.pth")
    assert not weights_available("attn-only-4l")
    _snapshot(hub, "NeelNanda/gpt-neox-tokenizer-digits", "tokenizer.json")
    assert default_model_source("attn-only-4l") == "pretrained"
