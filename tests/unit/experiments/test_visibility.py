"""The visibility sweep on a tiny setting: the rows it makes, resuming from kept rows,
the JSON round trip, and the settings it refuses."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from sae_core.experiments import visibility as vis
from sae_core.methods import method_spec
from sae_core.metrics import evaluate
from sae_core.paper.settings import paper_config
from sae_core.tasks import load_task

TINY = vis.VisibilitySettings(
    fractions=(0.0, 1.0), strengths=(0.0, 1.0), strength_fraction=1.0, seeds=(0, 1),
    methods=("sae", "hisp"), poolings=("mean", "last"), slow_seeds=(), n_examples=16,
    sae=dataclasses.replace(paper_config("tracr-scalable"), steps=10, n_features=16,
                            n_train=4, device="cpu"),
    task_options={"n_layers": 6, "n_heads": 4},
)


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    rows_dir = tmp_path_factory.mktemp("rows")
    return vis.run_visibility(TINY, rows_dir=rows_dir, progress=False), rows_dir


def test_rows_cover_every_point_seed_method_and_pooling(swept):
    result, _ = swept
    rows = result.rows
    # fraction curve (0, 1) x seeds x (sae mean, sae last, hisp), plus strength 0 at
    # fraction 1 x seeds x (sae mean, hisp)
    assert len(rows) == 2 * 2 * 3 + 2 * 2
    assert set(rows["regime"]) == {"minimal"}
    curve = rows[rows["visibility_strength"] == 1.0]
    assert set(curve.loc[curve["method"] == "sae", "pooling"]) == {"mean", "last"}
    assert set(rows.loc[rows["method"] == "hisp", "pooling"]) == {""}
    assert not rows["cached"].any()
    n_random = load_task("tracr-scalable", contrast="minimal", n_examples=4,
                         **TINY.task_options).metadata["n_random_heads"]
    assert set(rows.loc[rows["visible_fraction"] == 0.0, "n_visible_heads"]) == {0}
    assert set(rows.loc[rows["visible_fraction"] == 1.0, "n_visible_heads"]) == {n_random}
    # HISP scores heads only: its edge AUC is NaN; the SAE's edge_node_auc is set
    assert rows.loc[rows["method"] == "hisp", "edge_auc"].isna().all()
    assert rows.loc[rows["method"] == "sae", "edge_node_auc"].notna().all()


@pytest.mark.parametrize("method", ["hisp", "sae"])
def test_a_row_is_the_method_run_on_the_task_the_options_build(swept, method):
    """Seed k builds the task with model_seed = prompt seed = k (and seeds the SAE)."""
    result, _ = swept
    rows = result.rows
    row = rows[(rows["method"] == method) & (rows["visible_fraction"] == 1.0)
               & (rows["visibility_strength"] == 1.0) & (rows["seed"] == 1)
               & (rows["pooling"].isin(["", "mean"]))].iloc[0]
    options = vis.task_options(TINY, 1.0, 1.0, 1)
    assert options["model_seed"] == options["seed"] == 1
    assert options["contrast"] == "minimal" and options["visible_fraction"] == 1.0
    task = load_task("tracr-scalable", **options)
    config = vis._Job(1.0, 1.0, 1, method, "mean" if method == "sae" else "").config(TINY)
    want = evaluate(method_spec(method).run(task, config), task.ground_truth)
    for metric in ("node_auc", "edge_auc"):
        assert row[metric] == pytest.approx(want[metric], nan_ok=True)


def test_seeds_draw_different_visible_heads():
    heads = [load_task("tracr-scalable", **vis.task_options(TINY, 0.5, 1.0, k)).metadata[
        "visible_heads"] for k in (0, 1)]
    assert heads[0] != heads[1]


def test_kept_rows_are_read_back_and_missing_ones_listed(swept):
    result, rows_dir = swept
    again = vis.run_visibility(TINY, rows_dir=rows_dir, progress=False)
    assert again.rows["cached"].all()
    cols = ["method", "pooling", "visible_fraction", "visibility_strength", "seed",
            "node_auc", "edge_auc"]
    pd.testing.assert_frame_equal(again.rows[cols], result.rows[cols])
    more = dataclasses.replace(TINY, seeds=(0, 1, 2))
    partial = vis.run_visibility(more, rows_dir=rows_dir, progress=False, compute=False)
    assert len(partial.rows) == len(result.rows)
    assert len(partial.notes["missing"]) == 2 * 3 + 2  # seed 2: curve 2 x 3, strength 0 x 2
    assert all("seed 2" in m for m in partial.notes["missing"])


def test_json_round_trip(swept, tmp_path):
    result, _ = swept
    path = result.write(tmp_path / "visibility.json")
    back = vis.VisibilityResult.read(path)
    assert back.settings["fractions"] == [0.0, 1.0]
    assert back.regime == "minimal" and back.machine == result.machine
    pd.testing.assert_frame_equal(back.summary(), result.summary(), check_dtype=False)
    hisp = back.rows[back.rows["method"] == "hisp"]
    assert hisp["edge_auc"].isna().all()  # NaN stored as null comes back as NaN
    assert back.fraction_curve()["method"].tolist().count("sae") == 2  # first pooling only


def test_summary_means_and_sds_over_seeds(swept):
    result, _ = swept
    s = result.summary()
    rows = result.rows
    got = s[(s["method"] == "sae") & (s["pooling"] == "last") & (s["visible_fraction"] == 0.0)]
    want = rows[(rows["method"] == "sae") & (rows["pooling"] == "last")
                & (rows["visible_fraction"] == 0.0)]["node_auc"]
    assert got["node_auc_mean"].item() == pytest.approx(want.mean())
    assert got["node_auc_sd"].item() == pytest.approx(want.std(ddof=1), nan_ok=True)
    assert got["n_seeds"].item() == 2


def test_format_table_and_headline(swept):
    result, _ = swept
    table = vis.format_table(result)
    assert list(table.index) == [0.0, 1.0]
    assert "sae node auc" in table.columns and "hisp edge auc" in table.columns
    assert isinstance(vis.headline(result), str)
    assert "minimal" in vis.describe(result)


def test_headline_claims_only_what_the_data_say(swept):
    result, _ = swept

    def with_sae_auc(values):
        rows = result.rows.copy()
        for fraction, auc in values.items():
            rows.loc[(rows["method"] == "sae") & (rows["visible_fraction"] == fraction),
                     "node_auc"] = auc
        return dataclasses.replace(result, rows=rows)

    assert vis.headline(with_sae_auc({0.0: 0.95, 1.0: 0.5})).startswith(
        "The SAE method finds the circuit while distractors cannot see the contrast")
    assert "every fraction" in vis.headline(with_sae_auc({0.0: 0.95, 1.0: 0.92}))
    blind = vis.headline(with_sae_auc({0.0: 0.5, 1.0: 0.5}))
    assert "finds" not in blind and "below chance" not in blind and "0.50" in blind
    worse = vis.headline(with_sae_auc({0.0: 0.5, 1.0: 0.1}))
    assert worse.startswith("The SAE method misses the circuit") and "below chance" in worse


@pytest.mark.parametrize("bad, match", [
    ({"fractions": (0.0, 1.5)}, "outside"),
    ({"poolings": ("max",)}, "poolings"),
    ({"slow_seeds": (7,)}, "not among seeds"),
    ({"task_options": {"visible_fraction": 0.5}}, "sets itself"),
    ({"n_examples": 4}, "no prompt to count"),
])
def test_bad_settings_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        dataclasses.replace(TINY, **bad)


def test_compute_false_needs_rows_dir():
    with pytest.raises(ValueError, match="rows_dir"):
        vis.run_visibility(TINY, compute=False)


def test_nan_sd_for_one_seed():
    rows = pd.DataFrame([{"method": "acdc", "pooling": "", "visible_fraction": 0.0,
                          "visibility_strength": 1.0, "seed": 0, "node_auc": 0.7,
                          "edge_auc": 0.6, "edge_node_auc": np.nan, "seconds": 1.0,
                          "n_visible_heads": 0}])
    s = vis.summarize(rows)
    assert s["node_auc_mean"].item() == 0.7 and math.isnan(s["node_auc_sd"].item())
