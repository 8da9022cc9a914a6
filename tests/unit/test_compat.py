"""sae_core.compat: the TransformerLens version, the moved key-value cache, clear refusals;
and the hub-offline switch of the pretrained loader on transformers 4 and 5."""

from __future__ import annotations

import importlib
import importlib.metadata
import sys

import pytest

from sae_core import compat


def test_major_version_is_the_installed_one():
    version = importlib.metadata.version("transformer-lens")
    assert compat.transformer_lens_major() == int(version.split(".")[0])
    assert compat.has_hooked_transformer() == (compat.transformer_lens_major() < 4)


def test_past_key_value_caching_importable_after_the_shim(monkeypatch):
    import transformer_lens

    monkeypatch.delitem(sys.modules, compat.OLD_KV_MODULE, raising=False)
    monkeypatch.delattr(transformer_lens, "HookedTransformerKeyValueCache", raising=False)
    registered = compat.ensure_past_key_value_caching()
    module = importlib.import_module(compat.OLD_KV_MODULE)
    cache_class = module.HookedTransformerKeyValueCache
    assert hasattr(cache_class, "init_cache")  # what auto-circuit calls
    if registered:  # 3.x/4.x: the names point at the moved classes
        new = importlib.import_module(compat.NEW_KV_MODULE)
        assert cache_class is new.TransformerLensKeyValueCache
        assert transformer_lens.HookedTransformerKeyValueCache is cache_class
        assert compat.ensure_past_key_value_caching() is False  # idempotent
    else:  # 2.x keeps the module itself
        assert compat.transformer_lens_major() < 3


def test_features_that_need_hooked_transformer_say_so_on_4x(monkeypatch):
    monkeypatch.setattr(compat, "transformer_lens_major", lambda: 4)
    with pytest.raises(RuntimeError, match=r"ACDC needs TransformerLens < 4.*because"):
        compat.require_hooked_transformer("ACDC", "because")
    monkeypatch.setattr(compat, "transformer_lens_major", lambda: 3)
    compat.require_hooked_transformer("ACDC", "because")  # no error


def test_baselines_and_pretrained_attn_only_refuse_4x_by_name(monkeypatch):
    from sae_core.methods import autocircuit
    from sae_core.models import pretrained

    monkeypatch.setattr(compat, "transformer_lens_major", lambda: 4)
    with pytest.raises(RuntimeError, match=r"auto-circuit baselines.*TransformerLens < 4"):
        autocircuit._auto_circuit()
    # the cache is checked first (a missing file is named before the version problem)
    monkeypatch.setattr(pretrained, "cached_provenance", lambda name, cache: None)
    with pytest.raises(RuntimeError, match=r"pretrained attn-only-4l needs TransformerLens < 4"):
        pretrained.load_pretrained("attn-only-4l")


def test_hub_offline_switches_transformers_offline_and_back(monkeypatch):
    import huggingface_hub.constants as hub_constants
    import transformers.utils.hub as tf_hub

    from sae_core.models.pretrained import _hub_offline

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    if hasattr(tf_hub, "_is_offline_mode"):  # transformers 4.x keeps its own flag
        monkeypatch.setattr(tf_hub, "_is_offline_mode", False)
    assert not tf_hub.is_offline_mode()
    with _hub_offline():
        assert tf_hub.is_offline_mode()  # what transformers 4 and 5 both ask
        assert hub_constants.HF_HUB_OFFLINE
    assert not tf_hub.is_offline_mode()
    assert "HF_HUB_OFFLINE" not in __import__("os").environ
