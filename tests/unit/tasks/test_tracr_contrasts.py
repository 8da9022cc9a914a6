"""tracr tasks' contrast designs ("minimal" pairs, "rearranged" tokens) and the visibility
knob of tracr-scalable: which heads see the difference between a positive and its negative."""

from __future__ import annotations

import functools
import hashlib
import json

import pytest
import torch

from sae_core.hooks import cache_activations, hook_name
from sae_core.models import tracr_compile as tc
from sae_core.models.stacking import RANDOM_OWNER, VISIBLE_OWNER
from sae_core.tasks import load_task, task_info, tracr_tasks
from sae_core.types import CONTRASTS, HeadId

TRACR_TASKS = (*(f"tracr-{p}" for p in tracr_tasks.CATALOGUE), "tracr-scalable")


@functools.cache
def _task(name: str, **options):
    return load_task(name, n_examples=40, seed=1, **options)


@functools.cache
def _scalable(visible_fraction: float, visibility_strength: float = 1.0, model_seed: int = 2):
    """The visibility helper's call, verbatim."""
    return load_task("tracr-scalable", contrast="minimal", visible_fraction=visible_fraction,
                     visibility_strength=visibility_strength, model_seed=model_seed,
                     n_examples=30, seed=model_seed)


def _heads_that_differ(task) -> set[HeadId]:
    """Heads whose hook_z on some positive i differs from that on negative i (exactly)."""
    names = [hook_name(layer, "z") for layer in range(task.n_layers)]
    z_pos = cache_activations(task.model, task.positive, names)
    z_neg = cache_activations(task.model, task.negative, names)
    differ = set()
    for layer, name in enumerate(names):
        for head in range(task.n_heads):
            a_NTh, b_NTh = z_pos[name][:, :, head], z_neg[name][:, :, head]
            if any(not torch.equal(a, b) for a, b in zip(a_NTh, b_NTh, strict=True)):
                differ.add(HeadId(layer, head))
    return differ


def _owned(task, *owners: str) -> set[HeadId]:
    return {
        HeadId(layer, head)
        for layer, row in enumerate(task.head_owner)
        for head, who in enumerate(row)
        if who in owners
    }


# --- the default and the records ------------------------------------------------------


def test_default_contrast_is_minimal_and_recorded():
    assert tracr_tasks.DEFAULT_CONTRAST == "minimal"
    for name in TRACR_TASKS:
        info = task_info(name)
        assert info.contrasts == ("minimal", "rearranged")
        assert "contrast" in info.description
    task = _task("tracr-sort")
    assert task.contrast == "minimal"
    assert task.metadata["contrast"] == "minimal"
    assert task.metadata["contrast_design"] == tracr_tasks.CONTRAST_DESIGNS["minimal"]
    assert task.metadata["visible_heads"] == []
    assert "Contrast 'minimal'" in task.description
    rearranged = _task("tracr-sort", contrast="rearranged")
    assert rearranged.contrast == rearranged.metadata["contrast"] == "rearranged"


def test_minimal_tokens_show_public_and_private_values():
    task = _task("tracr-sort")
    values = tc.DEFAULT_VOCAB
    assert task.model.cfg.d_vocab == len(values) ** 2 + 2  # pairs, BOS, PAD
    assert "3|1" in task.token_values and tc.BOS in task.token_values

    def split(tokens, part):
        return [[task.token_values[i].split("|")[part] for i in row[1:]] for row in tokens.tolist()]

    # positives: public == private; a negative keeps its positive's public values
    assert split(task.positive, 0) == split(task.positive, 1)
    assert split(task.negative, 0) == split(task.positive, 0)
    assert split(task.negative, 1) != split(task.positive, 1)


@pytest.mark.parametrize("name", TRACR_TASKS)
def test_minimal_target_computes_what_rearranged_does(name):
    """The target reads the same sequences under both designs: the same outputs."""
    minimal, rearranged = _task(name), _task(name, contrast="rearranged")
    for a, b in ((minimal.positive, rearranged.positive), (minimal.negative, rearranged.negative)):
        assert torch.allclose(minimal.model(a), rearranged.model(b), atol=1e-5)
    assert minimal.ground_truth.heads == rearranged.ground_truth.heads
    assert minimal.ground_truth.edges == rearranged.ground_truth.edges
    assert minimal.negatives_keep_output == rearranged.negatives_keep_output
    assert minimal.metric == rearranged.metric


