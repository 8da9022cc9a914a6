"""Time the SAE trainer: one seed, T seeds one by one, T seeds in one batched run.

Not a test. Run:  python benchmarks/bench_sae.py --json results/bench_sae.json
Quick check:      python benchmarks/bench_sae.py --quick

Shapes are the paper's training sets (10 positives + 10 negatives, every head a row):
attn-only-4l R = 20*32 rows of D = 512, gpt2-small R = 20*144 rows of D = 768; F = 200.
Input rows are standard normal (the work per step does not depend on the values).

FLOP count per seed per step: 5 GEMMs of 2*R*D*F each = 10*R*D*F (encoder forward,
decoder forward, decoder weight gradient, gradient into the features, encoder weight
gradient; the input needs no gradient). Elementwise work, the [S, F] bias shift and
Adam are not counted. Achieved GFLOP/s is compared with a plain ``x [R, D] @ W [D, F*T]``
matmul timed in the same process on the same device (its best of several runs), so the
"fraction of matmul" column says how close training gets to the BLAS on this machine.
Wall times include initialisation and transfers (what a caller waits for).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import torch

from sae_core.device import describe_device, resolve_device
from sae_core.discretisers import sae
from sae_core.records import write_json_atomic

SHAPES = {"attn-only-4l": (20 * 32, 512), "gpt2-small": (20 * 144, 768)}


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def matmul_gflops(x_RD: torch.Tensor, n_cols: int, dev: torch.device, repeats: int = 20) -> float:
    """Best-of-``repeats`` GFLOP/s of x [R, D] @ W [D, n_cols] on ``dev``."""
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(x_RD.shape[1], n_cols, generator=gen).to(dev)
    x = x_RD.to(dev)
    for _ in range(3):
        x @ W
    _sync(dev)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        x @ W
        _sync(dev)
        best = min(best, time.perf_counter() - t0)
    return 2 * x.shape[0] * x.shape[1] * n_cols / best / 1e9


def timed_train(x_RD: torch.Tensor, seeds: tuple[int, ...], args) -> float:
    """Wall seconds of one ``train_saes`` call."""
    t0 = time.perf_counter()
    sae.train_saes(
        x_RD, n_features=args.features, steps=args.steps, seeds=seeds, device=args.device
    )
    return time.perf_counter() - t0


def bench_shape(name: str, n_rows: int, d_model: int, args) -> dict:
    """Time 1 seed, T sequential and T batched at one shape; return one JSON row."""
    dev = resolve_device(args.device)
    gen = torch.Generator().manual_seed(0)
    x_RD = torch.randn(n_rows, d_model, generator=gen)
    F, T, steps = args.features, args.seeds, args.steps
    sae.train_saes(x_RD, n_features=F, steps=5, seeds=tuple(range(T)), device=args.device)

    t_one = timed_train(x_RD, (0,), args)
    t_seq = sum(timed_train(x_RD, (k,), args) for k in range(T))
    t_bat = timed_train(x_RD, tuple(range(T)), args)

    flops_seed = 10 * n_rows * d_model * F * steps
    mm_T = matmul_gflops(x_RD, F * T, dev)
    mm_1 = matmul_gflops(x_RD, F, dev)
    return {
        "shape": name,
        "rows": n_rows,
        "d_model": d_model,
        "n_features": F,
        "steps": steps,
        "n_seeds": T,
        "seconds_1_seed": t_one,
        "seconds_sequential": t_seq,
        "seconds_batched": t_bat,
        "speedup_batched_vs_sequential": t_seq / t_bat,
        "gflops_1_seed": flops_seed / t_one / 1e9,
        "gflops_sequential": T * flops_seed / t_seq / 1e9,
        "gflops_batched": T * flops_seed / t_bat / 1e9,
        "gflops_matmul_D_by_FT": mm_T,
        "gflops_matmul_D_by_F": mm_1,
        "fraction_of_matmul_batched": T * flops_seed / t_bat / 1e9 / mm_T,
        "fraction_of_matmul_1_seed": flops_seed / t_one / 1e9 / mm_1,
    }


def main(argv: list[str] | None = None) -> dict:
    """Parse flags, run the shapes, print a table, write JSON if asked; return the record."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=500, help="Adam steps per run (paper: 500)")
    ap.add_argument("--seeds", type=int, default=10, help="T, seeds per batched run")
    ap.add_argument("--features", type=int, default=200, help="SAE features F (paper: 200)")
    ap.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=list(SHAPES))
    ap.add_argument("--device", default="auto", help='"auto", "cpu" or "cuda"')
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all)")
    ap.add_argument("--quick", action="store_true", help="50 steps, attn-only-4l shape only")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    args = ap.parse_args(argv)
    if args.quick:
        args.steps, args.shapes = 50, ["attn-only-4l"]
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    rows = [bench_shape(name, *SHAPES[name], args) for name in args.shapes]
    dev = resolve_device(args.device)
    record = {
        "benchmark": "bench_sae",
        "flops_per_seed_step": "10*R*D*F (5 GEMMs of 2*R*D*F)",
        "device": str(dev),
        "device_name": describe_device(dev),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "results": rows,
    }

    print(f"device {record['device_name']}, torch {torch.__version__}; "
          "GFLOP/s count 10*R*D*F per seed-step")
    head = (f"{'shape':<13} {'steps':>5} {'T':>3} {'1 seed s':>9} {'T seq s':>9} "
            f"{'T bat s':>9} {'speedup':>8} {'GF/s bat':>9} {'GF/s mm':>8} {'frac':>6} "
            f"{'frac 1':>6}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['shape']:<13} {r['steps']:>5} {r['n_seeds']:>3} {r['seconds_1_seed']:>9.2f} "
              f"{r['seconds_sequential']:>9.2f} {r['seconds_batched']:>9.2f} "
              f"{r['speedup_batched_vs_sequential']:>7.2f}x {r['gflops_batched']:>9.1f} "
              f"{r['gflops_matmul_D_by_FT']:>8.1f} {r['fraction_of_matmul_batched']:>6.2f} "
              f"{r['fraction_of_matmul_1_seed']:>6.2f}")
    print("frac: batched GFLOP/s over x@W[D, F*T]; frac 1: one seed over x@W[D, F]")

    if args.json is not None:
        write_json_atomic(args.json, record)
        print(f"wrote {args.json}")
    return record


if __name__ == "__main__":
    main()
