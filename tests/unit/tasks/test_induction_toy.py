"""The induction-toy task: prompts, induction on them, the truth matches ablation.

The model itself (weights, training script) is tested in tests/unit/models/."""

from __future__ import annotations

import math

import pytest
import torch

from sae_core.hooks import cache_activations, hook_name
from sae_core.tasks import available_tasks, load_task
from sae_core.tasks import induction_toy as toy
from sae_core.types import HeadId


@pytest.fixture(scope="module")
def task():
    return toy.build(n_examples=100, seed=0)


def test_registered_on_import():
    assert "induction-toy" in available_tasks()


def test_builder_shapes_and_fields(task):
    assert task.positive.shape == (100, 1 + 2 * toy.SEQ_LEN)
    assert task.negative.shape == (100, 1 + 2 * toy.SEQ_LEN)
    assert task.positive.dtype == task.negative.dtype == torch.int64
    assert task.model_source == "trained"
    assert task.n_layers == 2 and task.n_heads == toy.MODEL_CONFIG["n_heads"]
    assert (task.positive[:, 0] == toy.BOS).all() and (task.negative[:, 0] == toy.BOS).all()
    first, second = task.positive[:, 1:].chunk(2, dim=1)
    assert torch.equal(first, second)
    for row in task.negative:  # no token recurs, so induction has nothing to find
        assert len(set(row.tolist())) == row.numel()
    assert task.metadata["weights"]["seed"] == "0"


def test_builder_is_seeded():
    a = toy.build(n_examples=5, seed=3)
    b = toy.build(n_examples=5, seed=3)
    c = toy.build(n_examples=5, seed=4)
    assert torch.equal(a.positive, b.positive) and torch.equal(a.negative, b.negative)
    assert not torch.equal(a.positive, c.positive)


def test_load_task_builds_it():
    task = load_task("induction-toy", n_examples=4, seed=1, model_source="trained")
    assert task.positive.shape == (4, 1 + 2 * toy.SEQ_LEN)


def test_wrong_model_source_raises():
    with pytest.raises(ValueError, match="trained"):
        toy.build(n_examples=4, model_source="pretrained")


def test_induction_works_and_negatives_are_at_chance(task):
    model = task.model
    assert toy.repeated_half_loss(model, task.positive) < 0.1
    chance = math.log(model.cfg.d_vocab - 1)  # uniform over the non-BOS tokens
    assert toy.all_positions_loss(model, task.negative) > 0.85 * chance
    # On positives the first copy is unpredictable too: chance there as well.
    with torch.no_grad():
        loss_NT = toy._next_token_losses(model(task.positive), task.positive)
    assert float(loss_NT[:, 1 : toy.SEQ_LEN].mean()) > 0.85 * chance


def test_hardcoded_truth_matches_ablation(task):
    effects = toy.ablation_head_effects(task.model, task.positive)
    assert effects.shape == (task.n_layers, task.n_heads)
    mask = task.ground_truth.head_labels(task.n_layers, task.n_heads)
    assert mask.any() and (~mask).any()
    assert (effects[mask] > toy.ABLATION_THRESHOLD).all(), effects
    assert (effects[~mask] < toy.ABLATION_THRESHOLD).all(), effects
    # the mechanism we expect: a previous-token head below an induction head
    layers = {h.layer for h in task.ground_truth.heads}
    assert layers == {0, 1}


def test_hardcoded_edges_match_path_ablation(task):
    edges = task.ground_truth.edges
    assert edges
    for up in range(task.n_heads):
        for down in range(task.n_heads):
            edge = (HeadId(0, up), HeadId(1, down))
            effect = toy.key_path_ablation_effect(task.model, task.positive, *edge)
            if edge in edges:
                assert effect > toy.EDGE_THRESHOLD, (edge, effect)
            else:
                assert effect < toy.EDGE_THRESHOLD, (edge, effect)


def test_attention_shows_the_mechanism(task):
    """0.2 is a previous-token head; every layer-1 truth head attends to the token
    after the current token's first occurrence (the induction target)."""
    names = [hook_name(layer, "pattern") for layer in (0, 1)]
    cache = cache_activations(task.model, task.positive[:20], names)
    layer0_BnTT = cache[names[0]]
    prev = torch.diagonal(layer0_BnTT[:, 2], offset=-1, dim1=-2, dim2=-1)[:, 1:]
    assert float(prev.mean()) > 0.9
    layer1_BnTT = cache[names[1]]
    L = toy.SEQ_LEN
    for h in (h for h in task.ground_truth.heads if h.layer == 1):
        # query at position L + k (second copy of s_k) -> key at k + 1 (first s_{k+1})
        target = torch.stack([layer1_BnTT[:, h.head, L + k, k + 1] for k in range(1, L)])
        assert float(target.mean()) > 0.5, h
