"""benchmarks/bench_kernels.py: its re-implementation of the authors' dense algorithm
agrees with sae_core.kernels on small H (the benchmark's speed-ups compare equal results)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sae_core import kernels

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_kernels.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_kernels", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("n_heads, n_codes, seed", [(2, 3, 0), (5, 4, 1), (7, 12, 2)])
def test_dense_reference_matches_kernel(bench, n_heads, n_codes, seed):
    rng = np.random.default_rng(seed)
    pos = rng.integers(0, n_codes, (30, n_heads))
    neg = rng.integers(0, n_codes, (20, n_heads))
    neg[:8] = pos[:8]  # shared code pairs, which must not count
    dense = bench.paper_dense_pair_counts(pos, neg, n_codes)
    np.testing.assert_array_equal(dense, kernels.unique_pair_counts(pos, neg))
    np.testing.assert_array_equal(dense, kernels.unique_pair_counts_reference(pos, neg))


def test_dense_size_and_skip_reason(bench):
    # FACTS.md: 12.4 GiB at GPT-2 small (H=144, F=200)
    assert bench.paper_dense_bytes(144, 200) / 2**30 == pytest.approx(12.36, abs=0.01)
    assert bench.dense_skip_reason(4, 5, headroom_gib=0.0) is None
    reason = bench.dense_skip_reason(10_000, 200, headroom_gib=0.0)
    assert reason is not None and "available" in reason
