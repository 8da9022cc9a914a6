"""Codes -> scores: one seed's node, edge and edge-head scores in one call."""

from __future__ import annotations

import numpy as np
import pytest

from sae_core import kernels, scores


@pytest.mark.parametrize("rule", ["row_sum", "paper_topk"])
def test_score_codes_gives_each_score_of_the_codes(rule):
    rng = np.random.default_rng(0)
    pos_NH, neg_MH = rng.integers(0, 5, (12, 6)), rng.integers(0, 5, (9, 6))
    got = scores.score_codes(pos_NH, neg_MH, rule)
    want_HH = kernels.unique_pair_counts_reference(pos_NH, neg_MH)
    np.testing.assert_array_equal(
        got.node_H, kernels.unique_code_counts_reference(pos_NH, neg_MH)
    )
    np.testing.assert_array_equal(got.edge_HH, want_HH)
    np.testing.assert_array_equal(got.edge_node_H, scores.edge_head_scores(want_HH, rule))
    assert got.node_H.dtype == got.edge_HH.dtype == got.edge_node_H.dtype == np.float64
    assert got.node_seconds >= 0 and got.edge_seconds >= 0


def test_score_codes_names_the_rules():
    codes = np.zeros((2, 3), np.int64)
    with pytest.raises(ValueError, match="'row_sum' or 'paper_topk'"):
        scores.score_codes(codes, codes, "top")
