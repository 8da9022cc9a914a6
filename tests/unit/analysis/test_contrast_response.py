"""contrast_response: which heads see the contrast (blind / unresolved / found), on tracr
tasks whose truth and contrast design are exact."""

from __future__ import annotations

import dataclasses
import functools

import pytest
import torch

from sae_core.analysis.contrast_response import (
    RESPONSES,
    contrast_response,
    response_summary,
    response_table,
)
from sae_core.config import SAEConfig
from sae_core.discover import HeadActivations, cache_task, discover_seeds
from sae_core.tasks import load_task

FAST = SAEConfig(n_features=50, steps=60, l1=0.02, device="cpu")


@functools.cache
def _task(name: str, contrast: str):
    return load_task(name, contrast=contrast, n_examples=40, seed=1)


@functools.cache
def _table(name: str, contrast: str, pooling: str = "mean"):
    return contrast_response(_task(name, contrast), dataclasses.replace(FAST, pooling=pooling))


def test_on_minimal_pairs_every_head_outside_the_circuit_is_blind():
    table = _table("tracr-hist", "minimal")
    outside = table[~table["in_truth"].astype(bool)]
    assert (outside["response"] == "blind").all()
    assert (outside["paired_change"] == 0).all()
    circuit = table[table["in_truth"].astype(bool)]
    assert (circuit["response"] != "blind").all()  # hist's heads count what changed
    assert (circuit["paired_change"] > 0.1).all()


def test_on_rearranged_tokens_heads_outside_the_circuit_see_the_contrast():
    table = _table("tracr-hist", "rearranged")
    outside = table[~table["in_truth"].astype(bool)]
    assert (outside["response"] != "blind").sum() >= 5


def test_mean_pooling_averages_a_permutation_away_and_positions_pooling_does_not():
    """tracr-sort's heads output the sorted sequence: a pair's outputs are a permutation of
    each other, equal after the mean over positions, different position by position."""
    mean = _table("tracr-sort", "minimal", "mean")
    circuit = mean[mean["in_truth"].astype(bool)]
    assert (circuit["response"] == "blind").all()
    assert (circuit["paired_change"] < 1e-6).all()
    per_position = _table("tracr-sort", "minimal", "positions")
    circuit = per_position[per_position["in_truth"].astype(bool)]
    assert (circuit["response"] != "blind").any()


def test_found_means_positive_only_codes_and_the_columns_hold_together():
    table = _table("tracr-hist", "rearranged")
    assert list(table["response"].cat.categories) == list(RESPONSES)
    assert ((table["response"] == "found") == (table["positive_only_codes"] > 0)).all()
    assert (table["n_codes_pos"] >= 1).all() and (table["n_codes_neg"] >= 1).all()
    assert table["norm_vs_median"].median() == pytest.approx(1.0)
    task = _task("tracr-hist", "rearranged")
    assert len(table) == task.n_layers * task.n_heads
    assert list(table["layer"][: task.n_heads]) == [0] * task.n_heads


def test_summary_counts_every_head_once():
    table = _table("tracr-hist", "minimal")
    summary = response_summary(table)
    assert list(summary.columns) == list(RESPONSES)
    assert set(summary.index) == {"circuit", "outside"}
    assert int(summary.to_numpy().sum()) == len(table)
    assert int(summary.loc["outside", "blind"]) == int((~table["in_truth"].astype(bool)).sum())
    no_truth = response_summary(table.assign(in_truth=None))
    assert list(no_truth.index) == ["all"]


def test_unpaired_sets_compare_set_means_only():
    task = _task("tracr-hist", "rearranged")
    acts = cache_task(task, FAST)
    short = HeadActivations(acts.positive, acts.negative[:-3], 1, 1, 0.0)
    found = discover_seeds(task, FAST, (0,), activations=short)[0]
    table = response_table(short, found)
    assert table["paired_change"].isna().all()
    assert (table["mean_shift"] >= 0).all()
    with pytest.raises(ValueError, match="one negative per positive"):
        response_table(short, found, paired=True)
    unpaired = response_table(acts, discover_seeds(task, FAST, (0,), activations=acts)[0],
                              paired=False)
    assert unpaired["paired_change"].isna().all()


def test_a_task_without_a_contrast_is_not_taken_as_pairs():
    task = load_task("induction-toy", n_examples=30)
    assert task.contrast is None
    table = contrast_response(task, FAST)
    assert table["paired_change"].isna().all()


def test_bad_input_names_the_fix():
    task = _task("tracr-hist", "minimal")
    acts = cache_task(task, FAST)
    found = discover_seeds(task, FAST, (0,), activations=acts)[0]
    with pytest.raises(ValueError, match="tolerance"):
        response_table(acts, found, tolerance=2.0)
    fewer = HeadActivations(acts.positive[:, :-1], acts.negative[:, :-1], 1, 1, 0.0)
    with pytest.raises(ValueError, match="pass the activations the discovery was run on"):
        response_table(fewer, found)
    assert torch.equal(acts.positive, cache_task(task, FAST).positive)  # nothing mutated
