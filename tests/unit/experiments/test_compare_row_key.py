"""compare's cache key sees the task builder's defaults, so a changed default (the tracr
tasks' contrast became "minimal") never reuses rows built under the old one."""

from sae_core.experiments import compare
from sae_core.methods.config import HISPConfig
from sae_core.tasks import registry


def _key(options, name="tracr-sort"):
    return compare.row_key(name, options, "hisp", HISPConfig(), ())


def test_the_default_and_the_same_option_given_share_a_key():
    assert _key(None) == _key({"contrast": "minimal"}) == _key({"seed": 0})
    assert _key(None) != _key({"contrast": "rearranged"})
    assert _key(None, "multitask-2x16") == _key({"contrast": "minimal"}, "multitask-2x16")


def test_a_changed_builder_default_is_a_new_key(monkeypatch):
    before = _key(None)
    real = registry.builder_defaults

    def old_default(name):
        return {**real(name), "contrast": "rearranged"}

    monkeypatch.setattr(compare, "builder_defaults", old_default)
    assert _key(None) != before
    assert _key(None) == _key({"contrast": "rearranged"})
