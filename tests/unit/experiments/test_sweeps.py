"""Ablation sweeps: grid x seeds tables, recounting on prompt windows, per-head code tables."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import torch

from sae_core import kernels
from sae_core.config import SAEConfig
from sae_core.discover import cache_task, discover_seeds
from sae_core.experiments import sweeps
from sae_core.metrics import evaluate
from sae_core.types import GroundTruth, Task
from tests.conftest import tiny_model

CONFIG = SAEConfig(n_features=8, steps=3, n_train=2, device="cpu")


@pytest.fixture(scope="module")
def task():
    gen = torch.Generator().manual_seed(1)
    owners = (("sort", "reverse", "random"), ("random", "", "reverse"))
    return Task(
        name="toy",
        model=tiny_model(),
        positive=torch.randint(0, 20, (12, 5), generator=gen),
        negative=torch.randint(0, 20, (12, 5), generator=gen),
        ground_truth=GroundTruth({"0.1", "1.2"}, edges={("0.1", "1.2")}),
        model_source="random",
        head_owner=owners,
    )


@pytest.fixture(scope="module")
def caches(task):
    return sweeps.cache_poolings(task, ("mean", "positions"), CONFIG)


def test_sweep_matches_discover_seeds(task, caches):
    df = sweeps.sweep(task, {"l1": [0.02]}, (0, 1), CONFIG, caches=dict(caches), progress=False)
    found = discover_seeds(task, CONFIG, seeds=(0, 1), activations=caches["mean"])
    assert list(df["seed"]) == [0, 1]
    for d, (_, row) in zip(found, df.iterrows(), strict=True):
        want = evaluate(d, task.ground_truth)
        for m in sweeps.METRICS:
            assert row[m] == pytest.approx(want[m], nan_ok=True)
    assert (df["label"] == "toy (random-weight stand-in)").all()
    assert set(df["n_count"]) == {12 - CONFIG.n_train}
    assert (df["seconds"] >= 0).all()


def test_grid_product_and_columns(task, caches):
    grid = {"n_features": [4, 8], "l1": [0.01, 0.1]}
    df = sweeps.sweep(task, grid, (0, 1, 2), CONFIG, caches=dict(caches), progress=False)
    assert len(df) == 2 * 2 * 3
    for col in ("task", "label", "model_source", "n_features", "l1", "pooling", "n_train",
                "n_count", "count_from", "seed", *sweeps.METRICS, "seconds"):
        assert col in df.columns
    assert sorted(set(zip(df["n_features"], df["l1"], strict=True))) == [
        (4, 0.01), (4, 0.1), (8, 0.01), (8, 0.1)
    ]


def test_n_train_sweep_counts_one_fixed_window(task, caches):
    df = sweeps.sweep(task, {"n_train": [1, 3]}, (0,), CONFIG, n_count=4,
                      caches=dict(caches), keep_discoveries=True, progress=False)
    assert set(df["count_from"]) == {3}  # the largest n_train
    assert set(df["n_count"]) == {4}
    # every setting counted positives 3..6: the codes of n_train=1 are its codes of prompts 2..5
    small = df[df["n_train"] == 1]["discovery"].iloc[0]
    full = discover_seeds(task, dataclasses.replace(CONFIG, n_train=1), (0,),
                          activations=caches["mean"])[0]
    np.testing.assert_array_equal(small.codes_pos, full.codes_pos[2:6])
    np.testing.assert_array_equal(small.codes_neg, full.codes_neg[2:6])


def test_n_count_grid_is_a_recount(task, caches):
    df = sweeps.sweep(task, {"n_count": [2, 5]}, (0,), CONFIG, caches=dict(caches),
                      keep_discoveries=True, progress=False)
    assert list(df["n_count"]) == [2, 5]
    d2, d5 = df["discovery"]
    np.testing.assert_array_equal(d2.codes_pos, d5.codes_pos[:2])
    want = kernels.unique_code_counts_reference(d5.codes_pos[:2], d5.codes_neg[:2])
    np.testing.assert_array_equal(d2.node_scores.ravel(), want)


def test_recount_reference_and_positions(task, caches):
    cfg = dataclasses.replace(CONFIG, pooling="positions")
    d = discover_seeds(task, cfg, (0,), activations=caches["positions"])[0]
    per = (caches["positions"].rows_per_prompt_pos, caches["positions"].rows_per_prompt_neg)
    assert per == (5, 5)
    same = sweeps.recount(d, 0, None, per)
    np.testing.assert_array_equal(same.node_scores, d.node_scores)
    np.testing.assert_array_equal(same.edge_scores, d.edge_scores)
    np.testing.assert_array_equal(same.edge_node_scores, d.edge_node_scores)
    sub = sweeps.recount(d, 1, 3, per)
    pos, neg = d.codes_pos[5:20], d.codes_neg[5:20]
    np.testing.assert_array_equal(sub.codes_pos, pos)
    np.testing.assert_array_equal(
        sub.node_scores.ravel(), kernels.unique_code_counts_reference(pos, neg)
    )
    np.testing.assert_array_equal(
        sub.edge_scores, kernels.unique_pair_counts_reference(pos, neg)
    )
    assert "recount" in sub.timings
    with pytest.raises(ValueError, match="more prompts"):
        sweeps.recount(d, 5, 6, per)


def test_errors_name_the_fix(task, caches):
    with pytest.raises(KeyError, match="SAEConfig field"):
        sweeps.sweep(task, {"n_feature": [4]}, (0,), CONFIG, progress=False)
    with pytest.raises(ValueError, match="n_examples"):
        sweeps.sweep(task, {"n_count": [50]}, (0,), CONFIG, caches=dict(caches), progress=False)
    with pytest.raises(ValueError, match="empty"):
        sweeps.sweep(task, {"l1": []}, (0,), CONFIG, progress=False)
    with pytest.raises(ValueError, match="training prompts"):
        sweeps.sweep(task, {"n_train": [3]}, (0,), CONFIG, count_from=1,
                     caches=dict(caches), progress=False)


def test_sweep_tasks_and_summarize(task, caches):
    df = sweeps.sweep_tasks([task], {"n_count": [2, 4]}, (0, 1), CONFIG,
                            caches={"toy": dict(caches)}, progress=False)
    summary = sweeps.summarize(df)
    assert len(summary) == 2
    assert (summary["n_seeds"] == 2).all()
    row = summary.iloc[0]
    vals = df[df["n_count"] == 2]["node_auc"]
    assert row["node_auc_mean"] == pytest.approx(vals.mean())
    assert row["node_auc_sd"] == pytest.approx(vals.std(ddof=1))


def test_summarize_one_seed_sd_zero_and_nan():
    df = pd.DataFrame({"task": ["a"], "x": [1], "seed": [0], "node_auc": [0.7],
                       "edge_auc": [math.nan], "edge_node_auc": [0.5], "seconds": [1.0]})
    out = sweeps.summarize(df)
    assert out.loc[0, "node_auc_sd"] == 0.0
    assert math.isnan(out.loc[0, "edge_auc_mean"]) and math.isnan(out.loc[0, "edge_auc_sd"])


def test_head_roles(task):
    roles = sweeps.head_roles(task)
    assert roles.shape == (2, 3)
    assert roles[0, 1] == roles[1, 2] == sweeps.ROLE_TRUTH
    assert roles[0, 0] == sweeps.ROLE_COMPILED
    assert roles[0, 2] == roles[1, 0] == sweeps.ROLE_RANDOM
    assert roles[1, 1] == sweeps.ROLE_EMPTY
    plain = dataclasses.replace(task, head_owner=None)
    assert set(sweeps.head_roles(plain).ravel()) == {sweeps.ROLE_TRUTH, sweeps.ROLE_OTHER}


def test_head_code_table_counts(task, caches):
    found = discover_seeds(task, CONFIG, (0, 1), activations=caches["mean"])
    table = sweeps.head_code_table(task, found, caches)
    assert len(table) == 2 * 6
    for d in found:
        rows = table[table["seed"] == d.seed]
        np.testing.assert_array_equal(rows["n_pos_only"], d.node_scores.ravel())
        for h, (_, r) in enumerate(rows.iterrows()):
            pos, neg = set(d.codes_pos[:, h]), set(d.codes_neg[:, h])
            assert (r["n_pos_codes"], r["n_neg_codes"], r["n_shared"]) == (
                len(pos), len(neg), len(pos & neg)
            )
    # the tiny model's mean-pooled outputs differ on every prompt
    assert (table["n_distinct_pos"] == 12).all()
    summary = sweeps.summarize_head_codes(table)
    assert list(summary["role"]) == [
        sweeps.ROLE_TRUTH, sweeps.ROLE_COMPILED, sweeps.ROLE_RANDOM, sweeps.ROLE_EMPTY
    ]
    assert summary.set_index("role").loc[sweeps.ROLE_TRUTH, "n_heads"] == 2


def test_role_auc_breakdown():
    table = pd.DataFrame({
        "task": "t", "pooling": "mean", "seed": 0,
        "role": [sweeps.ROLE_TRUTH, sweeps.ROLE_TRUTH, sweeps.ROLE_RANDOM, sweeps.ROLE_COMPILED],
        "n_pos_only": [1, 2, 5, 0],
    })
    out = sweeps.role_auc_breakdown(table)
    assert out.loc[0, sweeps.ROLE_RANDOM] == 0.0
    assert out.loc[0, sweeps.ROLE_COMPILED] == 1.0
    assert math.isnan(out.loc[0, sweeps.ROLE_EMPTY])


def test_distinct_outputs_rounding():
    x = torch.zeros(4, 2, 3)
    x[1, 0, 0] = 1e-6  # below the rounding: same vector
    x[2, 1, 0] = 1.0
    acts = type("A", (), {"positive": x, "negative": x[:2]})()
    pos, neg = sweeps.distinct_outputs(acts)
    np.testing.assert_array_equal(pos, [1, 2])
    np.testing.assert_array_equal(neg, [1, 1])


def test_cache_poolings_reuses(task, caches):
    filled = dict(caches)
    out = sweeps.cache_poolings(task, ("mean",), CONFIG, filled)
    assert out["mean"] is caches["mean"]
    assert cache_task(task, CONFIG).positive.shape == caches["mean"].positive.shape


def test_load_tasks_marks_paper_tasks_as_stand_ins():
    tasks = sweeps.load_tasks(["induction-toy"], ["induction-gpt2"], n_examples=12)
    assert [t.name for t in tasks] == ["induction-toy", "induction-gpt2"]
    assert [t.model_source for t in tasks] == ["trained", "random"]
    assert all(t.positive.shape[0] == 12 for t in tasks)


def test_describe_tasks_mode_skip_note_and_heads():
    tasks = sweeps.load_tasks(["induction-toy"], n_examples=12)
    text = sweeps.describe_tasks(tasks, fast=True)
    assert text.splitlines() == [
        "mode: FAST (tiny grid, few steps: numbers are a smoke test)",
        sweeps.PAPER_TASKS_SKIPPED,
        "induction-toy: 2x4 heads, truth 6",
    ]
    brief = sweeps.describe_tasks(tasks, ["ioi"], fast=False, per_task=False)
    assert brief == "mode: FULL"
