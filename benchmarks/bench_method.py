"""The whole SAE method against ACDC and EAP: wall time and node AUC, on one task.

Not a test. Run:  python benchmarks/bench_method.py --json results/bench_method.json

Default task: ``tracr-scalable``, the largest embedded task (a compiled program in a
12 x 12 model, GPT-2 small's head count, every other head a random distractor; exact
head truth). Every method runs in this one process through the baselines registry
(``method(task, config) -> HeadScores``, sae_core.methods), each with its own default
config (the SAE: the paper's settings on all the task's prompts; the baselines: their
``n_prompts`` clean/corrupt pairs). Stochastic methods run once per ``--seeds`` seed,
deterministic ones once. Reported per method: its own wall time (HeadScores.seconds:
forward/backward passes and search, not building the task), the process wall time
around the call, the ratio to the SAE method's time, and node AUC (and edge AUC where
the task has edge truth) from sae_core.metrics.evaluate.

Before timing, every method module is imported and the SAE pipeline is run once on a
tiny model, so that imports and numba's kernel cache are not charged to the first
method. The 1-minute load average is recorded beside the times: ratios inside one
process are what to compare; absolute seconds move with the machine's load.

``--quick`` (what ``make bench`` runs, ~5 min on an idle 2-core CPU): 64 prompts per set,
one SAE seed, SAE/ACDC/EAP only, and the baselines on 16 prompt pairs with ACDC cut to
one threshold (tau 1e-3) over per-head inputs (``separate_qkv=False``: 11,611 edges
instead of 32,491). That ACDC is a LOWER bound on ACDC's cost: its default sweeps 3 taus
over q/k/v inputs on 64 prompts, each tau one forward pass per edge (hours here).
tracr-scalable's negatives keep the output (sort_freq ignores order), so the patching
baselines resample positives as corruption there (``BaselineConfig.corrupt="auto"``).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from pathlib import Path

from sae_core.experiments.compare import LARGE_TASK_ACDC
from sae_core.metrics import evaluate, format_mean_sd, mean_sd
from sae_core.records import write_json_atomic
from sae_core.tasks import load_task

DEFAULT_TASK = "tracr-scalable"
DEFAULT_METHODS = ("sae", "acdc", "eap")

QUICK_OVERRIDES = {
    "acdc": dict(LARGE_TASK_ACDC),
    "eap": {"n_prompts": 16},
}
"""Config overrides of ``--quick`` per method (see the module docstring)."""


def _load() -> float:
    return float(os.getloadavg()[0])


def _warm_up() -> None:
    """Import every method module and run the SAE pipeline once on a tiny model."""
    from sae_core.config import SAEConfig
    from sae_core.experiments.model_size import warm_up
    from sae_core.methods import available_methods

    available_methods()
    warm_up(SAEConfig(device="cpu"))


def run_method_timed(
    name: str, task, seed: int, device: str, overrides: dict | None = None
) -> dict:
    """Run ``name`` once on ``task`` with its default config plus ``overrides``: its
    seconds, wall seconds and metrics against the task's truth."""
    from sae_core.methods import method_spec

    spec = method_spec(name)
    fields = {f.name for f in dataclasses.fields(spec.config_cls)}
    overrides = dict(overrides or {})
    if "seed" in fields:
        overrides["seed"] = seed
    if "device" in fields:
        overrides["device"] = device
    config = spec.default_config(**overrides)
    load_before = _load()
    t0 = time.perf_counter()
    scores = spec.run(task, config)
    wall = time.perf_counter() - t0
    metrics = evaluate(scores, task.ground_truth)
    return {
        "method": name,
        "seed": seed if spec.stochastic else None,
        "seconds": float(scores.seconds),
        "wall_s": wall,
        "node_auc": metrics["node_auc"],
        "edge_auc": metrics["edge_auc"],
        "n_selected": metrics["n_selected"],
        "load_1min": (load_before, _load()),
        "config": config.to_dict() if hasattr(config, "to_dict") else str(config),
        "model_source": scores.model_source,
    }


def summarise(runs: list[dict]) -> dict:
    """Mean (and sd over seeds) of seconds, wall time and AUCs of one method's runs."""
    out = {"method": runs[0]["method"], "n_runs": len(runs)}
    for key in ("seconds", "wall_s", "node_auc", "edge_auc"):
        out[f"{key}_mean"], out[f"{key}_sd"] = mean_sd([r[key] for r in runs])
    return out


