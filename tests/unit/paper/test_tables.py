"""Ours-vs-paper tables: per-seed metrics, summaries, paper numbers on the paper's truth only."""

from dataclasses import replace

import numpy as np
import pytest

from sae_core.paper.numbers import HEADLINE_AUC
from sae_core.paper.tables import auc_vs_paper, seed_metrics
from sae_core.types import source_label
from tests.unit.plots.test_circuit import TRUTH_EDGES, TRUTH_HEADS, discovery
from tests.unit.test_types import PROVENANCE

TRUTHS = {"paper": TRUTH_HEADS, "acdc": TRUTH_EDGES}


def test_seed_metrics_one_row_per_seed_and_variant():
    found = [discovery(seed=s) for s in (0, 1, 2)]
    df = seed_metrics(found, TRUTHS)
    assert len(df) == 6
    assert set(df["truth"]) == {"paper", "acdc"} and sorted(set(df["seed"])) == [0, 1, 2]
    assert set(df["model"]) == {"random-weight stand-in"}
    assert df.loc[df["truth"] == "paper", "edge_auc"].isna().all()
    assert df.loc[df["truth"] == "acdc", "edge_auc"].notna().all()


def test_auc_vs_paper_summarises_seeds_and_puts_paper_numbers_on_paper_rows():
    found = [discovery(seed=s) for s in (0, 1, 2)]
    table = auc_vs_paper("ioi", found, TRUTHS)
    per_seed = seed_metrics(found, TRUTHS)
    # paper variant has no edge truth: its edge_auc row is left out
    assert list(zip(table["truth"], table["metric"], strict=True)) == [
        ("paper", "node_auc"), ("paper", "edge_node_auc"),
        ("acdc", "node_auc"), ("acdc", "edge_node_auc"), ("acdc", "edge_auc"),
    ]
    row = table.iloc[0]
    values = per_seed.loc[per_seed["truth"] == "paper", "node_auc"].to_numpy()
    assert row.ours_mean == pytest.approx(values.mean())
    assert row.ours_sd == pytest.approx(values.std(ddof=1))
    assert row.n_seeds == 3
    assert (row.paper_mean, row.paper_sd) == HEADLINE_AUC["ioi"]["sae_node"]
    assert table.iloc[1].paper_mean == HEADLINE_AUC["ioi"]["sae_edge"][0]
    assert table.loc[table["truth"] == "acdc", "paper_mean"].isna().all()
    assert set(table["model"]) == {"random-weight stand-in"}
    assert "random-weight stand-in" in table.attrs["title"]
    assert table.attrs["edge_head_score"] == "row_sum"


def test_one_seed_and_one_truth_and_unknown_task():
    recorded = replace(discovery(), model_source="pretrained", provenance=PROVENANCE)
    table = auc_vs_paper("toy", recorded, TRUTH_EDGES)
    assert set(table["truth"]) == {"paper"}
    assert table["ours_sd"].isna().all() and table["paper_mean"].isna().all()
    assert set(table["model"]) == {"pretrained"}
    assert np.isfinite(table["ours_mean"]).all()


def test_empty_inputs_are_refused():
    with pytest.raises(ValueError, match="at least one Discovery"):
        auc_vs_paper("ioi", [], TRUTHS)
    with pytest.raises(ValueError, match="at least one ground truth"):
        seed_metrics([discovery()], {})


def test_model_label_says_pretrained_only_with_a_record():
    assert source_label("random", None) == "random-weight stand-in"
    assert source_label("pretrained", PROVENANCE) == "pretrained"
    assert source_label("pretrained", None) == "pretrained (no provenance)"
    assert source_label("compiled", None) == "compiled"
    recorded = replace(discovery(), model_source="pretrained", provenance=PROVENANCE)
    unrecorded = replace(discovery(), model_source="pretrained")
    df = seed_metrics([recorded, unrecorded], TRUTHS)
    assert list(df["model"][:2]) == ["pretrained", "pretrained (no provenance)"]
