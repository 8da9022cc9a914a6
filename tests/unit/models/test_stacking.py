"""Stacking with paired tokens: the target reads private values, everything else public ones."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from sae_core.hooks import logits_with_z_replaced
from sae_core.models import tracr_compile as tc
from sae_core.models.stacking import (
    TokenPair,
    Visibility,
    encode_pairs,
    stack_programs,
)


@functools.cache
def _paired(target: str = "sort", other: str = "reverse"):
    compiled = {p: tc.compile_program(p) for p in (target, other)}
    stacked = stack_programs(compiled[target].weights, [compiled[other].weights], n_heads=3,
                             seed=1, paired_tokens=True, visibility=Visibility(0.5))
    return compiled, stacked, tc.to_hooked_transformer(stacked.weights)


def _inputs(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice(tc.DEFAULT_VOCAB, size=(n, tc.DEFAULT_MAX_SEQ_LEN))


def test_paired_vocabulary():
    _, stacked, model = _paired()
    n = len(tc.DEFAULT_VOCAB)
    assert stacked.paired_tokens and model.cfg.d_vocab == n * n + 2
    assert TokenPair(3, 1) in stacked.token_values and str(TokenPair(3, 1)) == "3|1"
    assert stacked.token_values[-2:] == (tc.BOS, tc.PAD)


def test_target_reads_private_values_and_distractors_cannot_change_it():
    compiled, stacked, model = _paired()
    public, private = _inputs(30, seed=1), _inputs(30, seed=2)
    tokens = encode_pairs(public, private, stacked.token_values)
    logits = model(tokens)
    decoded = tc.decode_outputs(logits, stacked.output_values)
    for x, out in zip(private, decoded, strict=True):
        assert list(out) == compiled["sort"].evaluate(x.tolist())
    distractors = stacked.distractor_heads()
    assert stacked.visible_heads() and set(stacked.visible_heads()) <= set(distractors)
    zeros = {h.layer: torch.zeros(model.cfg.n_heads, model.cfg.d_head) for h in distractors}
    assert torch.equal(logits_with_z_replaced(model, tokens, distractors, zeros), logits)


def test_random_heads_draw_the_same_weights_with_paired_tokens():
    """Blind random heads of a paired stack hold the draws of the unpaired stack: the same
    distractors, reading the public one-hot in place of the only one."""
    compiled, paired, _ = _paired()
    plain = stack_programs(compiled["sort"].weights, [compiled["reverse"].weights], n_heads=3,
                           seed=1)
    assert paired.random_heads() == plain.random_heads()
    blind = set(paired.random_heads()) - set(paired.visible_heads())
    assert blind
    for h in blind:
        for name in ("W_Q", "W_K", "W_V"):
            a = getattr(plain.weights, name)[h.layer, h.head]
            b = getattr(paired.weights, name)[h.layer, h.head]
            # rows read, in order: token one-hot, positions, sink (paired: public one-hot)
            assert np.array_equal(a[np.abs(a).sum(1) > 0], b[np.abs(b).sum(1) > 0]), (h, name)


def test_visibility_needs_paired_tokens_and_a_fraction_in_range():
    sort = tc.compile_program("sort").weights
    with pytest.raises(ValueError, match="paired_tokens=True"):
        stack_programs(sort, visibility=Visibility(0.2))
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        Visibility(fraction=-0.5)
    assert Visibility(0.5).n_visible(7) == round(3.5)


def test_encode_pairs_rejects_mismatched_shapes():
    _, stacked, _ = _paired()
    with pytest.raises(ValueError, match="one of each per position"):
        encode_pairs(_inputs(2, 0), _inputs(3, 0), stacked.token_values)
