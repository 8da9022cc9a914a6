"""Time the code-pair kernels against the set references and the paper's dense algorithm.

Not a test. Run:  python benchmarks/bench_kernels.py --json results/bench_kernels.json

For each H, random codes pos [N, H], neg [M, H] in [0, F) (default F=200, N=M=250,
H = 32 (attn-only-4l), 144 (GPT-2 small), 384, 720, 1200 (GPT-2 medium, large, xl))
are scored by
- kernels.unique_pair_counts / unique_code_counts (numba, all threads),
- the plain set references (up to --reference-max-h heads),
- the authors' dense algorithm (FACTS.md, Quirks), re-implemented below: two float64
  [H, H, F, F] arrays filled by a Python loop over (example, h1, h2), then counted
  (up to --dense-max-h; skipped, with the reason printed, when /proc/meminfo's
  MemAvailable - what ``free`` calls "available" - is below the two arrays plus
  --dense-headroom-gib: at H=144 that is 12.4 + 1.5 GiB).
All methods score the same codes and their results are checked equal.

Peak memory is an RSS delta: the rise of the process's peak resident set (VmHWM, reset
through /proc/self/clear_refs before each call) over its resident set before the call,
so it includes numba's allocations; where /proc is unavailable, tracemalloc's peak
(numpy and Python allocations only) is reported instead (the JSON's memory_method says
which). Speed-ups are ratios of times measured in this one process, so machine load
shifts both sides; the 1-minute load average is printed and recorded beside them.

The pair kernel is also timed on one numba thread (``1 thread s``): on a machine whose
cores are busy with other work, a parallel kernel waits on its slowest thread and can be
slower than one thread.

Throughput: the pair kernel visits each of the H(H-1)/2 head pairs once and does one
table update per example (N + M per pair), so ``pair-steps/s`` =
H(H-1)/2 * (N + M) / seconds; ``ns/step/thread`` divides by the numba threads used.
That per-pair, per-example work is the floor of any exact count; the ns per step says
how close the kernel comes to it.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc
from pathlib import Path

import numba
import numpy as np

from sae_core import kernels
from sae_core.experiments.model_size import mem_available_gib
from sae_core.records import write_json_atomic


def _proc_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _can_reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        _proc_kib("VmHWM")
        return True
    except OSError:
        return False


def measure(fn, *args, repeats: int = 1):
    """(best wall seconds over 1 + `repeats` calls, peak extra MiB of the first, result)."""
    if _can_reset_peak():
        rss_before = _proc_kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        t0 = time.perf_counter()
        result = fn(*args)
        best = time.perf_counter() - t0
        peak_mib = (_proc_kib("VmHWM") - rss_before) / 1024
    else:
        tracemalloc.start()  # slows the call down: time it, but only count the repeats
        result = fn(*args)
        peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        best = float("inf")
        repeats = max(repeats, 1)
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, max(peak_mib, 0.0), result


def paper_dense_bytes(n_heads: int, n_codes: int) -> int:
    """Bytes of the authors' two float64 [H, H, F, F] arrays."""
    return 2 * n_heads * n_heads * n_codes * n_codes * 8


def paper_dense_pair_counts(pos_NH: np.ndarray, neg_MH: np.ndarray, n_codes: int) -> np.ndarray:
    """The authors' edge counting (FACTS.md, Quirks), re-implemented: slow and huge on purpose.

    Two dense float64 [H, H, F, F] occupancy arrays, one for positives and one for
    negatives, filled by a Python loop over (example, h1, h2) with h1 != h2; then
    U[h1, h2] = number of code pairs (f1, f2) occupied on positives and empty on
    negatives. The counting step goes one h1 slice at a time, so the peak memory is the
    two arrays themselves (12.4 GiB at H=144, F=200: FACTS.md's figure).
    Returns int64 [H, H], equal to ``kernels.unique_pair_counts`` on the same codes.
    """
    H = pos_NH.shape[1]
    pos_HHFF = np.zeros((H, H, n_codes, n_codes))
    neg_HHFF = np.zeros((H, H, n_codes, n_codes))
    for codes_NH, occ_HHFF in ((pos_NH, pos_HHFF), (neg_MH, neg_HHFF)):
        for codes_H in codes_NH:
            for h1 in range(H):
                for h2 in range(H):
                    if h1 != h2:
                        occ_HHFF[h1, h2, codes_H[h1], codes_H[h2]] += 1
    U_HH = np.zeros((H, H), np.int64)
    for h1 in range(H):
        U_HH[h1] = ((pos_HHFF[h1] > 0) & (neg_HHFF[h1] == 0)).sum(axis=(1, 2))
    return U_HH


