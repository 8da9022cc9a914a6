"""Why the SAE method misses a circuit: blind heads, unresolved heads, found heads.

Not a test. Run:  python benchmarks/bench_contrast_response.py --json results/contrast_response.json

For every case of the demo (``sae_core.experiments.demo.DEMO_CASES``: each embedded task
with exact truth under each contrast it offers), at the paper's settings with each
pooling asked for (default mean and per-position), one batched SAE run over the seeds
(default 0-4), then :func:`sae_core.analysis.contrast_response.task_response_table` per seed:

- circuit heads and heads outside it, counted by response: **blind** (the pooled output
  does not move between a positive and its negative), **unresolved** (it moves, but no
  code occurs on positives alone) and **found**;
- the circuit heads' median ``paired_change`` (how far the output moves, as a fraction of
  its norm) and median ``norm_vs_median`` (their output norm over the median head's);
- the node AUC of that run.

Prints one table (mean over seeds of each count); ``--json`` writes every per-seed row.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np

from sae_core.analysis.contrast_response import RESPONSES, task_response_table
from sae_core.discover import cache_task, discover_seeds
from sae_core.experiments.demo import DEMO_CASES
from sae_core.metrics import evaluate
from sae_core.paper.settings import DEFAULT_SEEDS, paper_config
from sae_core.records import write_json_atomic
from sae_core.tasks.catalog import load_task


def case_rows(name: str, contrast: str | None, pooling: str, seeds) -> list[dict]:
    """One row per seed: response counts for circuit and outside heads, and node AUC."""
    task = load_task(name, **({"contrast": contrast} if contrast else {}))
    config = dataclasses.replace(paper_config(name), pooling=pooling)
    acts = cache_task(task, config)
    rows = []
    for found in discover_seeds(task, config, seeds, activations=acts):
        table = task_response_table(task, acts, found)
        circuit = table[table["in_truth"].astype(bool)]
        outside = table[~table["in_truth"].astype(bool)]
        rows.append({
            "task": name, "label": task.label, "contrast": contrast or "own",
            "pooling": pooling, "seed": found.seed,
            **{f"circuit_{r}": int((circuit["response"] == r).sum()) for r in RESPONSES},
            **{f"outside_{r}": int((outside["response"] == r).sum()) for r in RESPONSES},
            "circuit_change_median": float(circuit["paired_change"].median()),
            "circuit_norm_vs_median": float(circuit["norm_vs_median"].median()),
            "node_auc": float(evaluate(found, task.ground_truth)["node_auc"]),
        })
    return rows


def format_table(rows: list[dict]) -> str:
    """Markdown, one line per (task, contrast, pooling): mean counts over seeds."""
    keys = list(dict.fromkeys((r["label"], r["contrast"], r["pooling"]) for r in rows))
    lines = [
        "| task | contrast | pooling | circuit blind / unresolved / found "
        "| outside blind / unresolved / found | circuit change | circuit norm / median "
        "| SAE node AUC |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in keys:
        group = [r for r in rows if (r["label"], r["contrast"], r["pooling"]) == key]

        def counts(side: str, group=group) -> str:
            return " / ".join(f"{np.mean([r[f'{side}_{x}'] for r in group]):.3g}"
                              for x in RESPONSES)

        lines.append(
            f"| {key[0]} | {key[1]} | {key[2]} | {counts('circuit')} | {counts('outside')} "
            f"| {np.mean([r['circuit_change_median'] for r in group]):.3g} "
            f"| {np.mean([r['circuit_norm_vs_median'] for r in group]):.3g} "
            f"| {np.mean([r['node_auc'] for r in group]):.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=len(DEFAULT_SEEDS), metavar="N",
                        help="SAE seeds per case (default: %(default)s)")
    parser.add_argument("--poolings", nargs="+", default=["mean", "positions"],
                        choices=("mean", "last", "positions"), help="(default: mean positions)")
    parser.add_argument("--tasks", nargs="+", metavar="TASK",
                        help="only these tasks of the demo (default: all its cases)")
    parser.add_argument("--json", metavar="PATH", help="write every per-seed row here")
    args = parser.parse_args(argv)
    cases = [c for c in DEMO_CASES if args.tasks is None or c[0] in args.tasks]
    if not cases:
        parser.error(f"--tasks {args.tasks} names no demo case; choose from "
                     f"{sorted({c[0] for c in DEMO_CASES})}")
    started = time.perf_counter()
    rows: list[dict] = []
    for pooling in args.poolings:
        for name, contrast in cases:
            rows += case_rows(name, contrast, pooling, tuple(range(args.seeds)))
            print(f"  {name} [{contrast or 'own'}] {pooling}: done", flush=True)
    seconds = time.perf_counter() - started
    print(format_table(rows))
    print(f"{len(rows)} runs in {seconds:.0f} s (load average {os.getloadavg()[0]:.1f})")
    if args.json:
        write_json_atomic(args.json, {"rows": rows, "seconds": seconds,
                                      "seeds": args.seeds, "poolings": args.poolings})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
