"""Numba kernels over SAE codes: unique codes per head, unique code pairs per head pair.

Codes are argmax indices, one per (example, head): `pos_NH` holds the N positive
examples, `neg_MH` the M negative ones, columns are heads (FACTS.md, Pipeline 3-5).

- `unique_code_counts`: for each head h, the number of codes seen for h on positives
  and never on negatives (one-way set difference, FACTS.md item 4).
- `unique_pair_counts`: for each head pair (i, j), the number of code pairs
  (pos[n, i], pos[n, j]) never seen as (neg[m, i], neg[m, j]) (FACTS.md item 5).
- `permuted_unique_code_counts`: `unique_code_counts` again for each of P random
  relabellings of the pooled rows into N "positives" and M "negatives": the permutation
  null of the node score (`sae_core.scores.null_calibration`).

Each example contributes one code per head, so a pair set has at most N entries.
The authors' code built two dense float64 [H, H, F, F] arrays instead (FACTS.md,
Quirks); here the work is O(H^2 * (N + M)) and the scratch memory per thread is one
[F_max, F_max] int32 stamp table, where F_max <= N + M is the largest number of
distinct codes of one head (an open-addressing hash table of O(N + M) slots is used
instead when that table would be large). Codes are first remapped, per head, to dense
ids, so any non-negative integer codes work, however large.

Stamp tables are never cleared: each (head, pair) gets fresh "generation" numbers, and
a slot counts as set only if it holds the current generation.

The plain set-based `*_reference` functions define the expected results; tests compare
the kernels against them, also with NUMBA_DISABLE_JIT=1, and `benchmarks/bench_kernels.py`
times both.
"""

from __future__ import annotations

import os

import numba
import numpy as np
from numba import njit, prange

# Codes up to this value are remapped with a lookup table of this many int32 per thread;
# larger codes are remapped by sorting each head's codes.
_LOOKUP_MAX_CODES = 1 << 22
# Pair stamp tables up to this many int32 entries (16 MiB) per thread; beyond that, hashing.
_DENSE_TABLE_MAX_ENTRIES = 1 << 22
_INT32_MAX = np.iinfo(np.int32).max


# ---------------------------------------------------------------------------------------
# numba kernels (private; the public wrappers below validate their inputs)
# ---------------------------------------------------------------------------------------


