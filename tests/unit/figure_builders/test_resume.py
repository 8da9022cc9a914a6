"""`regenerate` as jobs: figures sharing a computation go in one job, a run that dies keeps
the figures it finished, and the next run with the same settings reuses them."""

import json

import matplotlib.pyplot as plt
import pytest

from sae_core import figure_builders as figures


@pytest.fixture
def toys():
    """Builders `_toy_a` (counts its builds) and `_toy_b` (fails while `broken`)."""
    state = {"builds": 0, "broken": True}

    def toy_a(ctx):
        state["builds"] += 1
        fig, ax = plt.subplots()
        ax.set_title("toy a (random-weight stand-in)")
        return figures.FigureOutput(fig, model_source="random")

    def toy_b(ctx):
        if state["broken"]:
            raise RuntimeError("toy b broke")
        fig, ax = plt.subplots()
        return figures.FigureOutput(fig, model_source="compiled")

    figures.register_figure("_toy_a", "counts its builds")(toy_a)
    figures.register_figure("_toy_b", "fails while broken")(toy_b)
    yield state
    for name in ("_toy_a", "_toy_b"):
        figures.FIGURES.remove(name)


def test_figures_sharing_a_computation_are_one_job():
    assert figures._jobs(["x", "compare_auc_vs_time", "y", "compare_auc"]) == [
        ("x",), ("compare_auc_vs_time", "compare_auc"), ("y",)]
    assert figures._jobs(["compare_auc_vs_time"]) == [("compare_auc_vs_time",)]
    ioi = [n for n in figures.available_figures() if n.startswith("ioi_")]
    assert len(ioi) == 4 and figures._jobs(ioi) == [tuple(ioi)]  # one discovery, 4 figures


def test_a_run_that_dies_keeps_its_figures_and_the_next_run_reuses_them(tmp_path, toys):
    ctx = figures.FigureContext(fast=True)
    with pytest.raises(RuntimeError, match="toy b broke"):
        figures.regenerate(tmp_path, names=["_toy_a", "_toy_b"], ctx=ctx, progress=False)
    assert (tmp_path / "_toy_a.png").exists() and not (tmp_path / "_toy_b.png").exists()
    assert set(json.loads((tmp_path / "PROVENANCE").read_text())) == {"_toy_a"}
    assert (tmp_path / figures.PARTS / "_toy_a.json").exists()

    toys["broken"] = False
    written = figures.regenerate(tmp_path, names=["_toy_a", "_toy_b"], ctx=ctx, progress=False)
    assert toys["builds"] == 1  # reused, not rebuilt
    assert set(written) == {"_toy_a", "_toy_b"} and written["_toy_a"]["workers"] == "serial"
    assert set(json.loads((tmp_path / "PROVENANCE").read_text())) == {"_toy_a", "_toy_b"}
    assert not (tmp_path / figures.PARTS).exists()  # the run ended: records merged

    figures.regenerate(tmp_path, names=["_toy_a"], ctx=ctx, progress=False)
    assert toys["builds"] == 2  # a finished run leaves nothing to reuse


def test_records_of_other_settings_are_not_reused(tmp_path, toys):
    with pytest.raises(RuntimeError):
        figures.regenerate(tmp_path, names=["_toy_a", "_toy_b"],
                           ctx=figures.FigureContext(fast=True), progress=False)
    toys["broken"] = False
    figures.regenerate(tmp_path, names=["_toy_a", "_toy_b"],
                       ctx=figures.FigureContext(fast=False), progress=False)
    assert toys["builds"] == 2
    assert json.loads((tmp_path / "PROVENANCE").read_text())["_toy_a"]["fast"] is False