def dense_skip_reason(n_heads: int, n_codes: int, headroom_gib: float) -> str | None:
    """Why the dense run must be skipped at this H (not enough free memory), or None."""
    need_gib = paper_dense_bytes(n_heads, n_codes) / 2**30 + headroom_gib
    avail = mem_available_gib()
    if avail is None:
        return f"cannot read MemAvailable; the dense run needs {need_gib:.1f} GiB"
    if avail < need_gib:
        return (
            f"dense H={n_heads} needs {need_gib:.1f} GiB (two [H, H, F, F] float64 arrays + "
            f"{headroom_gib} GiB headroom) but only {avail:.1f} GiB is available"
        )
    return None


class _one_numba_thread:
    """Context: the kernels run on one numba thread (robust when the cores are busy)."""

    def __enter__(self):
        self.saved = numba.get_num_threads()
        numba.set_num_threads(1)

    def __exit__(self, *exc):
        numba.set_num_threads(self.saved)


def _load() -> float:
    return os.getloadavg()[0]


def main(argv=None) -> None:
    """Run the benchmark, print a table, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heads", type=int, nargs="+", default=[32, 144, 384, 720, 1200])
    ap.add_argument("--n-codes", type=int, default=200, help="F, number of SAE features")
    ap.add_argument("--n-pos", type=int, default=250)
    ap.add_argument("--n-neg", type=int, default=250)
    ap.add_argument("--dense-max-h", type=int, default=144, help="largest H for the dense run")
    ap.add_argument(
        "--dense-headroom-gib", type=float, default=1.5,
        help="free memory beyond the dense arrays needed to run the dense algorithm",
    )
    ap.add_argument("--reference-max-h", type=int, default=384)
    ap.add_argument("--repeats", type=int, default=3, help="timing repeats for the kernels")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="write results here")
    args = ap.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    # warm up: load (or compile) every kernel before timing
    warm_pos = rng.integers(0, args.n_codes, (5, 4))
    kernels.unique_pair_counts(warm_pos, warm_pos[:3])
    kernels.unique_code_counts(warm_pos, warm_pos[:3])

    print(
        f"F={args.n_codes}, N={args.n_pos}+{args.n_neg}, numba threads "
        f"{numba.get_num_threads()}, memory: "
        + ("RSS delta (VmHWM reset)" if _can_reset_peak() else "tracemalloc peak")
        + f", load {_load():.2f} at start",
        flush=True,
    )
    load_start = _load()
    rows = []
    skipped = {}
    for H in args.heads:
        pos_NH = rng.integers(0, args.n_codes, (args.n_pos, H))
        neg_MH = rng.integers(0, args.n_codes, (args.n_neg, H))
        row = {"H": H}
        row["pair_kernel_s"], row["pair_kernel_mib"], U_HH = measure(
            kernels.unique_pair_counts, pos_NH, neg_MH, repeats=args.repeats
        )
        with _one_numba_thread():
            row["pair_kernel_1t_s"], _, U1_HH = measure(
                kernels.unique_pair_counts, pos_NH, neg_MH, repeats=args.repeats
            )
        assert (U1_HH == U_HH).all()
        row["node_kernel_s"], row["node_kernel_mib"], count_H = measure(
            kernels.unique_code_counts, pos_NH, neg_MH, repeats=args.repeats
        )
        row["node_reference_s"], _, ref_H = measure(
            kernels.unique_code_counts_reference, pos_NH, neg_MH
        )
        assert (ref_H == count_H).all()
        if H <= args.reference_max_h:
            t0 = time.perf_counter()
            ref_HH = kernels.unique_pair_counts_reference(pos_NH, neg_MH)
            row["pair_reference_s"] = time.perf_counter() - t0
            assert (ref_HH == U_HH).all()
            row["pair_speedup_vs_reference"] = row["pair_reference_s"] / row["pair_kernel_s"]
        reason = dense_skip_reason(H, args.n_codes, args.dense_headroom_gib)
        if H <= args.dense_max_h and reason is not None:
            skipped[H] = row["pair_dense_skipped"] = reason
        elif H <= args.dense_max_h:
            row["pair_dense_s"], row["pair_dense_mib"], dense_HH = measure(
                paper_dense_pair_counts, pos_NH, neg_MH, args.n_codes, repeats=0
            )
            assert (dense_HH == U_HH).all()
            del dense_HH
            row["pair_speedup_vs_dense"] = row["pair_dense_s"] / row["pair_kernel_s"]
            row["pair_speedup_vs_dense_1t"] = row["pair_dense_s"] / row["pair_kernel_1t_s"]
        row["node_speedup_vs_reference"] = row["node_reference_s"] / row["node_kernel_s"]
        n_pairs = H * (H - 1) // 2
        threads = kernels._n_threads_for(H * H * (args.n_pos + args.n_neg))
        row["pair_steps_per_s"] = n_pairs * (args.n_pos + args.n_neg) / row["pair_kernel_s"]
        row["ns_per_step_per_thread"] = threads * 1e9 / row["pair_steps_per_s"]
        row["kernel_threads"] = threads
        row["load_1min"] = _load()
        rows.append(row)
        _print_row(row, header=len(rows) == 1)
    for H, reason in skipped.items():
        print(f"skipped dense H={H}: {reason}")
    targets = _targets(rows)
    for line in targets["lines"]:
        print(line)

    out = {
        "settings": vars(args) | {"json": str(args.json)},
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
            "numba": numba.__version__,
            "numpy": np.__version__,
        },
        "memory_method": "RSS delta (VmHWM reset)" if _can_reset_peak() else "tracemalloc",
        "load_1min": {"start": load_start, "end": _load()},
        "rows": rows,
        "targets": targets,
    }
    if args.json is not None:
        write_json_atomic(args.json, out)
        print(f"wrote {args.json}")


def _targets(rows: list[dict]) -> dict:
    """Issue 6's targets: >= 1000x the dense algorithm at H=144; H=1200 under 1 s, 500 MiB."""
    by_h = {r["H"]: r for r in rows}
    out: dict = {"lines": []}
    r144 = by_h.get(144, {})
    if "pair_speedup_vs_dense" in r144:
        ok = r144["pair_speedup_vs_dense"] >= 1000
        out["dense_144_speedup_ge_1000x"] = ok
        out["lines"].append(
            f"target H=144 >= 1000x dense: {r144['pair_speedup_vs_dense']:.0f}x all threads, "
            f"{r144['pair_speedup_vs_dense_1t']:.0f}x one thread: " + ("MET" if ok else "NOT MET")
        )
    else:
        out["lines"].append("target H=144 >= 1000x dense: not measured (dense run skipped)")
    r1200 = by_h.get(1200)
    if r1200 is not None:
        ok = r1200["pair_kernel_s"] < 1 and r1200["pair_kernel_mib"] < 500
        out["h1200_lt_1s_lt_500mib"] = ok
        out["lines"].append(
            f"target H=1200 < 1 s and < 500 MiB: {r1200['pair_kernel_s']:.3f} s, "
            f"{r1200['pair_kernel_mib']:.1f} MiB " + ("MET" if ok else "NOT MET")
            + f"; {r1200['pair_steps_per_s']:.3g} pair-steps/s = "
            f"{r1200['ns_per_step_per_thread']:.2f} ns per step per thread"
        )
    return out


