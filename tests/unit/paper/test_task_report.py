"""The paper-task report: truths by task, summaries, tables equal to the tables module's."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from sae_core.config import SAEConfig
from sae_core.paper.numbers import HEADLINE_AUC, PAPER
from sae_core.paper.tables import auc_vs_paper, seed_metrics
from sae_core.paper.task_report import (
    EDGE_TRUTH_VARIANT,
    edge_truth,
    headline_table,
    load_paper_task,
    paper_truths,
    seed_table,
    seeds_summary,
    settings_summary,
    table_caption,
    task_summary,
)
from sae_core.tasks.ground_truth import TRUTHS
from sae_core.types import Task
from tests.conftest import tiny_model
from tests.unit.plots.test_circuit import discovery
from tests.unit.test_types import PROVENANCE

SHAPES = {"ioi": (12, 12), "greater-than": (12, 12), "docstring": (4, 8)}
"""(n_layers, n_heads) of each paper task's model."""


def paper_discovery(task_name: str, seed: int = 0, model_source: str = "random"):
    """A synthetic Discovery of a paper task's shape whose scores favour the paper's heads."""
    n_layers, n_heads = SHAPES[task_name]
    n_total = n_layers * n_heads
    rng = np.random.default_rng(seed)
    node = rng.integers(0, 3, size=(n_layers, n_heads)).astype(float)
    for h in TRUTHS[task_name]["paper"].heads:
        node[h.layer, h.head] += 4
    edge = np.triu(rng.integers(0, 4, size=(n_total, n_total)).astype(float), 1)
    edge = edge + edge.T
    return dataclasses.replace(
        discovery(model_source, seed), task_name=task_name, node_scores=node,
        edge_scores=edge, edge_node_scores=edge.sum(1).reshape(n_layers, n_heads),
        codes_pos=np.zeros((4, n_total), int), codes_neg=np.zeros((4, n_total), int),
    )


def test_truths_and_edge_truth_of_every_paper_task():
    for task_name in ("ioi", "greater-than", "docstring"):
        truths = paper_truths(task_name)
        assert truths == TRUTHS[task_name] and truths is not TRUTHS[task_name]
        drawn = edge_truth(task_name)
        assert drawn is TRUTHS[task_name][EDGE_TRUTH_VARIANT[task_name]]
        assert drawn.edges  # edge plots always have truth edges to mark
    assert edge_truth("docstring") is TRUTHS["docstring"]["acdc"]  # the paper's has no edges


def test_other_tasks_are_refused_with_the_way_out():
    with pytest.raises(KeyError, match="not one of the paper's tasks"):
        paper_truths("tracr-sort")
    with pytest.raises(KeyError, match="sae_core.paper.tables"):
        load_paper_task("toy", model_source="random", n_examples=4)


def test_settings_summary_names_settings_and_paper_numbers():
    config = SAEConfig(l1=0.05, steps=50)
    fast, full = settings_summary("docstring", config, True), settings_summary("ioi", config, False)
    assert fast.splitlines()[0] == f"fast settings {config}"
    assert fast.splitlines()[1] == f"{PAPER} - docstring {dict(HEADLINE_AUC['docstring'])}"
    assert full.startswith("full settings ") and "'sae_node': (0.868, 0.008)" in full
    sized = settings_summary("docstring", config, True, n_examples=20, n_seeds=2)
    assert sized.splitlines()[0] == ("FAST settings (SAE_CORE_FAST=1): 20 + 20 prompts, "
                                     "2 seeds, 50 SAE steps - not the paper's sizes")
    assert sized.splitlines()[1:] == fast.splitlines()
    assert settings_summary("ioi", config, False, n_examples=20, n_seeds=2) == full


def _docstring_task(model_source: str) -> Task:
    model = tiny_model(n_layers=4, n_heads=8)
    prompts = torch.zeros((3, 5), dtype=torch.long)
    return Task(name="docstring", model=model, positive=prompts, negative=prompts[:2],
                model_source=model_source, description="a toy docstring task",
                positive_texts=("def f(a, b):", "def h(c):", "def k(d):"),
                negative_texts=("def g(x):", "def m(y):"))


def test_task_summary_lists_label_shapes_prompts_and_truths():
    lines = task_summary(_docstring_task("random")).splitlines()
    assert lines[:5] == [
        "docstring (random-weight stand-in) - a toy docstring task",
        "model: random-weight stand-in",
        "positives (3, 5) negatives (2, 5)",
        "positive: def f(a, b):",
        "negative: def g(x):",
    ]
    assert lines[5].startswith("truth 'paper': 6 heads, no edges - ")
    n_edges = len(TRUTHS["docstring"]["acdc"].edges)
    assert lines[6].startswith(f"truth 'acdc': 6 heads, {n_edges} edges - ")
    assert len(lines) == 7


def test_task_summary_names_the_checkpoint_only_with_its_record():
    recorded = dataclasses.replace(_docstring_task("pretrained"), provenance=PROVENANCE)
    assert task_summary(recorded).splitlines()[1] == f"model: {PROVENANCE.summary()}"
    assert "sha256 " + "a" * 64 in PROVENANCE.summary()
    unrecorded = task_summary(_docstring_task("pretrained")).splitlines()[1]
    assert unrecorded == "model: pretrained (no provenance)"


def test_seeds_summary_reports_the_first_seed():
    found = [paper_discovery("docstring", seed=s) for s in (3, 4)]
    lines = seeds_summary(_docstring_task("pretrained"), found).splitlines()
    assert lines[0] == "docstring"
    assert lines[1].startswith("seconds per seed (seed 3): {")
    heads = " ".join(str(h) for h in found[0].circuit(rule="paper"))
    assert heads and lines[2] == f"selected heads, seed 3: {heads}"


def test_headline_and_seed_tables_are_the_tables_modules_against_every_variant():
    found = [paper_discovery("ioi", seed=s) for s in (0, 1, 2)]
    table = headline_table(found)
    pd.testing.assert_frame_equal(table, auc_vs_paper("ioi", found, TRUTHS["ioi"]))
    assert set(table["truth"]) == {"paper", "acdc"}
    paper_rows = table[table["truth"] == "paper"].set_index("metric")
    assert paper_rows.loc["node_auc", "paper_mean"] == HEADLINE_AUC["ioi"]["sae_node"][0]
    assert (paper_rows.loc["node_auc", "ours_mean"] > 0.9)  # the fake favours the truth
    assert table_caption(table) == (
        f"{table.attrs['title']}\nhead score from edges: {table.attrs['edge_head_score']}")
    assert "random-weight stand-in" in table_caption(table).splitlines()[0]
    pd.testing.assert_frame_equal(seed_table(found), seed_metrics(found, TRUTHS["ioi"]))
    assert len(seed_table(found)) == 6


def test_tables_refuse_no_seeds_and_mixed_tasks():
    with pytest.raises(ValueError, match="at least one Discovery"):
        headline_table([])
    with pytest.raises(ValueError, match="one task"):
        seed_table([paper_discovery("ioi"), paper_discovery("docstring")])
