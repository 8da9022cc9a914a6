"""One scores type: HeadScores for every method, Discovery (ours) extends it."""

import dataclasses
import json

import numpy as np
import pytest

from sae_core.config import SAEConfig
from sae_core.types import Discovery, HeadScores

N_LAYERS, N_HEADS = 2, 3


def make_discovery(**overrides) -> Discovery:
    node = np.array([[5.0, 0.0, 0.0], [0.0, 4.0, 0.0]])
    fields = dict(
        task_name="toy", node_scores=node, edge_scores=np.zeros((6, 6)),
        edge_node_scores=np.zeros((N_LAYERS, N_HEADS)), codes_pos=np.zeros((4, 6), int),
        codes_neg=np.zeros((4, 6), int), timings={"sae": 1.0, "total": 1.5},
        sae_config=SAEConfig(), config={"l1": 0.02}, seed=3, model_source="random",
        version="test",
    )
    return Discovery(**{**fields, **overrides})


def test_a_discovery_is_the_sae_methods_head_scores():
    d = make_discovery()
    assert isinstance(d, HeadScores) and d.method == "sae"
    assert d.seconds == 1.5
    np.testing.assert_array_equal(d.selected, d.head_mask())
    assert d.circuit() == [(0, 0), (1, 1)]


def test_selected_and_seconds_follow_a_replace():
    d = make_discovery()
    node = np.zeros((N_LAYERS, N_HEADS))
    node[0, 2] = 9.0
    moved = dataclasses.replace(d, node_scores=node, timings={"total": 2.0})
    assert moved.circuit() == [(0, 2)] and moved.selected[0, 2] and moved.selected.sum() == 1
    assert moved.seconds == 2.0
    with pytest.raises(ValueError, match="init=False"):
        dataclasses.replace(d, seconds=9.0)


def test_discovery_checks_its_fields():
    with pytest.raises(ValueError, match="'total'"):
        make_discovery(timings={"sae": 1.0})
    with pytest.raises(ValueError, match="edge_node_scores have shape"):
        make_discovery(edge_node_scores=np.zeros(6))
    with pytest.raises(ValueError, match="edge_scores have shape"):
        make_discovery(edge_scores=np.zeros((5, 5)))


def test_to_dict_extends_the_head_scores_record():
    d = make_discovery()
    base = HeadScores.to_dict(d)
    record = d.to_dict()
    assert {k: record[k] for k in base} == base
    assert set(record) - set(base) == {"edge_head_score", "edge_node_scores", "timings"}
    assert record["method"] == "sae" and record["seconds"] == 1.5
    assert record["selected"] == d.head_mask().tolist()
    json.dumps(record)
