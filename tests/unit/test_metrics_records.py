import json
import math
import os

import numpy as np
import pytest

from sae_core.metrics import auc, cross_layer_pairs, edge_auc, tpr_tnr_harmonic_mean
from sae_core.records import write_json_atomic
from sae_core.types import GroundTruth


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