# --- rearranged: today's model and prompts, bit for bit ---------------------------------

PINNED_REARRANGED = {
    ("tracr-reverse", (("model_seed", 0), ("seed", 0))): ("346ae0e9561cfb67", "cfff8eb4f88782ca"),
    ("tracr-reverse", (("model_seed", 3), ("seed", 1))): ("d2b6c215c87db3e6", "ad946cdafa538e98"),
    ("tracr-sort", (("model_seed", 0), ("seed", 0))): ("74f5d09aaf7465c4", "1f4033236eb586ab"),
    ("tracr-sort", (("model_seed", 3), ("seed", 1))): ("c22df96becf1d584", "de42fd129c20c1a5"),
    ("tracr-hist", (("model_seed", 0), ("seed", 0))): ("d81eb4887974d7d4", "abdab3bae4e261a6"),
    ("tracr-hist", (("model_seed", 3), ("seed", 1))): ("ac6737d8d0c528f9", "071ca7606c07aba1"),
    ("tracr-frac_prevs", (("model_seed", 0), ("seed", 0))): (
        "7da04aa1ddc33fa5", "23fb97f7b85cf554"),
    ("tracr-frac_prevs", (("model_seed", 3), ("seed", 1))): (
        "5593262ffc0b7db8", "99381752a7663ffd"),
    ("tracr-sort_freq", (("model_seed", 0), ("seed", 0))): (
        "a406b4ca76a333f3", "f91be05064d91963"),
    ("tracr-sort_freq", (("model_seed", 3), ("seed", 1))): (
        "152c38fa1e138dbf", "a6ccf95c79857fcb"),
    ("tracr-scalable", (("model_seed", 0), ("seed", 0))): ("505ec9f894fa9702", "f91be05064d91963"),
    ("tracr-scalable", (("model_seed", 1), ("seed", 1))): ("cc184eb900534a51", "a6ccf95c79857fcb"),
    ("tracr-scalable", (("model_seed", 2), ("seed", 2))): ("c5ed2423291c9c15", "f7d67ae7ca7611d5"),
}
"""SHA-256 (first 16 hex digits) of the model's float32 parameters and of the positive and
negative token ids, n_examples=40. First pinned over the whole state dict from the code
before the minimal design was added (commit fad6ecb; transformer-lens 2.18.0); the
parameter digests were then taken from the same builds after checking that every
state-dict digest still matched (buffers left out: TransformerLens 3 keeps the attention
mask empty, 2.x fills it). numpy 1.26.4/2.4, torch 2.13.0+cpu, tracr-pypi 1.0.0: a change
of numpy's normal sampler or of tracr's compiler would move them."""


def _digests(task) -> tuple[str, str]:
    h = hashlib.sha256()
    for key, value in sorted(task.model.named_parameters()):
        h.update(key.encode())
        h.update(value.detach().cpu().contiguous().numpy().tobytes())
    prompts = task.positive.numpy().tobytes() + b"|" + task.negative.numpy().tobytes()
    return h.hexdigest()[:16], hashlib.sha256(prompts).hexdigest()[:16]


@pytest.mark.parametrize(("name", "options"), list(PINNED_REARRANGED))
def test_rearranged_is_bit_identical_to_the_committed_tasks(name, options):
    task = load_task(name, n_examples=40, contrast="rearranged", **dict(options))
    assert _digests(task) == PINNED_REARRANGED[(name, options)], json.dumps(dict(options))


# --- who sees the contrast -----------------------------------------------------------


@pytest.mark.parametrize("name", TRACR_TASKS)
def test_minimal_pairs_differ_only_in_the_circuit(name):
    """Every head outside the truth gets bit-identical inputs on positive i and negative i,
    so its hook_z is equal exactly; the target computes on what changed."""
    task = _task(name)
    differ = _heads_that_differ(task)
    assert differ <= task.ground_truth.heads, sorted(differ - task.ground_truth.heads)
    assert differ, "no truth head responds to the minimal contrast"