def _fmt(row: dict, key: str, spec: str) -> str:
    return format(row[key], spec) if key in row else "-"


def _print_row(row: dict, header: bool) -> None:
    cols = [
        ("H", "H", "d"),
        ("pairs s", "pair_kernel_s", ".4f"),
        ("pairs MiB", "pair_kernel_mib", ".1f"),
        ("1 thread s", "pair_kernel_1t_s", ".4f"),
        ("ref s", "pair_reference_s", ".2f"),
        ("x ref", "pair_speedup_vs_reference", ".0f"),
        ("dense s", "pair_dense_s", ".2f"),
        ("dense MiB", "pair_dense_mib", ".0f"),
        ("x dense", "pair_speedup_vs_dense", ".0f"),
        ("x dense 1t", "pair_speedup_vs_dense_1t", ".0f"),
        ("steps/s", "pair_steps_per_s", ".3g"),
        ("ns/st/thr", "ns_per_step_per_thread", ".2f"),
        ("nodes s", "node_kernel_s", ".5f"),
        ("node ref s", "node_reference_s", ".4f"),
        ("x ref", "node_speedup_vs_reference", ".0f"),
        ("load", "load_1min", ".2f"),
    ]
    if header:
        print(" | ".join(f"{name:>10}" for name, _, _ in cols))
    print(" | ".join(f"{_fmt(row, key, spec):>10}" for _, key, spec in cols), flush=True)


if __name__ == "__main__":
    main()
