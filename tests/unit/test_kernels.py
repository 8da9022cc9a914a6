"""Kernels vs their set-based references (also with NUMBA_DISABLE_JIT=1), and input errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sae_core import kernels

REPO_ROOT = Path(__file__).resolve().parents[2]
INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@st.composite
def codes_pairs(draw, max_heads: int = 6, max_examples: int = 12, max_code: int = 5000):
    """(pos [N, H], neg [M, H]) with N >= 1, M >= 0, codes in [0, F) of one int dtype."""
    n_heads = draw(st.integers(1, max_heads))
    n_pos = draw(st.integers(1, max_examples))
    n_neg = draw(st.integers(0, max_examples))
    # small F makes codes collide, large F makes them (mostly) distinct
    n_codes = draw(st.sampled_from([1, 2, 3, 5, 200, max_code]))
    dtype = draw(st.sampled_from(INT_DTYPES))
    n_codes = min(n_codes, int(np.iinfo(dtype).max) + 1)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    pos = rng.integers(0, n_codes, (n_pos, n_heads)).astype(dtype)
    neg = rng.integers(0, n_codes, (n_neg, n_heads)).astype(dtype)
    if draw(st.booleans()):  # negatives partly copy positives: shared codes and pairs
        n_copy = min(n_pos, n_neg)
        neg[:n_copy] = pos[:n_copy]
    return pos, neg


FAST = settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KERNELS_AND_REFERENCES = [
    (kernels.unique_code_counts, kernels.unique_code_counts_reference),
    (kernels.unique_pair_counts, kernels.unique_pair_counts_reference),
]


def assert_kernels_match_references(pos, neg):
    """Both public kernels give int64 results equal to their set-based references."""
    for kernel, reference in KERNELS_AND_REFERENCES:
        got = kernel(pos, neg)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, reference(pos, neg))


@FAST
@given(codes_pairs())
def test_kernels_match_references(codes):
    assert_kernels_match_references(*codes)


@FAST
@given(codes_pairs())
def test_unique_pair_counts_symmetric_with_zero_diagonal(codes):
    got = kernels.unique_pair_counts(*codes)
    np.testing.assert_array_equal(got, got.T)
    assert not np.diagonal(got).any()


@settings(max_examples=300, deadline=None)
@given(codes_pairs(), st.integers(0, 8), st.integers(0, 2**32 - 1))
def test_permuted_kernel_matches_reference(codes, n_permutations, seed):
    pos, neg = codes
    n_rows = len(pos) + len(neg)
    rng = np.random.default_rng(seed)
    perm = rng.permuted(np.tile(np.arange(n_rows), (n_permutations, 1)), axis=1)
    got = kernels.permuted_unique_code_counts(pos, neg, perm)
    assert got.dtype == np.int64 and got.shape == (n_permutations, pos.shape[1])
    np.testing.assert_array_equal(
        got, kernels.permuted_unique_code_counts_reference(pos, neg, perm)
    )


def test_identity_permutation_gives_the_unpermuted_counts():
    rng = np.random.default_rng(5)
    pos, neg = rng.integers(0, 6, (30, 9)), rng.integers(0, 6, (25, 9))
    swapped = np.concatenate([np.arange(25, 55), np.arange(25)])  # neg rows first...
    perm = np.stack([np.arange(55), swapped])
    got = kernels.permuted_unique_code_counts(pos, neg, perm)
    np.testing.assert_array_equal(got[0], kernels.unique_code_counts(pos, neg))
    # ...so the first 30 pooled rows counted as positives are 25 negatives + 5 positives
    mixed_pos = np.concatenate([neg, pos[:5]])
    np.testing.assert_array_equal(got[1], kernels.unique_code_counts(mixed_pos, pos[5:]))


@pytest.mark.parametrize(
    ("perm", "match"),
    [
        (np.zeros((2, 4), int), "exactly once"),
        (np.tile(np.arange(5), (2, 1)), r"\[n_permutations, 4\]"),
        (np.arange(4), r"\[n_permutations, 4\]"),
        (np.tile(np.arange(4.0), (2, 1)), r"\[n_permutations, 4\]"),
    ],
)
def test_permutation_errors_name_the_fix(perm, match):
    codes = np.zeros((2, 3), int)
    with pytest.raises(ValueError, match=match):
        kernels.permuted_unique_code_counts(codes, codes, perm)


@settings(max_examples=300, deadline=None)
@given(codes_pairs())
def test_hashed_pair_kernel_matches_reference(codes):
    pos, neg = codes
    got = kernels.unique_pair_counts(pos, neg, _force_hash=True)
    np.testing.assert_array_equal(got, kernels.unique_pair_counts_reference(pos, neg))


@settings(max_examples=300, deadline=None)
@given(codes_pairs(), st.integers(0, 2**62))
def test_huge_codes_are_remapped(codes, offset):
    """Codes far beyond any lookup table go through the sort-based remapping."""
    pos, neg = codes
    pos = pos.astype(np.int64) * 7 + offset
    neg = neg.astype(np.int64) * 7 + offset
    pos, neg = pos.clip(0), neg.clip(0)  # overflow of the shift is not what we test
    assert_kernels_match_references(pos, neg)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_larger_random_case_each_dtype(dtype):
    rng = np.random.default_rng(0)
    n_codes = min(200, int(np.iinfo(dtype).max) + 1)
    pos = rng.integers(0, n_codes, (40, 30)).astype(dtype)
    neg = rng.integers(0, n_codes, (35, 30)).astype(dtype)
    assert_kernels_match_references(pos, neg)


@pytest.mark.parametrize("n_chunks", [1, 2, 3, 7])
@pytest.mark.parametrize("n_heads", [1, 2, 5, 8, 13])
def test_chunk_rows_cover_every_row_once(n_heads, n_chunks):
    rows = [kernels._chunk_rows(c, n_chunks, n_heads) for c in range(n_chunks)]
    assert sorted(np.concatenate(rows).tolist()) == list(range(n_heads))
    n_pairs = [sum(n_heads - 1 - int(i) for i in r) for r in rows if len(r)]
    assert max(n_pairs) - min(n_pairs) <= n_heads  # balanced to within one folded row


def test_fresh_generations_clear_the_table_once_int32_runs_out():
    stamp = np.full(4, 7, np.int32)
    assert kernels._fresh_generations(stamp, 10) == (11, 12)
    assert (stamp == 7).all()
    assert kernels._fresh_generations(stamp, np.iinfo(np.int32).max - 2) == (1, 2)
    assert not stamp.any()


def test_all_shared_gives_zeros():
    rng = np.random.default_rng(1)
    pos = rng.integers(0, 4, (20, 7))
    neg = np.concatenate([pos[::-1], rng.integers(0, 4, (5, 7))])
    assert not kernels.unique_code_counts(pos, neg).any()
    assert not kernels.unique_pair_counts(pos, neg).any()


def test_disjoint_codes_count_every_distinct_code_and_pair():
    rng = np.random.default_rng(2)
    pos = rng.integers(0, 10, (30, 5))
    neg = rng.integers(10, 20, (30, 5))
    n_distinct_H = np.array([len(np.unique(pos[:, h])) for h in range(5)])
    np.testing.assert_array_equal(kernels.unique_code_counts(pos, neg), n_distinct_H)
    U = kernels.unique_pair_counts(pos, neg)
    for i in range(5):
        for j in range(5):
            expected = 0 if i == j else len(np.unique(pos[:, [i, j]], axis=0))
            assert U[i, j] == expected


def test_empty_negative_set_counts_everything():
    pos = np.array([[0, 1], [0, 2], [3, 2]])
    np.testing.assert_array_equal(kernels.unique_code_counts(pos, np.zeros((0, 2))), [2, 2])
    np.testing.assert_array_equal(
        kernels.unique_pair_counts(pos, np.zeros((0, 2), np.int32)), [[0, 3], [3, 0]]
    )


def test_single_example_and_single_code():
    pos = np.zeros((1, 4), np.uint8)
    np.testing.assert_array_equal(kernels.unique_code_counts(pos, pos[:0]), np.ones(4))
    np.testing.assert_array_equal(kernels.unique_pair_counts(pos, pos[:0]), 1 - np.eye(4))
    assert not kernels.unique_pair_counts(pos, pos).any()


def test_zero_and_one_heads():
    assert kernels.unique_pair_counts(np.zeros((3, 0), int), np.zeros((2, 0), int)).shape == (0, 0)
    assert kernels.unique_code_counts(np.zeros((3, 0), int), np.zeros((2, 0), int)).shape == (0,)
    np.testing.assert_array_equal(kernels.unique_pair_counts([[1], [2]], [[1]]), [[0]])


def test_kernels_without_jit_match_reference():
    """The same kernels run as plain Python (NUMBA_DISABLE_JIT=1) give the reference."""
    script = """
