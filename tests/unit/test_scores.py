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


def contrast_codes():
    """Codes of 3 heads over 40 positive and 40 negative rows.

    Head 0 responds to the contrast: ten codes on positives, one other code on negatives.
    Head 1 gives every row its own code (its count is N whatever the labels). Head 2
    has one code everywhere (its count is 0 whatever the labels).
    """
    pos_NH = np.stack([np.arange(40) % 10, np.arange(40), np.zeros(40, int)], axis=1)
    neg_MH = np.stack([np.full(40, 99), np.arange(40, 80), np.zeros(40, int)], axis=1)
    return pos_NH, neg_MH


def test_null_calibration_separates_a_responding_head_from_chance():
    pos_NH, neg_MH = contrast_codes()
    cal = scores.null_calibration(pos_NH, neg_MH, n_permutations=300, seed=1)
    np.testing.assert_array_equal(cal.count_H, [10, 40, 0])
    # head 0: with random labels some of the 99s land among the "positives"' partners, so
    # all ten codes are rarely positive-only; the observed 10 is never reached by chance
    assert cal.p_H[0] == 1 / 301 and cal.z_H[0] > 3 and cal.null_mean_H[0] < 10
    # heads 1 and 2: the null never varies and equals the count
    np.testing.assert_array_equal(cal.null_mean_H[1:], [40, 0])
    np.testing.assert_array_equal(cal.null_sd_H[1:], [0, 0])
    np.testing.assert_array_equal(cal.z_H[1:], [0, 0])
    np.testing.assert_array_equal(cal.p_H[1:], [1, 1])
    np.testing.assert_array_equal(cal.significant(0.05), [True, False, False])
    assert (cal.n_permutations, cal.seed) == (300, 1)


def test_null_calibration_is_the_permuted_counts_summarised():
    rng = np.random.default_rng(7)
    pos_NH, neg_MH = rng.integers(0, 8, (15, 5)), rng.integers(0, 8, (12, 5))
    cal = scores.null_calibration(pos_NH, neg_MH, n_permutations=50, seed=3)
    perm_PR = np.random.default_rng(3).permuted(np.tile(np.arange(27), (50, 1)), axis=1)
    null_PH = kernels.permuted_unique_code_counts_reference(pos_NH, neg_MH, perm_PR)
    count_H = kernels.unique_code_counts_reference(pos_NH, neg_MH)
    np.testing.assert_allclose(cal.null_mean_H, null_PH.mean(0))
    np.testing.assert_allclose(cal.null_sd_H, null_PH.std(0, ddof=1))
    np.testing.assert_allclose(cal.p_H, (1 + (null_PH >= count_H).sum(0)) / 51)
    finite = cal.null_sd_H > 0
    np.testing.assert_allclose(
        cal.z_H[finite], ((count_H - null_PH.mean(0)) / null_PH.std(0, ddof=1))[finite]
    )
    again = scores.null_calibration(pos_NH, neg_MH, n_permutations=50, seed=3)
    np.testing.assert_array_equal(again.p_H, cal.p_H)


def test_z_is_infinite_where_the_null_never_varies_but_the_count_differs(monkeypatch):
    pos_NH = np.array([[0, 0, 0], [1, 1, 1], [2, 2, 2]])  # counts 3, 3, 3 ...
    neg_MH = np.array([[9, 0, 1], [9, 0, 2]])  # ... minus the shared codes: 3, 2, 1
    monkeypatch.setattr(
        kernels, "permuted_unique_code_counts", lambda pos, neg, perm: np.full((len(perm), 3), 2)
    )
    cal = scores.null_calibration(pos_NH, neg_MH, n_permutations=5, seed=0)
    np.testing.assert_array_equal(cal.count_H, [3, 2, 1])
    np.testing.assert_array_equal(cal.null_sd_H, [0, 0, 0])
    np.testing.assert_array_equal(cal.z_H, [np.inf, 0, -np.inf])
    np.testing.assert_array_equal(cal.p_H, [1 / 6, 1, 1])


def test_benjamini_hochberg_steps_up():
    def significant(p_H, alpha=0.05):
        zeros = np.zeros(len(p_H))
        cal = scores.NullCalibration(zeros, zeros, zeros, zeros, np.array(p_H), 10, 0)
        return cal.significant(alpha).tolist()

    # thresholds k * 0.05 / 4 = 0.0125, 0.025, 0.0375, 0.05
    assert significant([0.03, 0.001, 0.5, 0.02]) == [True, True, False, True]
    assert significant([0.04, 0.04, 0.04, 0.04]) == [True] * 4  # step-up: all at k = 4
    assert significant([0.02, 0.9]) == [True, False]
    assert significant([0.03, 0.9]) == [False, False]
    assert significant([0.03, 0.9], alpha=0.1) == [True, False]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(n_permutations=1), "n_permutations=1; give a whole number of at least 2"),
        (dict(n_permutations=2.5), "n_permutations=2.5"),
        (dict(n_permutations=True), "n_permutations=True"),
        (dict(seed=-1), "seed=-1"),
    ],
)
def test_null_calibration_checks_its_arguments(kwargs, match):
    pos_NH, neg_MH = contrast_codes()
    with pytest.raises(ValueError, match=match):
        scores.null_calibration(pos_NH, neg_MH, **kwargs)


@pytest.mark.parametrize("alpha", [0, 1, 1.5, -0.1])
def test_significant_needs_a_rate_in_0_1(alpha):
    cal = scores.null_calibration(*contrast_codes(), n_permutations=10)
    with pytest.raises(ValueError, match=r"false discovery rate in \(0, 1\)"):
        cal.significant(alpha)
