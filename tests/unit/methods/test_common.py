"""What the baselines share (methods/common.py): task metric, prompt pairs, corruption."""

import dataclasses

import pytest
import torch

from sae_core.methods import run_method
from sae_core.methods.common import answers_for, corrupt_source, metric_kind, prompt_pairs
from sae_core.methods.config import HISPConfig
from sae_core.models.pretrained import model_from_config
from sae_core.tasks import load_task
from sae_core.types import Answers


def test_prompt_pairs_take_the_first_of_each_set(tiny_task):
    clean, corrupt = prompt_pairs(tiny_task, 100)
    assert clean.shape == corrupt.shape == (8, 6)
    clean, _ = prompt_pairs(tiny_task, 3)
    assert torch.equal(clean, tiny_task.positive[:3])


def test_resampled_corruption_pairs_each_positive_with_the_next(tiny_task):
    clean, corrupt = prompt_pairs(tiny_task, 5, corrupt="resample")
    assert torch.equal(clean, tiny_task.positive[:5])
    assert torch.equal(corrupt, tiny_task.positive[[1, 2, 3, 4, 0]])
    # "auto" follows the task's flag
    assert corrupt_source(tiny_task, "auto") == "negatives"
    flagged = dataclasses.replace(tiny_task, negatives_keep_output=True)
    assert corrupt_source(flagged, "auto") == "resample"
    assert corrupt_source(flagged, "negatives") == "negatives"
    # resampling needs no negatives of the positives' length
    short_neg = dataclasses.replace(flagged, negative=tiny_task.negative[:, :5])
    assert prompt_pairs(short_neg, 4)[1].shape == (4, 6)
    with pytest.raises(ValueError, match="at least 2 positives"):
        prompt_pairs(tiny_task, 1, corrupt="resample")
    with pytest.raises(ValueError, match="corrupt="):
        corrupt_source(tiny_task, "shuffle")


@pytest.mark.parametrize("name", ["tracr-sort", "tracr-reverse", "tracr-hist"])
def test_negatives_keep_output_flag_is_true_of_the_model(name):
    """The flag states a fact about the compiled model: a flagged task's positives and
    negatives give the same output on every pair; an unflagged task's never do, and
    resampled positives change the output of most pairs."""
    task = load_task(name, n_examples=32)
    with torch.no_grad():
        out_pos = task.model(task.positive)[:, 1:].argmax(-1)
        out_neg = task.model(task.negative)[:, 1:].argmax(-1)
        clean, corrupt = prompt_pairs(task, 32, corrupt="resample")
        out_res = task.model(corrupt)[:, 1:].argmax(-1)
    same_neg = (out_pos == out_neg).all(dim=1).float().mean().item()
    same_res = (out_pos == out_res).all(dim=1).float().mean().item()
    assert same_neg == (1.0 if task.negatives_keep_output else 0.0)
    assert same_res < 0.2


def test_metric_kind_follows_config_task_and_answers(tiny_task):
    assert metric_kind(tiny_task) == "kl"  # the task declares it
    zeros, ones = torch.zeros(8, dtype=torch.long), torch.ones(8, dtype=torch.long)
    labelled = dataclasses.replace(
        tiny_task, metric=None, answers=Answers(correct=zeros, wrong=ones)
    )
    assert metric_kind(labelled) == "logit_diff"
    scores = run_method("hisp", labelled, HISPConfig(n_prompts=6))
    assert scores.extra["metric"] == "logit_diff"
    # a metric chosen by name wins over the answers, and is recorded
    assert metric_kind(labelled, "kl") == "kl"
    assert run_method("hisp", labelled, HISPConfig(n_prompts=6, metric="kl")).extra[
        "metric"] == "kl"
    one_logit = model_from_config(
        n_layers=2, n_heads=3, d_model=16, d_head=4, d_mlp=32, d_vocab=20, d_vocab_out=1,
        n_ctx=16, act_fn="relu", normalization_type="LN",
    )
    numeric = dataclasses.replace(tiny_task, model=one_logit, metric="mse")
    assert metric_kind(numeric) == "mse"
    with pytest.raises(ValueError, match="metric='kl' on a model with one output"):
        metric_kind(numeric, "kl")
    with pytest.raises(ValueError, match="metric='mse' compares one numerical output"):
        metric_kind(tiny_task, "mse")
    unlabelled = dataclasses.replace(tiny_task, metric=None)
    with pytest.raises(ValueError, match="names no answers.*answers=Answers.*metric='kl'"):
        metric_kind(unlabelled)
    with pytest.raises(ValueError, match="metric='logit_diff' needs the task's answers"):
        metric_kind(unlabelled, "logit_diff")


def test_answers_for_slices_the_first_prompts_and_names_the_fix(tiny_task):
    answers = Answers(correct=torch.arange(8), wrong=torch.arange(8) + 1)
    labelled = dataclasses.replace(tiny_task, answers=answers)
    correct_N, wrong_N = answers_for(labelled, 3)
    assert correct_N.tolist() == [0, 1, 2] and wrong_N.tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="answers for 8 positives, not 9"):
        answers_for(labelled, 9)
    with pytest.raises(ValueError, match="names no answers.*Answers\\(correct="):
        answers_for(tiny_task, 3)
