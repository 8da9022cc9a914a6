"""tracr-compiled tasks: conversion, stacking, ground truth and prompts."""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np
import pytest
import torch

from sae_core.hooks import cache_activations, hook_name, logits_with_z_replaced
from sae_core.models import tracr_compile as tc
from sae_core.models.stacking import head_edges, stack_programs
from sae_core.tasks import load_task, tracr_tasks
from sae_core.types import HeadId

PROGRAMS = tuple(tc.PROGRAM_MAKERS)
SMALL_TASKS = tuple(f"tracr-{p}" for p in tracr_tasks.CATALOGUE)


def _random_inputs(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice(tc.DEFAULT_VOCAB, size=(n, tc.DEFAULT_MAX_SEQ_LEN))


def _assert_matches_rasp(compiled: tc.CompiledProgram, inputs, decoded) -> None:
    for x, out in zip(inputs, decoded, strict=True):
        ref = compiled.evaluate(x.tolist())
        if compiled.weights.output_values is None:
            np.testing.assert_allclose(out, ref, atol=1e-4, err_msg=f"input {x}")
        else:
            assert list(out) == list(ref), f"input {x}: model {out}, rasp {ref}"


def _forward(model, tokens, ablate=()):
    """Logits with the given heads' hook_z set to zero."""
    zeros = torch.zeros(model.cfg.n_heads, model.cfg.d_head)
    return logits_with_z_replaced(model, tokens, ablate, {h.layer: zeros for h in ablate})


@functools.cache
def _stacked(target: str):
    compiled = {p: tc.compile_program(p) for p in PROGRAMS}
    stacked = stack_programs(
        compiled[target].weights, [compiled[p].weights for p in PROGRAMS if p != target], seed=3
    )
    return compiled[target], stacked, tc.to_hooked_transformer(stacked.weights)


@functools.cache
def _task(name: str, **options):
    return load_task(name, n_examples=40, seed=1, **options)


# --- conversion -------------------------------------------------------------------


@pytest.mark.parametrize("program", PROGRAMS)
def test_converted_model_matches_rasp(program):
    compiled = tc.compile_program(program)
    model = tc.to_hooked_transformer(compiled.weights.weights)
    inputs = _random_inputs(150, seed=1)
    logits = _forward(model, tc.encode_inputs(inputs, compiled.weights.token_values))
    decoded = tc.decode_outputs(logits, compiled.weights.output_values)
    _assert_matches_rasp(compiled, inputs, decoded)


def test_converted_model_matches_tracr_assembly():
    """The final residual stream equals tracr's own compiled model's, dimension by dimension."""
    compiled = tc.compile_program("frac_prevs")
    assembled = tc.assemble_with_tracr(compiled)
    assert list(assembled.residual_labels) == list(compiled.weights.residual_labels)
    model = tc.to_hooked_transformer(compiled.weights.weights)
    final = hook_name(model.cfg.n_layers - 1, "resid_post")
    for x in _random_inputs(3, seed=2):
        tokens = tc.encode_inputs(x[None], compiled.weights.token_values)
        ours = cache_activations(model, tokens, [final])
        theirs = np.asarray(assembled.apply([tc.BOS, *x.tolist()]).transformer_output)[0]
        np.testing.assert_allclose(ours[final][0].numpy(), theirs, atol=1e-4)


def test_unembedding_reads_the_output_labels():
    w = tc.compile_program("sort").weights
    for j, value in enumerate(w.output_values):
        (row,) = np.nonzero(w.weights.W_U[:, j])
        assert w.residual_labels[row[0]].endswith(f":{value}")
        assert w.residual_labels[row[0]].startswith("sort")


def test_padded_tracr_heads_are_dropped():
    w = tc.compile_program("reverse").weights
    assert w.head_mask.sum() == 2  # layers 1 and 2 hold only MLPs
    assert w.head_mask.shape[0] == 4


# --- stacking and ground truth -----------------------------------------------------


@pytest.mark.parametrize("target", PROGRAMS)
def test_stacked_model_computes_target_and_ignores_distractors(target):
    compiled, stacked, model = _stacked(target)
    inputs = _random_inputs(120, seed=4)
    tokens = tc.encode_inputs(inputs, stacked.token_values)
    logits = _forward(model, tokens)
    _assert_matches_rasp(compiled, inputs, tc.decode_outputs(logits, stacked.output_values))

    distractors = stacked.distractor_heads()
    assert distractors and set(distractors).isdisjoint(stacked.target_heads)
    for head in distractors:
        assert torch.equal(_forward(model, tokens, [head]), logits), head
    assert torch.equal(_forward(model, tokens, distractors), logits)

    changes = [
        (_forward(model, tokens, [h]) - logits).abs().max().item() for h in stacked.target_heads
    ]
    assert max(changes) > 0.1, "ablating the target's heads never changes the output"


def test_stacked_ground_truth_matches_program_structure():
    _, stacked, _ = _stacked("sort_freq")
    truth = stacked.ground_truth()
    heads = sorted(truth.heads, key=lambda h: h.layer)
    assert [h.layer for h in heads] == [0, 3, 4]
    assert truth.edges == {(heads[0], heads[1]), (heads[1], heads[2])}
    # every head slot is filled: program heads or random distractors
    assert all(owner for row in stacked.head_owner for owner in row)


def test_head_edges_direct_and_through_mlp():
    d_model, d_head = 6, 1
    W_Q = np.zeros((3, 2, d_model, d_head))
    W_K, W_V = np.zeros_like(W_Q), np.zeros_like(W_Q)
    W_O = np.zeros((3, 2, d_head, d_model))
    W_in, W_out = np.zeros((3, d_model, 2)), np.zeros((3, 2, d_model))
    W_O[0, 0, 0, 0] = 1.0  # 0.0 writes dim 0
    W_V[1, 0, 0, 0] = 1.0  # 1.0 reads dim 0: direct edge
    W_in[0, 0, 0], W_out[0, 0, 3] = 1.0, 1.0  # MLP 0 maps dim 0 -> dim 3
    W_K[2, 1, 3, 0] = 1.0  # 2.1 reads dim 3: edge through the MLP
    W_O[1, 0, 0, 4] = 1.0  # 1.0 writes dim 4, read by nobody
    W_Q[2, 0, 5, 0] = 1.0  # 2.0 reads dim 5, written by nobody
    w = tc.DenseWeights(np.zeros((2, d_model)), np.zeros((3, d_model)), W_Q, W_K, W_V, W_O,
                        W_in, W_out, np.zeros((d_model, 1)))
    heads = [HeadId(0, 0), HeadId(1, 0), HeadId(2, 0), HeadId(2, 1)]
    assert set(head_edges(w, heads)) == {(heads[0], heads[1]), (heads[0], heads[3])}


def test_stack_rejects_too_few_head_slots():
    sort = tc.compile_program("sort").weights
    hist = tc.compile_program("hist").weights
    with pytest.raises(ValueError, match="n_heads"):
        stack_programs(sort, [hist], n_heads=1)


# --- registered tasks --------------------------------------------------------------


@pytest.mark.parametrize("name", [*SMALL_TASKS, "tracr-scalable"])
def test_task_shapes_truth_and_source(name):
    task = _task(name)
    n, t = 40, tc.DEFAULT_MAX_SEQ_LEN + 1
    assert task.positive.shape == (n, t) and task.negative.shape == (n, t)
    assert task.positive.dtype == torch.int64
    bos = task.token_values.index(tc.BOS)
    assert (task.positive[:, 0] == bos).all() and (task.negative[:, 0] == bos).all()
    assert (task.positive[:, 1:] != bos).all() and (task.negative[:, 1:] != bos).all()
    truth = task.ground_truth
    assert 0 < len(truth.heads) < task.n_heads_total
    assert truth.edges and all(a in truth.heads and b in truth.heads for a, b in truth.edges)
    assert task.model_source == "compiled" and not task.is_stand_in
    with pytest.raises(ValueError, match="compiled"):
        load_task(name, n_examples=2, model_source="pretrained")


def test_scalable_task_is_gpt2_small_sized():
    task = _task("tracr-scalable")
    assert (task.n_layers, task.n_heads) == (12, 12) and task.n_heads_total == 144
    owners = task.head_owner
    random_heads = [
        HeadId(layer, head)
        for layer, row in enumerate(owners)
        for head, owner in enumerate(row)
        if owner == "random"
    ]
    assert len(random_heads) == 144 - len(task.ground_truth.heads)
    logits = _forward(task.model, task.positive)
    assert torch.equal(_forward(task.model, task.positive, random_heads), logits)


def _target_inputs(task, tokens) -> list[list[str]]:
    """The values the target program reads, as text, without BOS: the private value of a
    paired token ("public|private"), else the token's one value."""
    return [[task.token_values[i].split("|")[-1] for i in row[1:]] for row in tokens.tolist()]


@pytest.mark.parametrize("contrast", ["minimal", "rearranged"])
@pytest.mark.parametrize("name", ["tracr-sort", "tracr-reverse", "tracr-frac_prevs",
                                  "tracr-sort_freq"])
def test_negatives_are_permutations_of_positives(name, contrast):
    """What the target reads on a negative is its positive's values rearranged."""
    task = _task(name, contrast=contrast)
    pos, neg = _target_inputs(task, task.positive), _target_inputs(task, task.negative)
    assert pos != neg
    for p, q in zip(pos, neg, strict=True):
        assert Counter(p) == Counter(q)


@pytest.mark.parametrize("contrast", ["minimal", "rearranged"])
def test_outputs_are_trivial_on_negatives_only(contrast):
    """Rules on inputs: identity (sort, reverse, sort_freq), constant (hist) or a
    function of position (frac_prevs) on negatives; never all of them on positives."""
    for name in SMALL_TASKS:
        task = _task(name, contrast=contrast)
        values = task.metadata["output_values"]
        neg = tc.decode_outputs(_forward(task.model, task.negative), values)
        pos = tc.decode_outputs(_forward(task.model, task.positive), values)
        as_values = _target_inputs(task, task.negative)
        pos_values = _target_inputs(task, task.positive)
        if name in ("tracr-sort", "tracr-reverse", "tracr-sort_freq"):
            trivial = [[str(v) for v in x] for x in as_values]
            pos_trivial = [[str(v) for v in x] for x in pos_values]
            neg_out = [[str(v) for v in o] for o in neg]
            pos_out = [[str(v) for v in o] for o in pos]
        elif name == "tracr-hist":
            trivial = pos_trivial = [[str(tc.DEFAULT_MAX_SEQ_LEN)] * tc.DEFAULT_MAX_SEQ_LEN] * 40
            neg_out = [[str(v) for v in o] for o in neg]
            pos_out = [[str(v) for v in o] for o in pos]
        else:
            ramp = [round(1 / (i + 1), 4) for i in range(tc.DEFAULT_MAX_SEQ_LEN)]
            trivial = pos_trivial = [ramp] * 40
            neg_out = [[round(v, 4) for v in o] for o in neg]
            pos_out = [[round(v, 4) for v in o] for o in pos]
        assert neg_out == trivial, name
        assert all(o != t for o, t in zip(pos_out, pos_trivial, strict=True)), name


def test_prompts_are_seeded():
    a = load_task("tracr-sort", n_examples=5, seed=7)
    b = load_task("tracr-sort", n_examples=5, seed=7)
    c = load_task("tracr-sort", n_examples=5, seed=8)
    assert torch.equal(a.positive, b.positive) and torch.equal(a.negative, b.negative)
    assert not torch.equal(a.positive, c.positive)
