"""The one registry mechanism: register, look up with a clear error, lazy module import."""

import sys

import pytest

from sae_core.registry import Registry


def test_register_and_get_keep_the_function_and_order():
    reg = Registry("widget")

    @reg.register("b")
    def b():
        return "b"

    reg.register("a", make_entry=lambda f: ("spec", f))(lambda: "a")
    assert b() == "b" and reg.get("b") is b
    assert reg.get("a")[0] == "spec"
    assert reg.names() == ["b", "a"]


def test_unknown_name_names_the_kind_and_choices():
    reg = Registry("widget")
    reg.add("knob", 1)
    with pytest.raises(KeyError, match="unknown widget 'nope'; available widgets: knob"):
        reg.get("nope")


def test_a_name_is_registered_once_and_can_be_removed():
    reg = Registry("widget")
    reg.add("knob", 1)
    with pytest.raises(ValueError, match="widget 'knob' is registered twice"):
        reg.add("knob", 2)
    reg.remove("knob")
    reg.remove("knob")  # absent: no error
    assert reg.names() == []


def test_modules_are_imported_on_first_read_only(tmp_path, monkeypatch):
    reg = Registry("widget", modules=["_toy_widgets"])
    (tmp_path / "_toy_widgets.py").write_text(
        "from tests.unit.test_registry import REGISTRY\nREGISTRY.add('from-module', 1)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys.modules[__name__], "REGISTRY", reg, raising=False)
    monkeypatch.delitem(sys.modules, "_toy_widgets", raising=False)
    assert "_toy_widgets" not in sys.modules  # constructing the registry imports nothing
    assert reg.get("from-module") == 1
    assert "_toy_widgets" in sys.modules and reg.names() == ["from-module"]
    monkeypatch.delitem(sys.modules, "_toy_widgets")


def test_task_method_and_figure_registries_share_the_mechanism():
    from sae_core.figure_builders import FIGURES
    from sae_core.methods.registry import METHODS
    from sae_core.tasks.registry import TASKS

    assert all(isinstance(r, Registry) for r in (TASKS, METHODS, FIGURES))
    with pytest.raises(KeyError, match="unknown task 'nope'; available tasks: .*tracr-sort"):
        TASKS.get("nope")
