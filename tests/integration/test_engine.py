"""Comparisons, sweeps and figures on a real 2-worker Dask cluster (processes) give the
serial run's numbers exactly, write the same cache rows, and record provenance once."""

import json
import time

import matplotlib.pyplot as plt
import pytest

from sae_core import figure_builders as figures
from sae_core.config import SAEConfig
from sae_core.experiments.compare import METRICS, compare
from sae_core.experiments.engine import Engine
from sae_core.experiments.sweeps import sweep_tasks
from sae_core.methods.config import SAEMethodConfig
from sae_core.tasks import load_task

pytest.importorskip("distributed")

FAST_SAE = SAEConfig(n_features=32, steps=30, device="cpu")
NUMBERS = [f"{m}_{s}" for m in METRICS for s in ("mean", "sd")] + ["n_selected", "seeds"]


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one job at a time each (as ``Engine(workers=2)`` makes)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local:
        yield Engine(scheduler=local.scheduler_address)


def test_compare_on_two_workers_equals_serial_and_writes_the_same_rows(cluster, tmp_path):
    kwargs = dict(methods=["sae", "hisp"], seeds=(0, 1),
                  task_options={"n_examples": 40}, progress=False,
                  configs={"sae": SAEMethodConfig(sae=FAST_SAE)})
    tasks = ["induction-toy", "tracr-sort"]
    serial = compare(tasks, cache_dir=tmp_path / "serial", **kwargs)
    spread = compare(tasks, cache_dir=tmp_path / "spread", engine=cluster, **kwargs)
    assert list(spread["task"] + spread["method"]) == list(serial["task"] + serial["method"])
    assert spread[NUMBERS].equals(serial[NUMBERS])
    assert not spread["cached"].any()
    names = sorted(p.name for p in (tmp_path / "serial").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "spread").iterdir()) and len(names) == 4
    again = compare(tasks, cache_dir=tmp_path / "spread", engine=cluster, **kwargs)
    assert again["cached"].all() and again[NUMBERS].equals(serial[NUMBERS])


def test_sweep_on_two_workers_equals_serial(cluster):
    tasks = [load_task("induction-toy", n_examples=40)]
    grid = {"n_train": (5, 10), "l1": (0.02, 0.1)}
    serial = sweep_tasks(tasks, grid, (0, 1), FAST_SAE, n_count=10, progress=False)
    spread = sweep_tasks(tasks, grid, (0, 1), FAST_SAE, n_count=10, progress=False,
                         engine=cluster)
    columns = [c for c in serial.columns if c != "seconds"]
    assert len(serial) == 8 and spread[columns].equals(serial[columns])


def _unlabelled_after(record):
    """A builder that waits until ``record`` exists (the other figure is done), then
    fails: its figure is a stand-in whose title does not say so."""

    def build(ctx):
        deadline = time.monotonic() + 120
        while not record.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        fig, ax = plt.subplots()
        return figures.FigureOutput(fig, model_source="random")

    return build


def _labelled(ctx):
    fig, ax = plt.subplots()
    ax.set_title("toy (random-weight stand-in)")
    return figures.FigureOutput(fig, model_source="random")


def test_figures_on_two_local_workers_record_provenance_once(tmp_path):
    figures.register_figure("_toy_ok", "a labelled stand-in figure")(_labelled)
    figures.register_figure("_toy_bad", "a stand-in figure without the label")(
        _unlabelled_after(tmp_path / figures.PARTS / "_toy_ok.json"))
    try:
        with pytest.raises(ValueError, match="random-weight stand-in"):
            figures.regenerate(tmp_path, names=["_toy_ok", "_toy_bad"], progress=False,
                               engine=Engine(workers=2))
    finally:
        for name in ("_toy_ok", "_toy_bad"):
            figures.FIGURES.remove(name)
    assert (tmp_path / "_toy_ok.png").read_bytes()[:4] == b"\x89PNG"
    entry = json.loads((tmp_path / "PROVENANCE").read_text())["_toy_ok"]
    assert entry["workers"] == "2 local worker processes" and entry["seconds"] > 0
    assert "1 torch thread" in entry["device"]  # 2 cores / 2 workers on the test machine
    assert (tmp_path / figures.PARTS / "_toy_ok.json").exists()  # kept for the next run
