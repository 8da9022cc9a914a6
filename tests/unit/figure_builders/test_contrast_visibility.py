"""The visibility figures: registered, drawn from the JSON when it exists, the sweep run
and its JSON written when it does not, and a fast mode that never touches the JSON."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import pytest

from sae_core.experiments import visibility as vis
from sae_core.figure_builders import FIGURES, FigureContext
from sae_core.figure_builders import contrast_visibility as builder
from sae_core.records import write_json_atomic
from tests.unit.experiments.test_visibility import TINY
from tests.unit.plots.test_contrast import synthetic_result

NAMES = ("contrast_visibility", "contrast_visibility_pooling", "contrast_visibility_strength",
         "contrast_visibility_hist")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in an empty folder, so figures/contrast_visibility.json is the test's own."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_figures_are_registered():
    for name in NAMES:
        assert FIGURES.get(name).builder is not None


@pytest.mark.parametrize("name", NAMES)
def test_full_settings_draw_from_the_json(in_tmp, monkeypatch, name):
    result = synthetic_result()
    json_path = builder.HIST_JSON if name.endswith("hist") else builder.RESULT_JSON
    result.write(in_tmp / json_path)

    def no_sweep(*args, **kwargs):
        raise AssertionError("the JSON exists: no sweep should run")

    monkeypatch.setattr(vis, "run_visibility", no_sweep)
    out = FIGURES.get(name).builder(FigureContext(fast=False))
    assert out.model_source == "compiled"
    assert out.notes["source"] == str(json_path)
    assert "minimal" in out.notes["sweep"]
    if name == "contrast_visibility":
        assert out.figure._suptitle.get_text().startswith(vis.headline(result))


def test_full_settings_run_the_sweep_and_write_the_json(in_tmp, monkeypatch):
    tiny = dataclasses.replace(TINY, fractions=(0.0,), strengths=(), methods=("hisp",),
                               seeds=(0,))
    monkeypatch.setattr(builder, "full_settings", lambda ctx: tiny)
    out = builder.contrast_visibility(FigureContext(fast=False, cache_dir=str(in_tmp / "rows")))
    back = vis.VisibilityResult.read(in_tmp / builder.RESULT_JSON)
    assert len(back.rows) == 1 and back.rows["method"].item() == "hisp"
    assert list((in_tmp / "rows").glob("hisp.*.json"))  # kept rows, for a resumed run
    assert out.model_source == "compiled" and out.notes["source"].startswith("computed")


@pytest.mark.slow
def test_fast_mode_runs_a_tiny_sweep_and_writes_no_json(in_tmp):
    out = builder.contrast_visibility(FigureContext(fast=True, seeds=(0,)))
    assert not (in_tmp / builder.RESULT_JSON).exists()
    assert out.figure.axes and out.model_source == "compiled"


def test_the_hist_curve_targets_hist_and_says_so(in_tmp, monkeypatch):
    ctx = FigureContext(fast=False, seeds=(0, 1))
    settings = builder.hist_settings(ctx)
    assert settings.task_options == {"program": "hist"}
    assert "acdc" not in settings.methods and settings.strengths == ()
    assert vis.task_options(settings, 0.5, 1.0, 1)["program"] == "hist"
    payload = synthetic_result().to_dict()
    payload["settings"]["task_options"] = {"program": "hist"}
    write_json_atomic(in_tmp / builder.HIST_JSON, payload)
    out = builder.contrast_visibility_hist(ctx)
    assert any("tracr hist among random distractor heads" in t.get_text()
               for t in out.figure.texts)