@njit(cache=True, parallel=True)
def _dense_ids_lookup(pos_HN, neg_HM, n_codes, n_chunks):
    """Per-head dense ids via a lookup table over codes [0, n_codes).

    Returns (ids_pos_HN, ids_neg_HM, n_ids_H), int32; ids of head h lie in
    [0, n_ids_H[h]), positives' codes numbered first in order of appearance.
    """
    H, N = pos_HN.shape
    M = neg_HM.shape[1]
    ids_pos_HN = np.empty((H, N), np.int32)
    ids_neg_HM = np.empty((H, M), np.int32)
    n_ids_H = np.zeros(H, np.int32)
    for c in prange(n_chunks):
        id_F = np.zeros(n_codes, np.int32)  # dense id of a code, valid if owner_F == head
        owner_F = np.full(n_codes, -1, np.int32)  # head that last numbered the code
        for h in range(c * H // n_chunks, (c + 1) * H // n_chunks):
            n_ids = _number_codes(pos_HN[h], h, id_F, owner_F, 0, ids_pos_HN[h])
            n_ids_H[h] = _number_codes(neg_HM[h], h, id_F, owner_F, n_ids, ids_neg_HM[h])
    return ids_pos_HN, ids_neg_HM, n_ids_H


@njit(cache=True)
def _number_codes(codes_X, h, id_F, owner_F, n_ids, ids_X):
    """Number head ``h``'s codes ``codes_X`` in order of appearance, continuing from ``n_ids``.

    A code gets the next id unless ``owner_F`` says head ``h`` numbered it already;
    writes each code's id into ``ids_X`` and returns the next free id.
    """
    for x in range(codes_X.shape[0]):
        code = codes_X[x]
        if owner_F[code] != h:
            owner_F[code] = h
            id_F[code] = n_ids
            n_ids += 1
        ids_X[x] = id_F[code]
    return n_ids


@njit(cache=True, parallel=True)
def _dense_ids_sort(pos_HN, neg_HM):
    """Per-head dense ids (ranks of the distinct codes) by sorting; for codes of any size."""
    H, N = pos_HN.shape
    M = neg_HM.shape[1]
    ids_pos_HN = np.empty((H, N), np.int32)
    ids_neg_HM = np.empty((H, M), np.int32)
    n_ids_H = np.zeros(H, np.int32)
    for h in prange(H):
        codes_T = np.empty(N + M, np.int64)
        codes_T[:N] = pos_HN[h]
        codes_T[N:] = neg_HM[h]
        order_T = np.argsort(codes_T, kind="mergesort")
        ids_T = np.empty(N + M, np.int32)
        n_ids = 0
        prev = codes_T[order_T[0]]
        for t in range(N + M):
            code = codes_T[order_T[t]]
            if code != prev:
                n_ids += 1
                prev = code
            ids_T[order_T[t]] = n_ids
        n_ids_H[h] = n_ids + 1
        ids_pos_HN[h] = ids_T[:N]
        ids_neg_HM[h] = ids_T[N:]
    return ids_pos_HN, ids_neg_HM, n_ids_H


@njit(cache=True, parallel=True)
def _unique_code_counts_kernel(ids_pos_HN, ids_neg_HM, n_ids_H, n_chunks):
    """count_H[h] = |{ids_pos_HN[h]} - {ids_neg_HM[h]}| over dense ids."""
    H, N = ids_pos_HN.shape
    M = ids_neg_HM.shape[1]
    count_H = np.zeros(H, np.int64)
    width = max(1, n_ids_H.max())
    for c in prange(n_chunks):
        stamp_F = np.zeros(width, np.int32)
        for h in range(c * H // n_chunks, (c + 1) * H // n_chunks):
            gen_neg = 2 * h + 1  # fresh per head: no clearing
            gen_pos = 2 * h + 2
            for m in range(M):
                stamp_F[ids_neg_HM[h, m]] = gen_neg
            count = 0
            for n in range(N):
                k = ids_pos_HN[h, n]
                s = stamp_F[k]
                if s != gen_neg and s != gen_pos:
                    count += 1
                    stamp_F[k] = gen_pos
            count_H[h] = count
    return count_H


@njit(cache=True, parallel=True)
def _permuted_code_counts_kernel(ids_RH, n_ids_H, perm_PR, n_pos, n_chunks):
    """count_PH[p, h]: positive-only ids of head h when rows perm_PR[p, :n_pos] are positive.

    ``ids_RH`` holds each head's dense ids over the pooled rows (positives, then
    negatives), ``n_ids_H`` the number of distinct ids per head. Every id occurs in some
    row, so an id is positive-only iff no negative row holds it: the count is
    n_ids_H[h] minus the distinct ids on the rows perm_PR[p, n_pos:], and only those
    rows are read (row-major, all heads of a row at once).
    """
    P, R = perm_PR.shape
    H = ids_RH.shape[1]
    count_PH = np.empty((P, H), np.int64)
    width = max(1, n_ids_H.max())
    for c in prange(n_chunks):
        first, stop = c * P // n_chunks, (c + 1) * P // n_chunks
        stamp_HF = np.zeros((H, width), np.int32)  # generation p - first + 1 marks "seen"
        for p in range(first, stop):
            gen = p - first + 1
            for h in range(H):
                count_PH[p, h] = n_ids_H[h]
            for r in range(n_pos, R):
                row = perm_PR[p, r]
                for h in range(H):
                    k = ids_RH[row, h]
                    if stamp_HF[h, k] != gen:
                        stamp_HF[h, k] = gen
                        count_PH[p, h] -= 1
    return count_PH


@njit(cache=True, parallel=True)
def _unique_pair_counts_dense(ids_pos_HN, ids_neg_HM, n_ids_H, n_chunks):
    """U_HH[i, j] = distinct positive-only id pairs, with a [width, width] stamp table."""
    H, N = ids_pos_HN.shape
    M = ids_neg_HM.shape[1]
    U_HH = np.zeros((H, H), np.int64)
    width = max(1, n_ids_H.max())
    for c in prange(n_chunks):
        stamp_FF = np.zeros(width * width, np.int32)
        key_pos_N = np.empty(N, np.int64)
        key_neg_M = np.empty(M, np.int64)
        gen = 0
        for i in _chunk_rows(c, n_chunks, H):
            for n in range(N):
                key_pos_N[n] = ids_pos_HN[i, n] * width
            for m in range(M):
                key_neg_M[m] = ids_neg_HM[i, m] * width
            for j in range(i + 1, H):
                gen_neg, gen_pos = _fresh_generations(stamp_FF, gen)
                gen = gen_pos
                for m in range(M):
                    stamp_FF[key_neg_M[m] + ids_neg_HM[j, m]] = gen_neg
                count = 0
                for n in range(N):
                    k = key_pos_N[n] + ids_pos_HN[j, n]
                    s = stamp_FF[k]
                    if s != gen_neg and s != gen_pos:
                        count += 1
                        stamp_FF[k] = gen_pos
                U_HH[i, j] = count
                U_HH[j, i] = count
    return U_HH


@njit(cache=True)
def _chunk_rows(c, n_chunks, H):
    """Rows i (pairs (i, j > i)) that chunk ``c`` of ``n_chunks`` scores, int64, in order.

    Row i has H-1-i pairs; rows r and H-1-r together have H-1, so each work item r
    takes both, which balances the threads.
    """
    n_rows = (H + 1) // 2
    first, stop = c * n_rows // n_chunks, (c + 1) * n_rows // n_chunks
    rows_R = np.empty(2 * (stop - first), np.int64)
    n = 0
    for r in range(first, stop):
        rows_R[n] = r
        n += 1
        if H - 1 - r != r:
            rows_R[n] = H - 1 - r
            n += 1
    return rows_R[:n]


@njit(cache=True)
def _fresh_generations(stamp_X, gen):
    """(gen_neg, gen_pos): the two stamp values after ``gen`` for the next head pair.

    When int32 generations run out, ``stamp_X`` is cleared (once) and they restart at 1.
    """
    if gen >= _INT32_MAX - 2:
        stamp_X[:] = 0
        gen = 0
    return gen + 1, gen + 2


@njit(cache=True)
def _hash_slot(key, key_T, stamp_T, gen_neg, mask, shift):
    """Slot of `key` in an open-addressing table, or of the empty slot where it belongs.

    A slot is occupied for this pair iff its stamp is gen_neg or gen_neg + 1 (older
    generations are smaller and count as empty).
    """
    # Fibonacci hashing: high bits of key * (2^63 / golden ratio). The product wraps
    # around int64 on purpose (numpy scalars warn about it under NUMBA_DISABLE_JIT).
    slot = ((key * 0x4F1BBCDCBFA53E0B) >> shift) & mask
    while stamp_T[slot] >= gen_neg and key_T[slot] != key:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True, parallel=True)
def _unique_pair_counts_hashed(ids_pos_HN, ids_neg_HM, n_ids_H, n_chunks):
    """Same as `_unique_pair_counts_dense`, with an O(N + M) hash table per thread."""
    H, N = ids_pos_HN.shape
    M = ids_neg_HM.shape[1]
    U_HH = np.zeros((H, H), np.int64)
    width = max(1, n_ids_H.max())
    n_slots = 1
    log2_slots = 0
    while n_slots < 4 * (N + M):  # load factor <= 1/4
        n_slots *= 2
        log2_slots += 1
    mask = n_slots - 1
    shift = 63 - log2_slots
    for c in prange(n_chunks):
        key_T = np.zeros(n_slots, np.int64)
        stamp_T = np.zeros(n_slots, np.int32)
        gen = 0
        for i in _chunk_rows(c, n_chunks, H):
            for j in range(i + 1, H):
                gen_neg, gen_pos = _fresh_generations(stamp_T, gen)
                gen = gen_pos
                for m in range(M):
                    key = np.int64(ids_neg_HM[i, m]) * width + ids_neg_HM[j, m]
                    slot = _hash_slot(key, key_T, stamp_T, gen_neg, mask, shift)
                    if stamp_T[slot] < gen_neg:
                        key_T[slot] = key
                        stamp_T[slot] = gen_neg
                count = 0
                for n in range(N):
                    key = np.int64(ids_pos_HN[i, n]) * width + ids_pos_HN[j, n]
                    slot = _hash_slot(key, key_T, stamp_T, gen_neg, mask, shift)
                    if stamp_T[slot] < gen_neg:
                        key_T[slot] = key
                        stamp_T[slot] = gen_pos
                        count += 1
                U_HH[i, j] = count
                U_HH[j, i] = count
    return U_HH


# ---------------------------------------------------------------------------------------
# validation and public API
# ---------------------------------------------------------------------------------------


def _check_codes(codes, name: str) -> np.ndarray:
    """One codes matrix as a 2-D integer array, or a ValueError/TypeError naming the fix."""
    arr = np.asarray(codes)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} codes must be 2-D [n_examples, n_heads], got shape {arr.shape}; "
            "stack one row of per-head argmax codes per example"
        )
    if arr.size == 0 and arr.dtype.kind in "fiub":
        return arr.astype(np.int64)  # an empty set of any numeric dtype is unambiguous
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} codes must be an integer array of argmax indices, got dtype {arr.dtype}; "
            "cast with .astype(np.int64)"
        )
    if arr.size and arr.min() < 0:
        raise ValueError(
            f"codes must be non-negative argmax indices; {name} has minimum {arr.min()}"
        )
    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} codes exceed the int64 range; codes must be argmax indices")
    return arr


