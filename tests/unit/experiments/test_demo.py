"""The demo's verdict: cases, the table and the summary (no model runs but one small one)."""

from __future__ import annotations

import math

import pytest

from sae_core.experiments import demo
from sae_core.tasks import available_tasks


def _row(task, contrast, method, node, edge=math.nan, pooling=None, source="compiled"):
    return {"task": task, "contrast": contrast, "method": method, "pooling": pooling,
            "model_source": source, "n_layers": 2, "n_heads": 4, "seconds": 1.25,
            "node_auc_mean": node, "node_auc_sd": 0.0, "edge_auc_mean": edge,
            "edge_auc_sd": math.nan}


def test_every_demo_case_is_a_registered_task_with_a_known_contrast():
    assert {t for t, _ in demo.DEMO_CASES} <= set(available_tasks())
    assert {c for _, c in demo.DEMO_CASES} <= {"minimal", "rearranged", None}
    tracr = [t for t, _ in demo.DEMO_CASES if t.startswith("tracr-")]
    for task in set(tracr):  # both regimes of every tracr task are measured
        assert {c for t, c in demo.DEMO_CASES if t == task} == {"minimal", "rearranged"}


def test_verdict_table_puts_methods_side_by_side_per_case():
    rows = [
        _row("tracr-sort", "minimal", "sae", 0.9, 0.8, pooling="mean"),
        _row("tracr-sort", "minimal", "hisp", 0.7),
        _row("tracr-sort", "rearranged", "sae", 0.2, 0.1, pooling="mean"),
        _row("tracr-sort", "rearranged", "hisp", 0.6),
    ]
    lines = demo.format_verdict(rows).splitlines()
    assert lines[0].startswith("| task | contrast | heads | SAE node AUC | SAE edge AUC | SAE s |")
    assert "HISP node AUC" in lines[0]
    assert lines[2] == ("| tracr-sort | minimal | 2x4 | 0.900 +- 0.000 | 0.800 | 1.2 "
                        "| 0.700 +- 0.000 | n/a | 1.2 |")
    assert lines[3].startswith("| tracr-sort | rearranged | 2x4 | 0.200 +- 0.000 |")


def test_verdict_table_labels_stand_ins_and_splits_poolings():
    rows = [_row("ioi", "minimal", "sae", 0.5, pooling=p, source="random")
            for p in ("mean", "last")]
    text = demo.format_verdict(rows)
    assert "SAE pooling" in text.splitlines()[0]
    assert text.count("random-weight stand-in") == 2


def test_verdict_summary_averages_each_contrast_and_method():
    rows = [
        _row("a", "minimal", "sae", 1.0, pooling="mean"),
        _row("b", "minimal", "sae", 0.5, pooling="mean"),
        _row("b", "minimal", "sae", 0.0, pooling="last"),  # not the first pooling: left out
        _row("a", None, "eap", 0.25),
    ]
    assert demo.verdict_summary(rows) == {("minimal", "sae"): 0.75, ("own", "eap"): 0.25}


def test_verdict_title_states_each_contrasts_means():
    rows = [
        _row("a", "minimal", "sae", 0.5, pooling="mean"),
        _row("a", "minimal", "eap", 1.0),
        _row("a", "rearranged", "sae", 0.25, pooling="mean"),
        _row("b", None, "sae", 1.0, pooling="mean"),
    ]
    assert demo.verdict_title(rows) == (
        "Mean node AUC - minimal pairs: SAE 0.50, EAP 1.00 | rearranged: SAE 0.25 "
        "| own negatives: SAE 1.00")


@pytest.mark.slow
def test_run_verdict_runs_a_case_and_records_its_contrast():
    rows = demo.run_verdict([("induction-toy", None)], methods=("sae", "hisp"), seeds=(0,),
                            sae_overrides={"steps": 20, "n_features": 32}, progress=False)
    assert [(r["method"], r["pooling"], r["contrast"]) for r in rows] == [
        ("sae", "mean", None), ("hisp", None, None)]
    assert 0.0 <= rows[0]["node_auc_mean"] <= 1.0
    assert rows[0]["config"]["sae"]["steps"] == 20
