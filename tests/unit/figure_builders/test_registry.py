"""The figure registry: builders are found, figures saved atomically, provenance recorded."""

import json

import matplotlib.pyplot as plt
import pytest

from sae_core import figure_builders as figures
from sae_core.cli import main


@pytest.fixture
def toy_figures():
    """Two throwaway builders, removed from the registry afterwards."""

    def good(ctx):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        ax.set_title(f"toy (random-weight stand-in), fast={ctx.fast}")
        return figures.FigureOutput(fig, model_source="random", notes={"n": 1})

    def unlabelled(ctx):
        fig, ax = plt.subplots()
        ax.set_title("toy")
        return figures.FigureOutput(fig, model_source="random")

    figures.register_figure("_toy_good", "a labelled stand-in figure")(good)
    figures.register_figure("_toy_unlabelled", "a stand-in figure without the label")(unlabelled)
    yield
    for name in ("_toy_good", "_toy_unlabelled"):
        figures.FIGURES.remove(name)


def test_every_figure_module_registers_something():
    names = figures.available_figures()
    assert "demo_auc" in names
    assert all(isinstance(d, str) and d for d in names.values())


def test_regenerate_writes_png_and_provenance(tmp_path, toy_figures):
    ctx = figures.FigureContext(fast=True)
    written = figures.regenerate(tmp_path, names=["_toy_good"], ctx=ctx)
    assert (tmp_path / "_toy_good.png").read_bytes()[:4] == b"\x89PNG"
    prov = json.loads((tmp_path / "PROVENANCE").read_text())
    entry = prov["_toy_good"]
    assert entry == written["_toy_good"]
    for key in ("command", "commit", "model_source", "device", "date", "seconds"):
        assert key in entry
    assert entry["model_source"] == "random" and entry["fast"] is True
    assert not list(tmp_path.glob(".*tmp"))


def test_provenance_keeps_other_entries(tmp_path, toy_figures):
    (tmp_path / "PROVENANCE").write_text(json.dumps({"older": {"file": "older.png"}}))
    figures.regenerate(tmp_path, names=["_toy_good"], progress=False)
    prov = json.loads((tmp_path / "PROVENANCE").read_text())
    assert set(prov) == {"older", "_toy_good"}


def test_provenance_keeps_entries_another_run_wrote_meanwhile(tmp_path, toy_figures):
    """Two `sae-core figures` runs at once: neither drops the other's records."""
    prov_path = tmp_path / "PROVENANCE"

    def builder_while_another_run_writes(ctx):
        prov_path.write_text(json.dumps({"other_run": {"file": "other_run.png"}}))
        fig, ax = plt.subplots()
        return figures.FigureOutput(fig, model_source="compiled")

    figures.register_figure("_toy_slow", "another run records a figure meanwhile")(
        builder_while_another_run_writes)
    try:
        figures.regenerate(tmp_path, names=["_toy_slow"], progress=False)
    finally:
        figures.FIGURES.remove("_toy_slow")
    assert set(json.loads(prov_path.read_text())) == {"other_run", "_toy_slow"}


def test_stand_in_figure_without_label_is_refused(tmp_path, toy_figures):
    with pytest.raises(ValueError, match="random-weight stand-in"):
        figures.regenerate(tmp_path, names=["_toy_unlabelled"], progress=False)
    assert not (tmp_path / "_toy_unlabelled.png").exists()


def test_unknown_figure_names_the_choices(tmp_path):
    with pytest.raises(KeyError, match="demo_auc"):
        figures.regenerate(tmp_path, names=["no-such-figure"], progress=False)


def test_cli_lists_and_builds(tmp_path, toy_figures, capsys):
    assert main(["figures", "--list"]) == 0
    assert "demo_auc" in capsys.readouterr().out
    assert main(["figures", "_toy_good", "--fast", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "_toy_good.png").exists()
    assert main(["figures", "nope", "--out", str(tmp_path)]) == 2


def test_fast_figures_say_so_on_the_figure(tmp_path, toy_figures, monkeypatch):
    titles = {}
    real_save = figures._save_atomic

    def spy(fig, path, dpi=120):
        titles[path.stem] = " ".join(t.get_text() for t in fig.texts)
        real_save(fig, path, dpi)

    monkeypatch.setattr(figures, "_save_atomic", spy)
    figures.regenerate(tmp_path, names=["_toy_good"], ctx=figures.FigureContext(fast=True),
                       progress=False)
    assert figures.FAST_MARK in titles["_toy_good"]
    figures.regenerate(tmp_path, names=["_toy_good"], ctx=figures.FigureContext(fast=False),
                       progress=False)
    assert figures.FAST_MARK not in titles["_toy_good"]


def test_pretrained_figure_records_its_checkpoints_or_is_refused(tmp_path):
    from tests.unit.test_types import PROVENANCE

    def pretrained_figure(provenance):
        def build(ctx):
            fig, ax = plt.subplots()
            return figures.FigureOutput(fig, model_source="pretrained", provenance=provenance)

        return build

    figures.register_figure("_toy_recorded", "a checkpoint with its record")(
        pretrained_figure((PROVENANCE,)))
    figures.register_figure("_toy_unrecorded", "a checkpoint without")(pretrained_figure(()))
    try:
        figures.regenerate(tmp_path, names=["_toy_recorded"], progress=False)
        with pytest.raises(ValueError, match="records no checkpoint"):
            figures.regenerate(tmp_path, names=["_toy_unrecorded"], progress=False)
    finally:
        figures.FIGURES.remove("_toy_recorded")
        figures.FIGURES.remove("_toy_unrecorded")
    entry = json.loads((tmp_path / "PROVENANCE").read_text())["_toy_recorded"]
    assert entry["model_provenance"] == [json.loads(json.dumps(PROVENANCE.to_dict()))]
    assert entry["model_provenance"][0]["weights"][0]["sha256"] == "a" * 64