def _prepare(pos_NH, neg_MH):
    """Validate both codes matrices; return (pos_HN, neg_HM) as contiguous int64, head-major."""
    pos = _check_codes(pos_NH, "pos")
    neg = _check_codes(neg_MH, "neg")
    if pos.shape[1] != neg.shape[1]:
        raise ValueError(
            f"pos has {pos.shape[1]} heads (columns) but neg has {neg.shape[1]}; "
            "both must be [n_examples, n_heads] over the same heads"
        )
    if pos.shape[0] == 0:
        raise ValueError(
            "empty positive set: pos has 0 rows; pass at least one positive example "
            "(an empty negative set is allowed)"
        )
    pos_HN = np.ascontiguousarray(pos.T, dtype=np.int64)
    neg_HM = np.ascontiguousarray(neg.T, dtype=np.int64)
    return pos_HN, neg_HM


# Below this much work (head pairs x examples) one thread is faster: waking the others
# costs more than it saves, and far more when the cores are busy.
_SERIAL_MAX_WORK = 1 << 20


class _threads:
    """Context: numba kernels in this thread use `n` threads (numba's setting is per thread)."""

    def __init__(self, n: int):
        self.n = n

    def __enter__(self):
        self.saved = numba.get_num_threads()
        numba.set_num_threads(max(1, min(self.n, self.saved)))

    def __exit__(self, *exc):
        numba.set_num_threads(self.saved)


