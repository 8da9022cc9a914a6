"""sae_core.experiments.model_size: stage timings on a random-weight model, its record, its plot."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from sae_core.config import SAEConfig
from sae_core.experiments.model_size import (
    STAGES,
    RuntimeResult,
    model_memory_gib,
    synthetic_task,
    time_model_sizes,
)
from sae_core.figure_builders import available_figures
from sae_core.plots.runtime import plot_runtime
from sae_core.records import read_json, write_json_atomic
from sae_core.types import STAND_IN_LABEL
from tests.conftest import tiny_model

TINY = SAEConfig(n_features=8, steps=3, n_train=2, device="cpu")


@pytest.fixture(scope="module")
def result() -> RuntimeResult:
    # Random-weight GPT-2 small (2-3 s to build), 3 + 3 prompts of 4 tokens, 3 SAE steps.
    return time_model_sizes(("gpt2",), n_prompts=3, prompt_length=4, config=TINY)


def test_every_stage_is_timed(result):
    (row,) = result.models
    assert row.model == "gpt2" and row.n_heads_total == 144 and row.d_model == 768
    assert set(STAGES) | {"total", "total_with_load"} <= set(row.seconds)
    assert all(row.seconds[s] >= 0 for s in STAGES)
    assert row.seconds["load"] > 0 and row.seconds["cache"] > 0 and row.seconds["sae"] > 0
    method = sum(row.seconds[s] for s in STAGES if s != "load")
    assert row.total == pytest.approx(method)
    assert row.seconds["total_with_load"] == pytest.approx(row.total + row.seconds["load"])


def test_result_records_its_settings(result, tmp_path):
    assert result.model_source == "random" and result.is_stand_in
    assert result.device.startswith("cpu")
    assert (result.n_prompts, result.prompt_length, result.config) == (3, 4, TINY)
    record = read_json(write_json_atomic(tmp_path / "runtime.json", result.to_dict()))
    assert record["models"][0]["model"] == "gpt2"
    assert record["config"]["steps"] == 3 and record["model_source"] == "random"
    assert record["n_prompts_per_set"] == 3


def test_plot_says_stand_in_and_device(result):
    fig = plot_runtime(result)
    title = fig._suptitle.get_text()
    assert STAND_IN_LABEL in title and "CPU" in title
    plt.close(fig)


def test_figure_is_registered():
    assert "runtime_model_size" in available_figures()


def test_synthetic_task_is_a_stand_in_with_fixed_length():
    task = synthetic_task(tiny_model(), n_prompts=5, prompt_length=6, seed=1)
    assert task.positive.shape == task.negative.shape == (5, 6)
    assert task.model_source == "random" and task.ground_truth is None
    again = synthetic_task(tiny_model(), n_prompts=5, prompt_length=6, seed=1)
    assert (again.positive == task.positive).all()
    with pytest.raises(ValueError, match="n_prompts"):
        synthetic_task(tiny_model(), n_prompts=0)


def test_bad_names_fail_before_any_work():
    with pytest.raises(ValueError, match="unknown model"):
        time_model_sizes(("gpt5",), config=TINY)
    with pytest.raises(ValueError, match="at least one"):
        time_model_sizes((), config=TINY)


def test_memory_estimate_grows_with_size():
    sizes = [model_memory_gib(n) for n in ("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl")]
    assert sizes == sorted(sizes) and 6 < sizes[-1] < 9
