"""Induction in the multi-task trained models: prompts, contrasts, and a truth that the
shipped weights reproduce. The models themselves are tested in tests/unit/models/."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sae_core.models import multitask as mt
from sae_core.tasks import available_tasks, load_task, task_info
from sae_core.tasks import trained_tasks as tt
from sae_core.types import HeadId

SIZES = mt.SHIPPED_SIZES


@pytest.fixture(scope="module", params=SIZES)
def truth_task(request):
    """The registered task with the prompts its truth was measured on."""
    return load_task(f"multitask-{request.param}", n_examples=tt.TRUTH_PROMPTS, seed=0)


def _earlier_occurrences(row: list[int]) -> list[int]:
    """Content positions before the last where the last token occurs."""
    content = row[2:]
    return [j for j in range(len(content) - 1) if content[j] == content[-1]]


def test_registered_with_info():
    for size in SIZES:
        name = f"multitask-{size}"
        assert name in available_tasks()
        info = task_info(name)
        assert (info.n_layers, info.n_heads) == (mt.ARCHITECTURES[size].n_layers,
                                                 mt.ARCHITECTURES[size].n_heads)
        assert info.truth == "ablation" and not info.pretrained


@pytest.mark.parametrize("contrast", ["minimal", "rearranged"])
def test_prompts_follow_the_contrast(contrast):
    rng = np.random.default_rng(0)
    pos_NT, neg_NT, answer_N, wrong_N = tt.induction_prompts(40, rng, contrast)
    assert pos_NT.shape == neg_NT.shape == (40, mt.N_CTX)
    assert (pos_NT[:, :2] == neg_NT[:, :2]).all()  # BOS and the induction marker
    assert (pos_NT[:, 1] == mt.MARKERS["induction"]).all()
    for pos, neg, answer, wrong in zip(pos_NT.tolist(), neg_NT.tolist(), answer_N, wrong_N,
                                       strict=True):
        (j,) = _earlier_occurrences(pos)  # exactly one earlier occurrence of the last token
        assert pos[2 + j + 1] == answer and j + 1 < mt.CONTENT_LEN - 1
        assert wrong in pos[2:] and wrong not in (answer, pos[-1])
        assert _earlier_occurrences(neg) == []  # induction has nothing to look up
        if contrast == "minimal":
            differ = [i for i in range(len(pos)) if pos[i] != neg[i]]
            assert differ == [2 + j] and neg[2 + j] not in pos
        else:
            assert sorted(pos) == sorted(neg) and pos != neg


def test_builder_fields_and_seed():
    a = load_task("multitask-2x16", n_examples=6, seed=3, contrast="rearranged")
    b = load_task("multitask-2x16", n_examples=6, seed=3, contrast="rearranged")
    assert torch.equal(a.positive, b.positive) and torch.equal(a.negative, b.negative)
    assert a.contrast == "rearranged" and a.model_source == "trained"
    assert a.metadata["ablation_threshold"] == tt.ABLATION_THRESHOLD
    assert str(tt.ABLATION_THRESHOLD) in a.ground_truth.source or "5%" in a.ground_truth.source
    assert a.ground_truth.edges is None
    assert load_task("multitask-2x16", n_examples=6, seed=3).contrast == "minimal"
    with pytest.raises(ValueError, match="contrast"):
        load_task("multitask-2x16", n_examples=6, contrast="shuffled")
    with pytest.raises(ValueError, match="trained"):
        load_task("multitask-2x16", n_examples=6, model_source="random")
    with pytest.raises(TypeError, match="unknown options"):
        load_task("multitask-2x16", n_examples=6, seq_len=3)


def test_model_does_induction_on_positives(truth_task):
    """Top-1 answer on >= 65% of positives (measured: 2x16 98.8%, 2x24 77.2%, 2x32 68.4%;
    chance about 1/40) and a clear logit difference; none on the negatives."""
    with torch.no_grad():
        logits_NV = truth_task.model(truth_task.positive)[:, -1]
    accuracy = float((logits_NV.argmax(-1) == truth_task.answers.correct).float().mean())
    assert accuracy > 0.65, accuracy
    assert tt.logit_difference(truth_task.model, truth_task.positive, truth_task.answers) > 2.0
    # the minimal negatives leave induction nothing to find: no preference for the answer
    assert abs(tt.logit_difference(truth_task.model, truth_task.negative, truth_task.answers)) < 1.0


def test_registered_truth_equals_ablation(truth_task):
    """The truth recomputed from the shipped weights is the registered one, and no head
    sits within 0.001 of the threshold (float rounding cannot flip it; 2x24's closest head
    sits 0.0013 above)."""
    effects = tt.ablation_head_effects(truth_task.model, truth_task.positive, truth_task.answers)
    assert tt.truth_from_effects(effects) == truth_task.ground_truth.heads
    assert (np.abs(effects - tt.ABLATION_THRESHOLD) > 0.001).all(), effects
    mask = truth_task.ground_truth.head_labels(truth_task.n_layers, truth_task.n_heads)
    assert mask.any() and (~mask).any()


@pytest.mark.slow
def test_non_circuit_heads_do_other_work():
    """On 2x16, heads outside the induction circuit matter to the other tasks: mean-ablating
    each of at least 5 of them raises another task's loss by > 0.05 nats (measured: 8)."""
    task = load_task("multitask-2x16", n_examples=8, seed=0)
    effects = tt.other_task_head_effects(task.model, n=100, seed=0)  # as measured
    assert set(effects) == set(mt.TASKS) - {"induction"}
    busy_LH = np.max(np.stack(list(effects.values())), axis=0) > 0.05
    outside = ~task.ground_truth.head_labels(task.n_layers, task.n_heads)
    assert busy_LH[outside].sum() >= 5, busy_LH


def test_ablating_a_truth_head_breaks_induction(truth_task):
    """Mean-ablating the whole circuit removes most of the logit difference."""
    from sae_core.hooks import logits_with_z_replaced, mean_z_by_layer

    model, tokens, answers = truth_task.model, truth_task.positive, truth_task.answers
    mean_z = mean_z_by_layer(model, tokens)
    heads = sorted(truth_task.ground_truth.heads)
    logits_NV = logits_with_z_replaced(model, tokens, heads, mean_z, last_position_only=True)
    ablated = float((logits_NV.gather(1, answers.correct[:, None])
                     - logits_NV.gather(1, answers.wrong[:, None])).mean())
    assert ablated < 0.5 * tt.logit_difference(model, tokens, answers)
    assert all(isinstance(h, HeadId) for h in heads)
