"""Cheaper discretisers against the paper's SAE: AUC and time on every embedded task.

Not a test. Run:  python benchmarks/bench_discretisers.py --json results/bench_discretisers.json

The SAE is the method's most expensive stage (500 full-batch Adam steps), yet all the
method uses of it is each head vector's argmax feature: its code. Three ways to get
codes are run here on the same cached head vectors of each task (one cache per task,
shared by every variant, so only the discretiser differs):

* ``paper``: the paper's SAE, 500 steps (``SAEConfig()``: the default);
* ``early-stop``: the same SAE, stopped per seed once its argmax codes on the training
  rows have not changed for ``code_patience`` checks ``code_check_every`` steps apart
  (``SAEConfig(stop_when_codes_stable=True)``); ``steps`` reports the mean steps used;
* ``kmeans``: nearest of 200 k-means centroids fitted on the same training rows
  (``SAEConfig(discretiser="kmeans")``; ``steps`` reports Lloyd iterations).

Reported per task and variant: node AUC, edge AUC (against edge truth) and head-from-edge
AUC (mean +- sd over the seeds), the discretiser's fit time for all seeds together (one
batched run), its ratio to the paper SAE's, and the mean steps. Times are measured in
this one process back to back; the 1-minute load average is recorded beside them.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from sae_core.config import SAEConfig
from sae_core.discover import cache_task, discover_seeds
from sae_core.experiments.model_size import warm_up
from sae_core.metrics import evaluate, format_mean_sd, mean_sd
from sae_core.paper.settings import paper_config
from sae_core.records import write_json_atomic
from sae_core.tasks import EMBEDDED_TASKS, load_task

VARIANTS = {
    "paper": {},
    "early-stop": {"stop_when_codes_stable": True},
    "kmeans": {"discretiser": "kmeans"},
}
"""Variant name -> SAEConfig overrides on the task's paper preset."""

METRICS = ("node_auc", "edge_auc", "edge_node_auc")


def bench_task(name: str, seeds: tuple[int, ...], n_examples: int, device: str) -> list[dict]:
    """Every variant on one task, from one shared cache: one row per variant."""
    task = load_task(name, n_examples=n_examples)
    base = paper_config(task.name, device=device)
    acts = cache_task(task, base)
    rows = []
    for variant, overrides in VARIANTS.items():
        config = dataclasses.replace(base, **overrides)
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        found = discover_seeds(task, config, seeds=seeds, activations=acts)
        wall = time.perf_counter() - t0
        evals = [evaluate(d, task.ground_truth) for d in found]
        row = {
            "task": name,
            "variant": variant,
            "n_heads_total": task.n_layers * task.n_heads,
            "n_seeds": len(seeds),
            # the fit of all seeds together (each Discovery holds its even share)
            "fit_s": float(sum(d.timings["sae"] for d in found)),
            "wall_s": wall,
            "steps_mean": float(np.mean([d.timings["sae_steps"] for d in found])),
            "load_1min": load,
            "config": dataclasses.asdict(config),
        }
        for metric in METRICS:
            row[f"{metric}_mean"], row[f"{metric}_sd"] = mean_sd([e[metric] for e in evals])
        rows.append(row)
    paper_fit = rows[0]["fit_s"]
    for row in rows:
        row["x_paper_fit_time"] = row["fit_s"] / paper_fit if paper_fit > 0 else math.nan
    return rows


def print_table(rows: list[dict]) -> None:
    """The markdown table of every task x variant."""
    print("| task | variant | node AUC | edge AUC | head-from-edge AUC | fit s (all seeds) "
          "| x paper fit time | steps |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['task']} | {r['variant']} | "
            + " | ".join(format_mean_sd(r[f"{m}_mean"], r[f"{m}_sd"], missing="-") for m in METRICS)
            + f" | {r['fit_s']:.2f} | {r['x_paper_fit_time']:.2f} | {r['steps_mean']:.0f} |"
        )


def main(argv=None) -> int:
    """Run every task x variant, print the table, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=list(EMBEDDED_TASKS))
    ap.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 per variant")
    ap.add_argument("--n-examples", type=int, default=250, help="prompts per set")
    ap.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    ap.add_argument("--json", type=Path, default=None, help="write results here")
    args = ap.parse_args(argv)
    if args.seeds < 1:
        ap.error("--seeds must be at least 1")
    seeds = tuple(range(args.seeds))

    warm_up(SAEConfig(device=args.device))  # imports and numba's cache, not charged below
    start = time.perf_counter()
    rows: list[dict] = []
    for name in args.tasks:
        rows.extend(bench_task(name, seeds, args.n_examples, args.device))
        last = rows[-len(VARIANTS):]
        print(f"{name}: " + ", ".join(
            f"{r['variant']} node AUC {r['node_auc_mean']:.3f} fit {r['fit_s']:.2f} s"
            for r in last), flush=True)
    print(f"\ndiscretisers, {len(seeds)} seeds per number, {args.n_examples} + "
          f"{args.n_examples} prompts, codes on held-out prompts\n")
    print_table(rows)
    total = time.perf_counter() - start
    print(f"\nwall time {total:.1f} s")
    if args.json is not None:
        write_json_atomic(args.json, {
            "seeds": list(seeds), "n_examples": args.n_examples, "device": args.device,
            "cpu_count": os.cpu_count(), "wall_s": total, "variants": VARIANTS, "rows": rows,
        })
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
