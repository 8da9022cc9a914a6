"""Command line: ``sae-core tasks | discover TASK | demo | figures | compare TASK...``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from sae_core.config import POOLINGS, SAEConfig
from sae_core.paper.settings import DEFAULT_SEEDS, paper_settings
from sae_core.tasks.catalog import EMBEDDED_TASKS


def _with_flags(base: SAEConfig, args: argparse.Namespace, **more) -> SAEConfig:
    """``base`` with every SAE flag that was given (not None) replacing its field."""
    flags = dict(
        n_features=args.n_features,
        l1=args.l1,
        steps=args.steps,
        n_train=args.n_train,
        device=args.device,
        paper_quirks=args.paper_quirks or None,
        **more,
    )
    return dataclasses.replace(base, **{k: v for k, v in flags.items() if v is not None})


def discover_config(args: argparse.Namespace) -> SAEConfig:
    """The SAEConfig of ``sae-core discover``: the task's paper settings
    (:func:`sae_core.paper.settings.paper_settings`, e.g. l1 = 0.05 for docstring), with
    every flag given replacing its field."""
    return _with_flags(paper_settings(args.task).sae, args, pooling=args.pooling)


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n-features", type=int, help="SAE features (default 200)")
    p.add_argument("--l1", type=float, help="SAE sparsity weight (default 0.02; discover: "
                   "the task's paper setting, 0.05 for docstring)")
    p.add_argument("--steps", type=int, help="Adam steps (default 500)")
    p.add_argument("--n-train", type=int, help="positive (+ as many negative) training prompts")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), help="default: auto")
    p.add_argument("--paper-quirks", action="store_true", help="reproduce the authors' code")


def cmd_tasks(args: argparse.Namespace) -> int:
    from sae_core.tasks import available_tasks

    for name in available_tasks():
        print(name)
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    from sae_core.discover import discover_seeds
    from sae_core.metrics import evaluate
    from sae_core.records import write_json_atomic
    from sae_core.tasks import load_task

    options = {}
    if args.model_source:
        options["model_source"] = args.model_source
    if args.n_examples:
        options["n_examples"] = args.n_examples
    task = load_task(args.task, seed=args.seed, **options)
    config = discover_config(args)
    found = discover_seeds(task, config, seeds=(args.seed,), progress=True)[0]
    payload = found.to_dict()
    payload["label"] = task.label
    if task.ground_truth is not None:
        payload.update(evaluate(found, task.ground_truth))
    else:
        payload.update(node_auc=None, edge_auc=None)
    print(f"task: {task.label}   seed {args.seed}   pooling {config.pooling}")
    print(f"node AUC {payload['node_auc']}   edge AUC {payload['edge_auc']}")
    print("selected heads:", " ".join(str(h) for h in found.circuit()))
    print("timings (s):", {k: round(v, 3) for k, v in found.timings.items()})
    if args.json:
        write_json_atomic(args.json, payload)
        print(f"wrote {args.json}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from sae_core.experiments.demo import format_table, run_tasks
    from sae_core.plots import plot_auc_summary
    from sae_core.records import write_json_atomic

    start = time.perf_counter()
    seeds = tuple(range(args.seeds))
    tasks = args.tasks or list(EMBEDDED_TASKS)
    rows = run_tasks(tasks, poolings=args.poolings, seeds=seeds,
                     config=_with_flags(SAEConfig(), args))
    wall = time.perf_counter() - start
    print()
    print(f"SAE circuit discovery, {len(seeds)} seeds, exact ground truth")
    print(format_table(rows))
    print(f"\ndemo wall time: {wall:.1f} s")
    figure = Path(args.figure)
    figure.parent.mkdir(parents=True, exist_ok=True)
    plot_auc_summary(rows).savefig(figure, dpi=120)
    print(f"wrote {figure}")
    if args.json:
        write_json_atomic(args.json, {"rows": rows, "wall_s": wall, "seeds": list(seeds)})
        print(f"wrote {args.json}")
    return 0


def cmd_figures(args: argparse.Namespace) -> int:
    from sae_core.figure_builders import FigureContext, available_figures, regenerate

    if args.list:
        for name, description in available_figures().items():
            print(f"{name}: {description}")
        return 0
    ctx = FigureContext(
        fast=args.fast,
        model_source=args.model_source,
        seeds=tuple(range(args.seeds)),
        device=args.device or "auto",
        cache_dir=args.cache,
    )
    start = time.perf_counter()
    written = regenerate(args.out, names=args.names or None, ctx=ctx)
    for entry in written.values():
        print(f"{entry['file']}: {entry['model_source']}, {entry['seconds']:.1f} s")
    print(f"wrote {len(written)} figures and {args.out}/PROVENANCE "
          f"in {time.perf_counter() - start:.0f} s")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sae_core.experiments.compare import (
        compare,
        method_configs,
        to_markdown,
        write_csv,
        write_json,
    )

    start = time.perf_counter()
    seeds = tuple(range(args.seeds))
    options = {"n_examples": args.n_examples} if args.n_examples else None
    try:
        configs = method_configs(args.set)
    except (ValueError, KeyError) as err:
        print(f"sae-core compare: {err}", file=sys.stderr)
        return 2
    df = compare(args.tasks, methods=args.methods, seeds=seeds, task_options=options,
                 configs=configs, cache_dir=args.cache)
    wall = time.perf_counter() - start
    print()
    print(f"circuit discovery methods compared, {len(seeds)} seeds for stochastic methods")
    print(to_markdown(df))
    print(f"\ncompare wall time: {wall:.1f} s")
    if df["cached"].any():
        print(f"{int(df['cached'].sum())} of {len(df)} rows read from {args.cache} "
              "(their seconds are from the run that computed them)")
    if args.json:
        write_json(df, args.json, wall_s=wall, seeds=list(seeds), tasks=list(args.tasks),
                   settings=list(args.set))
        print(f"wrote {args.json}")
    if args.csv:
        write_csv(df, args.csv)
        print(f"wrote {args.csv}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``sae-core``."""
    parser = argparse.ArgumentParser(prog="sae-core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("tasks", help="list registered tasks")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("discover", help="run the SAE method on one task")
    p.add_argument("task")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model-source", choices=("pretrained", "random", "compiled", "trained"))
    p.add_argument("--n-examples", type=int, help="prompts per set")
    p.add_argument("--pooling", choices=POOLINGS)
    p.add_argument("--json", help="write the result as JSON here (atomically)")
    _add_config_args(p)
    p.set_defaults(func=cmd_discover)

    p = sub.add_parser("demo", help="every embedded task: AUC table and a figure")
    p.add_argument("--tasks", nargs="+", help=f"default: {' '.join(EMBEDDED_TASKS)}")
    p.add_argument("--poolings", nargs="+", choices=POOLINGS, default=list(POOLINGS))
    p.add_argument("--seeds", type=int, default=len(DEFAULT_SEEDS),
                   help=f"number of seeds (0..N-1, default {len(DEFAULT_SEEDS)})")
    p.add_argument("--figure", default="figures/demo_auc.png")
    p.add_argument("--json", default="results/demo.json")
    _add_config_args(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("figures", help="regenerate figures/ with a provenance record")
    p.add_argument("names", nargs="*", help="figures to build (default: all; see --list)")
    p.add_argument("--list", action="store_true", help="list the registered figures")
    p.add_argument("--out", default="figures", help="output folder (default: figures)")
    p.add_argument("--fast", action="store_true", help="small settings (seconds per figure)")
    p.add_argument(
        "--model-source",
        choices=("pretrained", "random"),
        default="random",
        help="paper models: weights from the local cache, or random-weight stand-ins "
        "(default; labelled in every title)",
    )
    p.add_argument("--seeds", type=int, default=len(DEFAULT_SEEDS),
                   help=f"SAE seeds per number (0..N-1, default {len(DEFAULT_SEEDS)})")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"))
    p.add_argument("--cache", metavar="DIR",
                   help="comparison rows: reuse those in DIR (from `sae-core compare --cache` "
                   "or the compare_methods notebook with the same settings), keep new ones")
    p.set_defaults(func=cmd_figures)

    from sae_core.methods import DEFAULT_METHODS

    p = sub.add_parser("compare", help="every method on the same tasks: one table")
    p.add_argument("tasks", nargs="+", metavar="TASK")
    p.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS),
                   help=f"default: {' '.join(DEFAULT_METHODS)}")
    p.add_argument("--seeds", type=int, default=len(DEFAULT_SEEDS),
                   help=f"seeds 0..N-1 of stochastic methods (default {len(DEFAULT_SEEDS)})")
    p.add_argument("--n-examples", type=int, help="prompts per set when building tasks")
    p.add_argument("--set", action="append", default=[], metavar="METHOD.FIELD=VALUE",
                   help="change one setting of one method's config, e.g. acdc.taus=1e-3 "
                   "(repeatable; sae_core/methods/config.py lists the settings)")
    p.add_argument("--json", help="write the rows as JSON here (atomically)")
    p.add_argument("--csv", help="write the rows as CSV here")
    p.add_argument("--cache", metavar="DIR",
                   help="keep each finished row in DIR and reuse rows found there (resumes an "
                   "interrupted comparison; empty DIR after changing a method's code)")
    p.set_defaults(func=cmd_compare)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sae-core`` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, KeyError, FileNotFoundError, TypeError) as err:
        print(f"sae-core: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