def _n_threads_for(work: int) -> int:
    return 1 if work <= _SERIAL_MAX_WORK else numba.get_num_threads()


def _n_chunks(n_items: int) -> int:
    """Work items for prange: one per thread (kernels balance work inside a chunk)."""
    return max(1, min(n_items, numba.get_num_threads()))


def _dense_ids(pos_HN: np.ndarray, neg_HM: np.ndarray):
    """Per-head dense ids: lookup table for small codes, sorting for large ones."""
    n_codes = int(max(pos_HN.max(), neg_HM.max() if neg_HM.size else 0)) + 1
    if n_codes <= _LOOKUP_MAX_CODES:
        return _dense_ids_lookup(pos_HN, neg_HM, n_codes, _n_chunks(pos_HN.shape[0]))
    return _dense_ids_sort(pos_HN, neg_HM)


def unique_code_counts(pos_NH, neg_MH) -> np.ndarray:
    """Per head, the number of codes seen on positives and never on negatives.

    Args:
        pos_NH: codes [N, H] of the N positive examples (non-negative ints, any int dtype).
        neg_MH: codes [M, H] of the M negative examples; M = 0 is allowed.

    Returns:
        count_H, int64 [H]: ``|{pos[:, h]} - {neg[:, h]}|`` (one-way difference,
        FACTS.md item 4). Higher = more likely in the circuit.
    """
    pos_HN, neg_HM = _prepare(pos_NH, neg_MH)
    H = pos_HN.shape[0]
    if H == 0:
        return np.zeros(0, np.int64)
    with _threads(_n_threads_for(pos_HN.size + neg_HM.size)):
        ids_pos_HN, ids_neg_HM, n_ids_H = _dense_ids(pos_HN, neg_HM)
        return _unique_code_counts_kernel(ids_pos_HN, ids_neg_HM, n_ids_H, _n_chunks(H))


