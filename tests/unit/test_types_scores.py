"""One scores type: HeadScores for every method, Discovery (ours) extends it."""

import dataclasses
import json

import numpy as np
import pytest

from sae_core import scores
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
    assert d.circuit(rule="paper") == [(0, 0), (1, 1)]


def test_selected_and_seconds_follow_a_replace():
    d = make_discovery()
    node = np.zeros((N_LAYERS, N_HEADS))
    node[0, 2] = 9.0
    moved = dataclasses.replace(d, node_scores=node, timings={"total": 2.0})
    assert moved.circuit(rule="paper") == [(0, 2)]
    assert moved.selected[0, 2] and moved.selected.sum() == 1
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


def responding_discovery() -> Discovery:
    """Head (0, 1) responds to the contrast (ten codes on positives, another on
    negatives); the other heads give every row its own code or one code everywhere."""
    pos = np.zeros((40, 6), int)
    neg = np.zeros((40, 6), int)
    pos[:, 1], neg[:, 1] = np.arange(40) % 10, 99
    pos[:, 3], neg[:, 3] = np.arange(40), np.arange(40, 80)
    counts = scores.node_scores(pos, neg).reshape(N_LAYERS, N_HEADS)
    return make_discovery(
        node_scores=counts, codes_pos=pos, codes_neg=neg, null_calibrator=scores.null_calibrate
    )


def test_circuit_defaults_to_the_heads_beyond_the_permutation_null():
    d = responding_discovery()
    # the paper's softmax keeps only the head with the most codes: (1, 0), 40 distinct
    assert d.circuit(rule="paper") == [(1, 0)] and d.selected.sum() == 1 and d.selected[1, 0]
    assert d.circuit() == [(0, 1)]
    assert d.circuit(alpha=0.2, n_permutations=50, seed=4) == [(0, 1)]
    calibration = d.null_calibration()
    assert calibration.n_permutations == 200 and calibration.p_H[1] == 1 / 201
    np.testing.assert_array_equal(calibration.significant(), np.arange(6) == 1)


def test_circuit_without_a_calibrator_says_where_to_get_one():
    d = make_discovery()
    with pytest.raises(ValueError, match="no null_calibrator.*null_calibrate"):
        d.circuit()
    with pytest.raises(ValueError, match="no null_calibrator"):
        d.null_calibration()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(rule="paper", theta=2), ValueError, r"theta in \[0, 1\)"),
        (dict(rule="paper", theta=1.0), ValueError, r"theta in \[0, 1\)"),
        (dict(rule="paper", theta=-0.5), ValueError, r"theta in \[0, 1\)"),
        (dict(rule="paper", theta="0.1"), TypeError, "theta='0.1'"),
        (dict(rule=0.5), ValueError, r"rule=0.5; use one of \('null', 'paper'\)"),
        (dict(rule="softmax"), ValueError, "rule='softmax'"),
        (dict(theta=0.1), ValueError, "theta belongs to rule='paper'"),
        (dict(rule="paper", alpha=0.1), ValueError, "belong to rule='null'"),
        (dict(alpha=0), ValueError, r"false discovery rate in \(0, 1\)"),
        (dict(alpha=1.5), ValueError, r"false discovery rate in \(0, 1\)"),
    ],
)
def test_circuit_arguments_name_the_fix(kwargs, error, match):
    with pytest.raises(error, match=match):
        responding_discovery().circuit(**kwargs)


def test_head_mask_refuses_a_threshold_no_softmax_reaches():
    with pytest.raises(ValueError, match="theta=2"):
        make_discovery().head_mask(2)