@pytest.mark.parametrize("name", TRACR_TASKS)
def test_rearranged_pairs_show_distractors_the_contrast(name):
    """The same check fails with rearranged negatives (so it can fail)."""
    task = _task(name, contrast="rearranged")
    outside = _heads_that_differ(task) - task.ground_truth.heads
    assert len(outside) > len(task.ground_truth.heads)
    assert outside & _owned(task, RANDOM_OWNER)


# --- the visibility knob ----------------------------------------------------------------


def test_no_visible_heads_by_default():
    task = _scalable(0.0)
    assert not _owned(task, VISIBLE_OWNER) and task.metadata["visible_heads"] == []
    assert _heads_that_differ(task) <= task.ground_truth.heads


@pytest.mark.parametrize("fraction", [0.1, 0.5, 1.0])
def test_visible_fraction_shows_exactly_that_many_random_heads_the_contrast(fraction):
    base, task = _scalable(0.0), _scalable(fraction)
    n_random = base.metadata["n_random_heads"]
    assert task.metadata["n_random_heads"] == n_random == 144 - len(base.ground_truth.heads)
    visible = _owned(task, VISIBLE_OWNER)
    assert len(visible) == round(fraction * n_random)
    assert visible <= _owned(base, RANDOM_OWNER)
    assert task.metadata["visible_heads"] == [str(h) for h in sorted(visible)]
    assert task.metadata["visible_fraction"] == fraction
    differ = _heads_that_differ(task)
    assert differ - task.ground_truth.heads == visible
    # the truth and what the model computes are unchanged
    assert task.ground_truth.heads == base.ground_truth.heads
    assert task.ground_truth.edges == base.ground_truth.edges
    assert torch.equal(task.positive, base.positive) and torch.equal(task.negative, base.negative)
    assert torch.equal(task.model(task.negative), base.model(base.negative))


def test_visible_heads_grow_with_the_fraction():
    small, large = _owned(_scalable(0.1), VISIBLE_OWNER), _owned(_scalable(0.5), VISIBLE_OWNER)
    assert small < large
    assert _owned(_scalable(0.1, model_seed=3), VISIBLE_OWNER) != small  # drawn by model_seed


def test_visibility_strength_zero_shows_nothing():
    task = _scalable(0.5, visibility_strength=0.0)
    assert len(_owned(task, VISIBLE_OWNER)) == round(0.5 * task.metadata["n_random_heads"])
    assert _heads_that_differ(task) <= task.ground_truth.heads


def test_visibility_strength_scales_the_response():
    """A visible head's z moves further from the blind input as the strength grows."""
    weak, strong = _scalable(0.5, visibility_strength=0.1), _scalable(0.5)
    names = [hook_name(layer, "z") for layer in range(weak.n_layers)]

    def gap(task):
        z_pos = cache_activations(task.model, task.positive, names)
        z_neg = cache_activations(task.model, task.negative, names)
        return sum(
            (z_pos[names[h.layer]][:, :, h.head] - z_neg[names[h.layer]][:, :, h.head]).norm()
            for h in _owned(task, VISIBLE_OWNER)
        )

    assert 0 < gap(weak) < gap(strong)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"contrast": "rearranged", "visible_fraction": 0.5}, "needs contrast='minimal'"),
        ({"visible_fraction": 1.5}, r"fraction=1.5; give a number in \[0, 1\]"),
        ({"visibility_strength": -0.1}, r"strength=-0.1; give a number in \[0, 1\]"),
        ({"contrast": "shuffled"}, "contrast='shuffled'"),
    ],
)
def test_bad_contrast_options_say_what_to_give(options, match):
    with pytest.raises(ValueError, match=match):
        load_task("tracr-scalable", n_examples=2, **options)


def test_contrast_choices_are_the_vocabulary():
    assert set(task_info("tracr-sort").contrasts) == set(CONTRASTS)
    with pytest.raises(ValueError, match="contrast"):
        load_task("tracr-sort", n_examples=2, contrast="paired")


def test_visible_heads_are_random_distractors_to_the_head_tables():
    from sae_core.experiments.sweeps import ROLE_RANDOM, head_roles

    task = _scalable(0.5)
    roles = head_roles(task)
    assert all(roles[h.layer, h.head] == ROLE_RANDOM for h in _owned(task, VISIBLE_OWNER))