def unique_pair_counts(pos_NH, neg_MH, *, _force_hash: bool = False) -> np.ndarray:
    """Per head pair, the number of code pairs seen on positives and never on negatives.

    Args:
        pos_NH: codes [N, H] of the N positive examples (non-negative ints, any int dtype).
        neg_MH: codes [M, H] of the M negative examples; M = 0 is allowed.
        _force_hash: testing hook; use the hash-table kernel whatever the table size.

    Returns:
        U_HH, int64 [H, H], symmetric with a zero diagonal:
        ``U[i, j] = |{(pos[n, i], pos[n, j])} - {(neg[m, i], neg[m, j])}|`` for i != j
        (FACTS.md item 5). Time O(H^2 (N + M)); memory O(H^2) plus one stamp table per
        thread, never [H, H, F, F].
    """
    pos_HN, neg_HM = _prepare(pos_NH, neg_MH)
    H = pos_HN.shape[0]
    if H < 2:
        return np.zeros((H, H), np.int64)
    with _threads(_n_threads_for(H * (pos_HN.size + neg_HM.size))):
        ids_pos_HN, ids_neg_HM, n_ids_H = _dense_ids(pos_HN, neg_HM)
        n_chunks = _n_chunks((H + 1) // 2)
        width = int(n_ids_H.max())
        if width * width <= _DENSE_TABLE_MAX_ENTRIES and not _force_hash:
            return _unique_pair_counts_dense(ids_pos_HN, ids_neg_HM, n_ids_H, n_chunks)
        return _unique_pair_counts_hashed(ids_pos_HN, ids_neg_HM, n_ids_H, n_chunks)


def _check_permutations(perm_PR, n_rows: int) -> np.ndarray:
    """Label permutations as int64 [P, R], each row a permutation of range(R), or an error."""
    arr = np.asarray(perm_PR)
    if arr.ndim != 2 or arr.shape[1] != n_rows or arr.dtype.kind not in "iu":
        raise ValueError(
            f"permutations must be an integer array [n_permutations, {n_rows}] (one row per "
            f"permutation of the {n_rows} pooled rows, positives first), got "
            f"{arr.dtype} {arr.shape}; draw them with rng.permuted(np.tile(np.arange("
            f"{n_rows}), (n_permutations, 1)), axis=1)"
        )
    arr = np.ascontiguousarray(arr, dtype=np.int64)
    if (np.sort(arr, axis=1) != np.arange(n_rows)).any():
        raise ValueError(
            f"each row of permutations must hold every row index 0..{n_rows - 1} exactly once"
        )
    return arr


def permuted_unique_code_counts(pos_NH, neg_MH, perm_PR) -> np.ndarray:
    """`unique_code_counts` with the positive/negative labels shuffled: a permutation null.

    The N positive and M negative rows are pooled (positives first, rows 0..N+M-1). For
    each permutation p, rows ``perm_PR[p, :N]`` count as positives and the other M rows
    as negatives, and each head's positive-only codes are counted again. Same codes, same
    set sizes, no retraining: counts beyond this null are a head responding to the
    contrast rather than having many codes.

    Args:
        pos_NH: codes [N, H] of the N positive examples (non-negative ints).
        neg_MH: codes [M, H] of the M negative examples; M = 0 is allowed.
        perm_PR: int [P, N + M], each row a permutation of range(N + M).

    Returns:
        count_PH, int64 [P, H]: ``unique_code_counts`` of each relabelled split.
    """
    pos_HN, neg_HM = _prepare(pos_NH, neg_MH)
    H, N = pos_HN.shape
    perm_PR = _check_permutations(perm_PR, N + neg_HM.shape[1])
    P = perm_PR.shape[0]
    if H == 0 or P == 0:
        return np.zeros((P, H), np.int64)
    with _threads(_n_threads_for(P * (pos_HN.size + neg_HM.size))):
        ids_pos_HN, ids_neg_HM, n_ids_H = _dense_ids(pos_HN, neg_HM)
        ids_RH = np.ascontiguousarray(np.concatenate([ids_pos_HN, ids_neg_HM], axis=1).T)
        return _permuted_code_counts_kernel(ids_RH, n_ids_H, perm_PR, N, _n_chunks(P))


def permuted_unique_code_counts_reference(pos_NH, neg_MH, perm_PR) -> np.ndarray:
    """Plain-Python set version of `permuted_unique_code_counts` (the specification; slow)."""
    rows = np.asarray(pos_NH).tolist() + np.asarray(neg_MH).tolist()
    n_pos = len(np.asarray(pos_NH))
    H = np.asarray(pos_NH).shape[1]
    count_PH = np.zeros((len(perm_PR), H), np.int64)
    for p, perm in enumerate(np.asarray(perm_PR).tolist()):
        for h in range(H):
            codes_pos = {rows[r][h] for r in perm[:n_pos]}
            codes_neg = {rows[r][h] for r in perm[n_pos:]}
            count_PH[p, h] = len(codes_pos - codes_neg)
    return count_PH


def unique_code_counts_reference(pos_NH, neg_MH) -> np.ndarray:
    """Plain-Python set version of `unique_code_counts` (the specification; slow)."""
    pos_NH = np.asarray(pos_NH)
    neg_MH = np.asarray(neg_MH)
    H = pos_NH.shape[1]
    return np.array(
        [len(set(pos_NH[:, h].tolist()) - set(neg_MH[:, h].tolist())) for h in range(H)],
        dtype=np.int64,
    )


def unique_pair_counts_reference(pos_NH, neg_MH) -> np.ndarray:
    """Plain-Python set version of `unique_pair_counts` (the specification; slow)."""
    pos_NH = np.asarray(pos_NH)
    neg_MH = np.asarray(neg_MH)
    H = pos_NH.shape[1]
    pos_cols = [pos_NH[:, h].tolist() for h in range(H)]
    neg_cols = [neg_MH[:, h].tolist() for h in range(H)]
    U_HH = np.zeros((H, H), np.int64)
    for i in range(H):
        for j in range(i + 1, H):
            pairs_pos = set(zip(pos_cols[i], pos_cols[j], strict=True))
            pairs_neg = set(zip(neg_cols[i], neg_cols[j], strict=True))
            U_HH[i, j] = U_HH[j, i] = len(pairs_pos - pairs_neg)
    return U_HH


def _check_edge_counts(edge_counts_HH) -> np.ndarray:
    arr = np.asarray(edge_counts_HH)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(
            f"edge counts must be a square [H, H] matrix, got shape {arr.shape}; "
            "pass the output of unique_pair_counts"
        )
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"edge counts must be numeric, got dtype {arr.dtype}")
    return arr


