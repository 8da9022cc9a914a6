"""The null-calibrated node score against the raw count, and the circuit each rule selects.

Not a test. Run:  python benchmarks/bench_null_score.py --json results/null_score.json

For every embedded task (``sae_core.tasks.catalog.EMBEDDED_TASKS``) at the paper's
settings (``paper_settings(name)``: 250 prompts per set, mean pooling), one batched SAE
run over the seeds (default 0-4). For each seed's codes:

- node AUC of three head rankings: the raw positive-only code count (the method's node
  score), its z-score against the permutation null, and -log p
  (``sae_core.scores.null_calibration``, ``--permutations`` label shuffles, seed 0),
  with the seconds the calibration took;
- precision, recall and size of two circuits: the paper's rule (softmax of the count
  above 1/H: ``Discovery.selected``, what compare reports) and ``Discovery.circuit()``'s
  default (permutation null, Benjamini-Hochberg at 5% over heads, max(200, ceil(H /
  0.05)) permutations), with its seconds.

Prints two tables of mean +- sd over seeds; ``--json`` writes every per-seed number. The
seconds move with the machine's load, recorded beside them (1-minute load average).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from sae_core.discover import discover_seeds
from sae_core.metrics import auc, format_mean_sd, mean_sd
from sae_core.paper.settings import DEFAULT_SEEDS, paper_settings
from sae_core.records import write_json_atomic
from sae_core.scores import DEFAULT_NULL_PERMUTATIONS, null_calibrate
from sae_core.tasks.catalog import EMBEDDED_TASKS, load_task, task_info
from sae_core.types import Discovery

RANKINGS = ("raw", "z", "neg_log_p")
RULES = ("paper", "null")


def precision_recall(selected: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(precision, recall) of a head selection; precision 0 when nothing is selected."""
    hits = int((selected & labels).sum())
    return hits / max(int(selected.sum()), 1), hits / max(int(labels.sum()), 1)


def score_seed(found: Discovery, labels: np.ndarray, n_permutations: int) -> dict:
    """One seed's node AUCs per ranking and circuits per rule (flat heads, layer-major)."""
    t0 = time.perf_counter()
    calibration = null_calibrate(found, n_permutations, seed=0)
    calibration_seconds = time.perf_counter() - t0
    row = {
        "seed": found.seed,
        "auc": {
            "raw": auc(calibration.count_H, labels),
            "z": auc(np.clip(calibration.z_H, -1e12, 1e12), labels),  # +-inf keep their rank
            "neg_log_p": auc(-np.log(calibration.p_H), labels),
        },
        "calibration_seconds": calibration_seconds,
    }
    t0 = time.perf_counter()
    null_heads = found.circuit()
    null_seconds = time.perf_counter() - t0
    null_mask = np.zeros(found.node_scores.shape, bool)
    for head in null_heads:
        null_mask[head.layer, head.head] = True
    circuits = {}
    for rule, mask in (("paper", found.selected), ("null", null_mask)):
        precision, recall = precision_recall(mask.ravel(), labels)
        circuits[rule] = {"precision": precision, "recall": recall, "size": int(mask.sum())}
    circuits["null"]["seconds"] = null_seconds
    row["circuit"] = circuits
    return row


def run_task(name: str, seeds: tuple[int, ...], n_permutations: int,
             contrast: str | None = None) -> dict:
    """Every seed's numbers on one task at the paper's settings (``contrast``: the
    contrast design, for tasks that offer one; None: the task's default)."""
    settings = paper_settings(name)
    info = task_info(name)
    options = {"contrast": contrast} if contrast and contrast in info.contrasts else {}
    task = load_task(name, n_examples=settings.n_examples, **options)
    labels = task.ground_truth.head_labels(task.n_layers, task.n_heads).ravel()
    found = discover_seeds(task, settings.sae, seeds=seeds)
    return {
        "task": name,
        "contrast": task.contrast,
        "n_heads": int(labels.size),
        "n_truth": int(labels.sum()),
        "seeds": [score_seed(d, labels, n_permutations) for d in found],
    }


def _label(res: dict) -> str:
    """The task with its contrast (the regime its numbers were measured in)."""
    return f"{res['task']} [{res.get('contrast') or 'own'}]"


def _cell(values, spec: str = ".3f") -> str:
    return format_mean_sd(*mean_sd(values, single_sd=0.0), spec=spec)


def print_tables(results: list[dict]) -> None:
    """Node AUC per ranking, then precision / recall / size per circuit rule."""
    print(f"{'task [contrast]':<30} {'H':>4}  " + "  ".join(f"{r + ' AUC':>15}" for r in RANKINGS)
          + f"  {'null s':>7}")
    for res in results:
        seeds = res["seeds"]
        cells = [_cell([s["auc"][r] for s in seeds]) for r in RANKINGS]
        secs = float(np.mean([s["calibration_seconds"] for s in seeds]))
        print(f"{_label(res):<30} {res['n_heads']:>4}  " + "  ".join(f"{c:>15}" for c in cells)
              + f"  {secs:>7.3f}")
    print()
    head = "  ".join(f"{f'{rule} {m}':>15}" for rule in RULES for m in ("precision", "recall"))
    sizes = f"{'paper n':>7}  {'null n':>7}  {'null s':>7}"
    print(f"{'task [contrast]':<30} {'truth':>5}  {head}  {sizes}")
    for res in results:
        seeds = res["seeds"]
        cells = [
            _cell([s["circuit"][rule][m] for s in seeds])
            for rule in RULES for m in ("precision", "recall")
        ]
        sizes = [float(np.mean([s["circuit"][rule]["size"] for s in seeds])) for rule in RULES]
        secs = float(np.mean([s["circuit"]["null"]["seconds"] for s in seeds]))
        print(f"{_label(res):<30} {res['n_truth']:>5}  " + "  ".join(f"{c:>15}" for c in cells)
              + f"  {sizes[0]:>7.1f}  {sizes[1]:>7.1f}  {secs:>7.3f}")


def main(argv=None) -> int:
    """Run every embedded task, print the tables, optionally write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=list(EMBEDDED_TASKS))
    ap.add_argument("--seeds", type=int, nargs="+", default=list(DEFAULT_SEEDS))
    ap.add_argument("--permutations", type=int, default=DEFAULT_NULL_PERMUTATIONS,
                    help="label shuffles of the z / p rankings (default %(default)s)")
    ap.add_argument("--contrast", choices=("minimal", "rearranged"),
                    help="contrast design of the tasks that offer one (default: each "
                    "task's own default)")
    ap.add_argument("--json", type=Path, help="write every per-seed number here")
    args = ap.parse_args(argv)
    results = [run_task(name, tuple(args.seeds), args.permutations, args.contrast)
               for name in args.tasks]
    print_tables(results)
    if args.json:
        write_json_atomic(args.json, {
            "permutations": args.permutations,
            "load_average_1min": float(os.getloadavg()[0]),
            "tasks": results,
        })
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