def main(argv=None) -> int:
    """Run the benchmark, print a table, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default=DEFAULT_TASK)
    ap.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS))
    ap.add_argument("--n-examples", type=int, default=250, help="prompts per set of the task")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                    help="seeds of stochastic methods (the SAE); deterministic ones run once")
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"),
                    help="device of the baselines (the SAE's own config says 'auto')")
    ap.add_argument("--quick", action="store_true",
                    help="64 prompts per set, one SAE seed; SAE, ACDC, EAP")
    ap.add_argument("--json", type=Path, default=None, help="write results here")
    args = ap.parse_args(argv)
    if args.quick:
        args.n_examples, args.seeds = 64, [0]
        args.methods = [m for m in args.methods if m in DEFAULT_METHODS]

    try:
        from sae_core.methods import available_methods
    except ImportError as err:
        print(f"sae_core.methods is not available ({err}); nothing to compare",
              file=sys.stderr)
        return 1
    missing = [m for m in args.methods if m not in available_methods()]
    if missing:
        print(f"methods {missing} are not registered; available: {available_methods()}",
              file=sys.stderr)
        return 1

    load_start = _load()
    _warm_up()
    task = load_task(args.task, n_examples=args.n_examples)
    print(
        f"task {task.label}: {task.n_layers} x {task.n_heads} heads, "
        f"{task.positive.shape[0]} + {task.negative.shape[0]} prompts, "
        f"{len(task.ground_truth.heads)} truth heads; load {load_start:.2f}",
        flush=True,
    )
    from sae_core.methods import method_spec

    runs: list[dict] = []
    for name in args.methods:
        seeds = args.seeds if method_spec(name).stochastic else args.seeds[:1]
        for seed in seeds:
            overrides = QUICK_OVERRIDES.get(name) if args.quick else None
            run = run_method_timed(name, task, seed, args.device, overrides)
            runs.append(run)
            print(
                f"  {name} seed {run['seed']}: {run['seconds']:.2f} s "
                f"(wall {run['wall_s']:.2f} s), node AUC {run['node_auc']:.3f}, "
                f"load {run['load_1min'][1]:.2f}",
                flush=True,
            )
    summary = [summarise([r for r in runs if r["method"] == m]) for m in args.methods]
    for s in summary:
        s["config"] = next(r["config"] for r in runs if r["method"] == s["method"])
    sae_s = next((s["seconds_mean"] for s in summary if s["method"] == "sae"), math.nan)
    for s in summary:
        s["x_sae_time"] = s["seconds_mean"] / sae_s if sae_s > 0 else math.nan
    _print_table(summary, task.label)

    if args.json is not None:
        write_json_atomic(args.json, {
            "task": args.task,
            "task_label": task.label,
            "n_examples": args.n_examples,
            "n_layers": task.n_layers,
            "n_heads": task.n_heads,
            "model_source": task.model_source,
            "seeds": args.seeds,
            "quick": args.quick,
            "quick_overrides": QUICK_OVERRIDES if args.quick else None,
            "device": args.device,
            "load_1min": {"start": load_start, "end": _load()},
            "cpu_count": os.cpu_count(),
            "summary": summary,
            "runs": runs,
        })
        print(f"wrote {args.json}")
    return 0


def _print_table(summary: list[dict], label: str) -> None:
    print(f"\n{label}: method time (HeadScores.seconds), ratio to the SAE method, node AUC")
    cols = ("method", "runs", "seconds", "x SAE time", "node AUC", "edge AUC")
    print(" | ".join(f"{c:>18}" for c in cols))
    for s in summary:
        cells = (
            s["method"], str(s["n_runs"]),
            format_mean_sd(s["seconds_mean"], s["seconds_sd"], spec=".2f", missing="-"),
            f"{s['x_sae_time']:.1f}",
            format_mean_sd(s["node_auc_mean"], s["node_auc_sd"], missing="-"),
            format_mean_sd(s["edge_auc_mean"], s["edge_auc_sd"], missing="-"),
        )
        print(" | ".join(f"{c:>18}" for c in cells))
    for s in summary:
        print(f"  {s['method']} config: {s['config']}")


if __name__ == "__main__":
    sys.exit(main())
