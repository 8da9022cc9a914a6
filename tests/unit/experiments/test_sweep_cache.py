"""An interrupted sweep resumes: each setting's rows are kept in ``cache_dir`` and read
back, keyed by everything they depend on."""

import pytest

import sae_core.experiments.sweeps as sweeps
from sae_core.config import SAEConfig
from sae_core.tasks import load_task

FAST = SAEConfig(n_features=32, steps=30, device="cpu")
GRID = {"n_train": (5, 10)}


@pytest.fixture(scope="module")
def task():
    return load_task("induction-toy", n_examples=40)


def _sweep(task, cache_dir, **kwargs):
    return sweeps.sweep(task, GRID, (0, 1), FAST, n_count=10, progress=False,
                        cache_dir=cache_dir, **kwargs)


def test_rows_are_kept_and_read_back_instead_of_rerun(task, tmp_path, monkeypatch):
    first = _sweep(task, tmp_path)
    files = sorted(tmp_path.glob("induction-toy.sweep.*.json"))
    assert len(files) == 2 and len(first) == 4
    real = sweeps.sweep_setting
    calls = []

    def counted(*args):
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(sweeps, "sweep_setting", counted)
    again = _sweep(task, tmp_path)
    assert calls == [] and again.equals(first)
    files[0].unlink()  # as if the run had died before this setting finished
    resumed = _sweep(task, tmp_path)
    assert len(calls) == 1
    columns = [c for c in first.columns if c != "seconds"]
    assert resumed[columns].equals(first[columns])


def test_other_settings_do_not_share_rows(task, tmp_path):
    _sweep(task, tmp_path)
    sweeps.sweep(task, GRID, (0, 1), SAEConfig(n_features=16, steps=30, device="cpu"),
                 n_count=10, progress=False, cache_dir=tmp_path)
    sweeps.sweep(task, GRID, (0,), FAST, n_count=10, progress=False, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 6


def test_discoveries_are_not_cached(task, tmp_path):
    with pytest.raises(ValueError, match="keep_discoveries"):
        _sweep(task, tmp_path, keep_discoveries=True)