def paper_topk_head_counts(edge_counts_HH) -> np.ndarray:
    """The paper's head tally from edge counts (FACTS.md item 5), quirks included.

    All H*H entries of the matrix (diagonal included) are ranked by count, descending,
    with ``np.argsort(-counts.flatten())`` on float64 (numpy's default quicksort). Each
    ranked entry (h1, h2) is written out as the two heads h1, h2; the first
    k = H*H // 2 of these head entries are kept (i.e. the top H*H // 4 entries of the
    matrix) and each head's occurrences are tallied. The softmax is applied elsewhere.

    Counts tie a lot, and which tied pairs make the cut depends on numpy's (unstable)
    default sort order, so the result depends on that tie order; `row_sum_head_counts`
    has no such dependence.

    Returns:
        tally_H, int64 [H]: how often each head occurs among the kept entries.
    """
    counts_HH = _check_edge_counts(edge_counts_HH)
    H = counts_HH.shape[0]
    order_P = np.argsort(-counts_HH.astype(np.float64).flatten())  # default kind, on purpose
    h1_P, h2_P = np.divmod(order_P, H)
    heads_2P = np.stack([h1_P, h2_P], axis=1).reshape(-1)  # h1, h2, h1', h2', ...
    k = H * H // 2
    return np.bincount(heads_2P[:k], minlength=H).astype(np.int64)


def row_sum_head_counts(edge_counts_HH) -> np.ndarray:
    """Head score from edge counts: each head's row sum, float64 [H].

    Uses every entry of the matrix, so, unlike `paper_topk_head_counts`, it has no
    cut-off and no dependence on the order of tied counts.
    """
    counts_HH = _check_edge_counts(edge_counts_HH)
    return counts_HH.astype(np.float64).sum(axis=1)


def jit_cache_is_cold() -> bool:
    """Whether no kernel has a compiled copy in numba's on-disk cache yet (a fresh clone,
    or this file edited), so the first calls compile them: about a minute on 2 CPU cores.
    ``cache=True`` keeps compiled kernels in ``__pycache__`` beside this module (or in
    ``NUMBA_CACHE_DIR``). Looks only for numba's index files; False when the JIT is off
    (``NUMBA_DISABLE_JIT=1``) or numba's cache layout is not the one known here."""
    index_paths = [
        getattr(getattr(getattr(obj, "_cache", None), "_cache_file", None), "_index_path", None)
        for obj in globals().values()
        if isinstance(obj, numba.core.dispatcher.Dispatcher)
    ]
    if not index_paths or None in index_paths:
        return False
    return not any(os.path.exists(path) for path in index_paths)