import json, numpy as np
from sae_core import kernels
rng = np.random.default_rng(3)
pos = rng.integers(0, 4, (9, 5)); neg = rng.integers(0, 4, (7, 5))
big = rng.integers(0, 2**40, (6, 3))
perm = rng.permuted(np.tile(np.arange(16), (4, 1)), axis=1)
out = {
    "permuted": (kernels.permuted_unique_code_counts(pos, neg, perm)
                 == kernels.permuted_unique_code_counts_reference(pos, neg, perm)).all(),
    "codes": (kernels.unique_code_counts(pos, neg)
              == kernels.unique_code_counts_reference(pos, neg)).all(),
    "pairs": (kernels.unique_pair_counts(pos, neg)
              == kernels.unique_pair_counts_reference(pos, neg)).all(),
    "hashed": (kernels.unique_pair_counts(pos, neg, _force_hash=True)
               == kernels.unique_pair_counts_reference(pos, neg)).all(),
    "sorted": (kernels.unique_pair_counts(big, big[:2])
               == kernels.unique_pair_counts_reference(big, big[:2])).all(),
}
print(json.dumps({k: bool(v) for k, v in out.items()}))
"""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {
        "permuted": True,
        "codes": True,
        "pairs": True,
        "hashed": True,
        "sorted": True,
    }


@pytest.mark.parametrize("fn", [kernels.unique_code_counts, kernels.unique_pair_counts])
@pytest.mark.parametrize(
    ("pos", "neg", "error", "match"),
    [
        (np.zeros(3, int), np.zeros((2, 1), int), ValueError, "must be 2-D"),
        (np.zeros((2, 1), int), np.zeros((2, 1, 1), int), ValueError, "must be 2-D"),
        (np.zeros((2, 3), int), np.zeros((2, 4), int), ValueError, "3 heads .* neg has 4"),
        (np.zeros((0, 3), int), np.zeros((2, 3), int), ValueError, "empty positive set"),
        (-np.ones((2, 3), int), np.zeros((2, 3), int), ValueError, "non-negative argmax"),
        (np.zeros((2, 3), int), -np.ones((1, 3), np.int8), ValueError, "non-negative argmax"),
        (np.zeros((2, 3)), np.zeros((2, 3), int), TypeError, r"astype\(np.int64\)"),
        (np.zeros((2, 3), bool), np.zeros((2, 3), int), TypeError, "integer array"),
        (np.full((2, 3), "a"), np.zeros((2, 3), int), TypeError, "integer array"),
        (
            np.full((1, 1), 2**63, np.uint64),
            np.zeros((1, 1), int),
            ValueError,
            "int64 range",
        ),
    ],
)
def test_input_errors_name_the_fix(fn, pos, neg, error, match):
    with pytest.raises(error, match=match):
        fn(pos, neg)


def test_paper_topk_head_counts_rule():
    U = np.array([[0, 5, 1], [5, 0, 2], [1, 2, 0]])
    # ranked entries: (0,1),(1,0) tie at 5, then (1,2),(2,1) ... ; k = 9 // 2 = 4 head entries
    np.testing.assert_array_equal(kernels.paper_topk_head_counts(U), [2, 2, 0])
    rng = np.random.default_rng(4)
    for H in [1, 2, 5, 12]:
        U = rng.integers(0, 3, (H, H))
        U = U + U.T
        np.fill_diagonal(U, 0)
        order = np.argsort(-U.astype(np.float64).flatten())
        heads = [h for idx in order for h in divmod(int(idx), H)][: H * H // 2]
        tally = kernels.paper_topk_head_counts(U)
        assert tally.dtype == np.int64
        np.testing.assert_array_equal(tally, np.bincount(heads, minlength=H))
        assert tally.sum() == H * H // 2


def test_row_sum_head_counts():
    U = np.array([[0, 5, 1], [5, 0, 2], [1, 2, 0]])
    got = kernels.row_sum_head_counts(U)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [6.0, 7.0, 3.0])


@pytest.mark.parametrize("fn", [kernels.paper_topk_head_counts, kernels.row_sum_head_counts])
def test_edge_head_counts_need_square_matrix(fn):
    with pytest.raises(ValueError, match=r"square \[H, H\]"):
        fn(np.zeros((2, 3)))
