"""Faithfulness: logit difference under mean ablation of the heads outside a circuit."""

from __future__ import annotations

import math

import pytest
import torch

from sae_core.faithfulness import (
    FaithfulnessResult,
    faithfulness,
    logit_difference,
    random_circuits,
)
from sae_core.hooks import mean_z_by_layer
from sae_core.models.tokenizers import gpt2_bpe_path
from sae_core.types import Answers, GroundTruth, HeadId, Task

ALL_HEADS = [(layer, head) for layer in range(2) for head in range(3)]


def make_task(model, n_prompts: int = 6, seq_len: int = 5, seed: int = 0, **kwargs) -> Task:
    gen = torch.Generator().manual_seed(seed)
    answers = Answers(
        correct=torch.randint(0, 20, (n_prompts,), generator=gen),
        wrong=torch.randint(0, 20, (n_prompts,), generator=gen),
    )
    return Task(
        name="tiny",
        model=model,
        positive=torch.randint(0, 20, (n_prompts, seq_len), generator=gen),
        negative=torch.randint(0, 20, (n_prompts, seq_len), generator=gen),
        ground_truth=GroundTruth(heads=frozenset({HeadId(0, 1), HeadId(1, 2)})),
        model_source="random",
        answers=kwargs.pop("answers", answers),
        **kwargs,
    )


def test_clean_logit_difference_matches_direct_computation(model):
    task = make_task(model)
    answer, wrong = task.answers.correct, task.answers.wrong
    with torch.no_grad():
        last = model(task.positive)[:, -1]
    expected = (last[torch.arange(6), answer] - last[torch.arange(6), wrong]).mean()
    got = logit_difference(model, task.positive, answer, wrong)
    assert got == pytest.approx(float(expected), abs=1e-5)
    assert logit_difference(model, task.positive, answer, wrong, ablate_heads=[]) == got
    # batching does not change the number
    small = logit_difference(model, task.positive, answer, wrong, batch_size=4)
    assert small == pytest.approx(got, abs=1e-5)


def test_circuit_of_all_heads_equals_clean_exactly(model):
    result = faithfulness(make_task(model), ALL_HEADS, n_random=2)
    assert result.circuit == result.clean
    assert result.random_values == (result.clean, result.clean)  # same size: all heads
    assert result.random_sd == 0.0


def test_means_from_the_evaluated_single_prompt_change_nothing(model):
    task = make_task(model)
    one_NT = task.positive[:1]
    answer, wrong = task.answers.correct[:1], task.answers.wrong[:1]
    means = mean_z_by_layer(model, one_NT)
    assert set(means) == {0, 1} and means[0].shape == (5, 3, 4)
    clean = logit_difference(model, one_NT, answer, wrong)
    ablated = logit_difference(model, one_NT, answer, wrong, ALL_HEADS, means)
    assert ablated == pytest.approx(clean, abs=1e-4)


def test_ablation_acts_and_empty_circuit_ablates_everything(model):
    task = make_task(model)
    answer, wrong = task.answers.correct, task.answers.wrong
    means = mean_z_by_layer(model, task.negative)
    everything = logit_difference(model, task.positive, answer, wrong, ALL_HEADS, means)
    result = faithfulness(task, [], n_random=1)
    assert result.n_heads == 0
    assert result.circuit == pytest.approx(everything, abs=1e-6)
    assert abs(result.circuit - result.clean) > 1e-4  # the hooks really replace hook_z


def test_random_circuits_reproducible_by_seed(model):
    a = random_circuits(2, 3, 2, 4, seed=3)
    assert a == random_circuits(2, 3, 2, 4, seed=3)
    assert all(len(c) == 2 for c in a)
    task = make_task(model)
    r1 = faithfulness(task, [(0, 0)], n_random=3, seed=5)
    r2 = faithfulness(task, [(0, 0)], n_random=3, seed=5)
    assert r1.random_values == r2.random_values and len(r1.random_values) == 3
    assert r1.random_mean == pytest.approx(sum(r1.random_values) / 3)


def test_result_record_and_label(model):
    result = faithfulness(make_task(model), [(0, 0), (1, 1)], n_random=0, reference="positive")
    assert isinstance(result, FaithfulnessResult)
    assert result.truth is not None and math.isnan(result.random_mean)
    assert "random-weight stand-in" in result.label
    record = result.to_dict()
    assert record["reference"] == "positive" and record["label"] == result.label


def test_errors_name_the_fix(model):
    no_answers = make_task(model, answers=None)
    with pytest.raises(ValueError, match=r"needs the task's answers.*Answers\(correct="):
        faithfulness(no_answers, [(0, 0)])
    task = make_task(model)
    with pytest.raises(ValueError, match="outside this 2x3 model"):
        faithfulness(task, [(2, 0)])
    with pytest.raises(ValueError, match="reference="):
        faithfulness(task, [(0, 0)], reference="clean")
    answer, wrong = task.answers.correct, task.answers.wrong
    with pytest.raises(ValueError, match="needs means"):
        logit_difference(model, task.positive, answer, wrong, [(0, 0)])
    short_means = mean_z_by_layer(model, task.negative[:, :4])
    with pytest.raises(ValueError, match="same token length"):
        logit_difference(model, task.positive, answer, wrong, [(0, 0)], short_means)


@pytest.mark.slow
def test_ioi_random_stand_in_end_to_end():
    if gpt2_bpe_path() is None:
        pytest.skip("the GPT-2 BPE (.cache/gpt2.tiktoken) is absent")
    from sae_core.tasks import load_task

    task = load_task("ioi", model_source="random", n_examples=8)
    truth = sorted(task.ground_truth.heads)
    result = faithfulness(task, truth, n_random=2)
    assert result.n_heads == len(truth) == 26 and result.n_random == 2
    assert result.truth == pytest.approx(result.circuit)
    assert all(math.isfinite(v) for v in (result.clean, result.circuit, result.random_mean))
    assert "random-weight stand-in" in result.label
