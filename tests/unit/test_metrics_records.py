import dataclasses
import json
import math
import os

import numpy as np
import pytest

from sae_core.metrics import (
    COUNTS,
    METRICS,
    auc,
    cross_layer_pairs,
    edge_auc,
    evaluate,
    tpr_tnr_harmonic_mean,
)
from sae_core.records import write_json_atomic
from sae_core.types import GroundTruth, HeadScores
from tests.unit.test_types_scores import make_discovery


def test_auc_basic_and_degenerate():
    assert auc(np.array([0.1, 0.9, 0.8, 0.2]), np.array([0, 1, 1, 0])) == 1.0
    assert auc(np.array([0.9, 0.1]), np.array([0, 1])) == 0.0
    assert math.isnan(auc(np.array([0.1, 0.2]), np.array([1, 1])))


def test_cross_layer_pairs_excludes_same_layer():
    i, j = cross_layer_pairs(2, 2)
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 2), (0, 3), (1, 2), (1, 3)]


def test_edge_auc_uses_edge_truth():
    gt = GroundTruth(heads={(0, 0), (1, 1)}, edges={((0, 0), (1, 1))})
    scores = np.zeros((4, 4))
    scores[0, 3] = scores[3, 0] = 5.0
    assert edge_auc(scores, gt, 2, 2) == 1.0
    assert math.isnan(edge_auc(scores, GroundTruth(heads={(0, 0)}), 2, 2))


def test_tpr_tnr_harmonic_mean():
    labels = np.array([1, 1, 0, 0], bool)
    assert tpr_tnr_harmonic_mean(labels, labels) == 1.0
    assert tpr_tnr_harmonic_mean(np.array([1, 0, 1, 0], bool), labels) == 0.5
    assert tpr_tnr_harmonic_mean(~labels, labels) == 0.0


def test_json_atomic(tmp_path):
    path = tmp_path / "sub" / "r.json"
    write_json_atomic(path, {"a": np.arange(3), "b": float("nan"), "c": np.float32(1.5)})
    assert json.loads(path.read_text()) == {"a": [0, 1, 2], "b": None, "c": 1.5}
    # a failing write leaves the previous file intact and no temporary behind
    with pytest.raises(TypeError):
        write_json_atomic(path, {"bad": object()})
    assert json.loads(path.read_text())["a"] == [0, 1, 2]
    assert os.listdir(path.parent) == ["r.json"]


def test_mean_sd_skips_missing_values_and_reports_single_values():
    from sae_core.metrics import mean_sd

    mean, sd = mean_sd([1.0, None, float("nan"), 3.0])
    assert mean == 2.0 and sd == pytest.approx(2 ** 0.5)
    assert math.isnan(mean_sd([5.0])[1]) and mean_sd([5.0], single_sd=0.0) == (5.0, 0.0)
    assert all(math.isnan(v) for v in mean_sd([None, float("nan")]))


def test_format_mean_sd():
    from sae_core.metrics import format_mean_sd

    assert format_mean_sd(0.99166, 0.0186) == "0.992 +- 0.019"
    assert format_mean_sd(0.25, 0.0) == "0.250 +- 0.000"
    assert format_mean_sd(1.5, 0.25, spec=".2f", pm="±") == "1.50 ± 0.25"
    assert format_mean_sd(0.75, float("nan")) == format_mean_sd(0.75, None) == "0.750"
    assert format_mean_sd(float("nan"), 0.1) == format_mean_sd(None, None) == "n/a"
    assert format_mean_sd(float("nan"), 0.1, missing="-") == "-"


TRUTH = GroundTruth(heads={(0, 0), (1, 1)}, edges={((0, 0), (1, 1))})


def test_evaluate_head_scores_of_any_method():
    node = np.array([[3.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
    selected = np.array([[True, False, True], [False, False, False]])
    scores = HeadScores("eap", "toy", node, None, 0.1, "random", selected=selected)
    metrics = evaluate(scores, TRUTH)
    assert list(metrics) == [m for m in METRICS if m != "edge_node_auc"] + list(COUNTS)
    assert metrics["node_auc"] == 1.0 and math.isnan(metrics["edge_auc"])
    assert (metrics["precision"], metrics["recall"], metrics["f1"]) == (0.5, 0.5, 0.5)
    assert metrics["tpr_tnr_harmonic_mean"] == pytest.approx(2 * 0.5 * 0.75 / 1.25)
    assert (metrics["n_selected"], metrics["n_truth"]) == (2, 2)
    unselected = evaluate(dataclasses.replace(scores, selected=None), TRUTH)
    assert math.isnan(unselected["precision"]) and unselected["n_selected"] == 0
    with pytest.raises(TypeError, match="without theta"):
        evaluate(scores, TRUTH, theta=0.5)
    with pytest.raises(ValueError, match="no ground truth"):
        evaluate(scores, None)


def test_evaluate_a_discovery_at_its_mask_or_at_theta():
    edge = np.zeros((6, 6))
    edge[0, 4] = edge[4, 0] = 2.0
    d = make_discovery(edge_scores=edge, edge_node_scores=edge.sum(1).reshape(2, 3))
    metrics = evaluate(d, TRUTH)
    assert list(metrics) == [*METRICS, *COUNTS]
    assert metrics["node_auc"] == metrics["edge_node_auc"] == metrics["edge_auc"] == 1.0
    assert metrics["f1"] == 1.0 and metrics["n_selected"] == 2
    strict = evaluate(d, TRUTH, theta=0.5)  # only head 0.0 has softmax above 0.5
    assert strict["n_selected"] == int(d.head_mask(0.5).sum()) == 1
    assert strict["recall"] == 0.5
