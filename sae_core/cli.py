"""Command line: ``sae-core tasks | discover TASK | weights | demo | figures | compare TASK...``.

Every argument is checked before any model is built or loaded (numbers, names, devices,
output paths); a wrong one ends the command at once with ``sae-core: error: ...`` and
exit code 2, without a traceback. Only the command that runs imports torch and the rest,
so ``sae-core --help`` returns at once. Results whose path fails at the end anyway are
written to ``./sae-core-results-<date>-<time>.*`` (:func:`sae_core.records.save_with_fallback`).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sae_core.config import POOLINGS, SAEConfig
from sae_core.paper.settings import DEFAULT_SEEDS, paper_settings
from sae_core.version import __version__

DESCRIPTION = """\
Circuit discovery with discrete sparse autoencoders (O'Neill & Bui, arXiv 2405.12522):
find the attention heads and head-to-head edges a transformer uses for a task.

Start with `sae-core tasks` (what can run here), then
`sae-core discover induction-toy` (seconds) or `sae-core demo` (about 5 minutes).
`sae-core COMMAND --help` shows each command's options and their defaults."""

EPILOG = """\
examples:
  sae-core tasks
  sae-core discover tracr-sort --seed 0 --json results/tracr-sort.json
  sae-core demo --seeds 5
  sae-core compare tracr-sort induction-toy --json results/compare.json
  sae-core figures --list"""

DEMO_DESCRIPTION = """\
The verdict in two minutes: every embedded task (exact ground truth, offline), under each
contrast design it offers (minimal pairs, the regime the method assumes; rearranged
tokens, a stress test), the SAE method beside EAP and HISP. Prints one table (node AUC,
edge AUC, seconds per run), writes one figure and a JSON record. About 2 minutes on 2
CPU cores after install (3 SAE seeds, mean pooling), plus about a minute the first time,
when numba compiles.

--full: every pooling of the SAE method x 5 seeds, and ACDC (cut on tracr-scalable),
EAP-IG and subnetwork probing too: about 2 hours on 2 CPU cores (RESULTS.md). Use
--cache DIR to keep finished rows, so an interrupted run resumes."""

FIGURES_DESCRIPTION = """\
Regenerate the committed figures in figures/ with a provenance record (figures/PROVENANCE).
WARNING: a bare `sae-core figures` builds every figure at full settings and runs for
2 to 2.5 hours on 2 CPU cores. Name the figures to build a few (`--list` shows them),
or add --fast for small settings (minutes, marked on each figure)."""


# --------------------------------------------------------------------------- arguments


def _whole_number(text: str, least: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number; give {what} of at least {least}"
        ) from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{value} is too small; give {what} of at least {least}")
    return value


def count(text: str) -> int:
    """An argparse type: a whole number >= 1 (counts of prompts, seeds, steps, features)."""
    return _whole_number(text, 1, "a count")


def seed(text: str) -> int:
    """An argparse type: a whole number >= 0 (random seeds; numpy takes no negative seed)."""
    return _whole_number(text, 0, "a seed")


def non_negative_float(text: str) -> float:
    """An argparse type: a finite number >= 0 (the SAE's sparsity weight)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give one >= 0") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; give a finite number >= 0")
    return value


def _flag_overrides(args: argparse.Namespace, **more) -> dict:
    """The SAE flags that were given (not None), by SAEConfig field."""
    flags = dict(
        n_features=args.n_features,
        l1=args.l1,
        steps=args.steps,
        n_train=args.n_train,
        device=args.device,
        paper_quirks=args.paper_quirks or None,
        **more,
    )
    return {k: v for k, v in flags.items() if v is not None}


def _with_flags(base: SAEConfig, args: argparse.Namespace, **more) -> SAEConfig:
    """``base`` with every SAE flag that was given (not None) replacing its field."""
    return dataclasses.replace(base, **_flag_overrides(args, **more))


def discover_config(args: argparse.Namespace) -> SAEConfig:
    """The SAEConfig of ``sae-core discover``: the task's paper settings
    (:func:`sae_core.paper.settings.paper_settings`, e.g. l1 = 0.05 for docstring), with
    every flag given replacing its field."""
    return _with_flags(paper_settings(args.task).sae, args, pooling=args.pooling)


def _add_config_args(p: argparse.ArgumentParser, l1_default: str) -> None:
    defaults = SAEConfig()
    p.add_argument("--n-features", type=count, metavar="N",
                   help=f"SAE dictionary size (default: {defaults.n_features})")
    p.add_argument("--l1", type=non_negative_float, metavar="W",
                   help=f"SAE sparsity weight (default: {l1_default})")
    p.add_argument("--steps", type=count, metavar="N",
                   help=f"full-batch Adam steps of the SAE (default: {defaults.steps})")
    p.add_argument("--n-train", type=count, metavar="N",
                   help="positive prompts (plus as many negatives) that train the SAE; each "
                   f"set needs at least N + 1 prompts (default: {defaults.n_train})")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"),
                   help="where the SAE trains (default: auto, a CUDA GPU when present)")
    p.add_argument("--paper-quirks", action="store_true",
                   help="reproduce the authors' code, quirks included (default: off)")


def _add_seeds_arg(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--seeds", type=count, default=len(DEFAULT_SEEDS), metavar="N",
                   help=f"{what}: seeds 0..N-1 (default: {len(DEFAULT_SEEDS)})")


def _check_device(device: str | None) -> None:
    """A usage error now, not after the model is built, for ``--device cuda`` without CUDA."""
    if device not in (None, "auto"):
        from sae_core.device import resolve_device

        try:
            resolve_device(device)
        except RuntimeError as err:
            raise ValueError(f"--device {device}: {err}") from None


def _check_tasks(names: list[str]) -> None:
    """A KeyError naming the choices for an unknown task (imports task modules, builds none)."""
    from sae_core.tasks import task_info

    for name in names:
        task_info(name)


def _check_n_train(n_examples: int | None, config: SAEConfig) -> None:
    if n_examples is not None and n_examples <= config.n_train:
        raise ValueError(
            f"--n-examples {n_examples} leaves no prompt to score: the SAE trains on "
            f"{config.n_train} of each set and counts codes on the rest; give --n-examples "
            f"of at least {config.n_train + 1} (or a smaller --n-train)"
        )


def _check_paths(files: dict[str, str | None]) -> None:
    """An OutputPathError now for any output file that could not be written later."""
    from sae_core.records import check_writable

    for flag, path in files.items():
        if path is not None:
            check_writable(path, f"{flag} file")


def _say_if_kernels_compile() -> None:
    """One line before numba compiles the kernels (first run only), so a long first step
    is not mistaken for a hang."""
    from sae_core.kernels import jit_cache_is_cold

    if jit_cache_is_cold():
        print("compiling numba kernels (first run only, ~1 min)...", file=sys.stderr, flush=True)


def _save(path: str | Path, write: Callable[[Path], object]) -> int:
    """Write a result with :func:`sae_core.records.save_with_fallback`; say where it went.
    Exit code: 0 when at ``path``, 1 when in a fallback file."""
    from sae_core.records import save_with_fallback

    saved = save_with_fallback(path, write)
    if saved.error is None:
        print(f"wrote {saved.path}")
        return 0
    print(f"sae-core: could not write {path} ({saved.error}); the results are saved in "
          f"{saved.path} instead", file=sys.stderr)
    return 1


# --------------------------------------------------------------------------- commands


def cmd_tasks(args: argparse.Namespace) -> int:
    """`sae-core tasks`: one line per registered task, no task built."""
    from sae_core.tasks import available_tasks, task_info

    rows = [("task", "model", "heads", "truth", "weights", "description")]
    for name in available_tasks():
        info = task_info(name)
        if info is None:
            rows.append((name, "-", "-", "-", "-", "(registered without a TaskInfo)"))
            continue
        rows.append((name, info.model, f"{info.n_layers}x{info.n_heads}", info.truth,
                     _weights_status(info), info.description))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)]
        print("  ".join([*cells, row[-1]]))
    print("\nweights: 'present' / 'missing' for published checkpoints in the local Hugging "
          "Face cache (`sae-core weights`);\nwithout them, `--model-source random` runs a "
          "random-weight stand-in. Other models ship with the package or compile here.")
    return 0


def _weights_status(info) -> str:
    if not info.pretrained:
        return "not needed"
    from sae_core.models.pretrained import weights_available

    return "present" if weights_available(info.model) else "missing"


def cmd_discover(args: argparse.Namespace) -> int:
    """`sae-core discover TASK`: every argument checked, then one seed of the SAE method."""
    config = discover_config(args)  # cheap checks first: a bad path fails in a blink
    _check_paths({"--json": args.json})
    _check_n_train(args.n_examples, config)
    _check_device(args.device)
    _check_tasks([args.task])

    import sae_core.tasks
    from sae_core.analysis.contrast_response import summary_line, task_response_table
    from sae_core.discover import cache_task, discover_seeds
    from sae_core.metrics import evaluate
    from sae_core.records import write_json_atomic

    options = {}
    if args.model_source is not None:
        options["model_source"] = args.model_source
    if args.n_examples is not None:
        options["n_examples"] = args.n_examples
    task = sae_core.tasks.load_task(args.task, seed=args.seed, **options)
    _say_if_kernels_compile()
    acts = cache_task(task, config, progress=True)
    found = discover_seeds(task, config, seeds=(args.seed,), activations=acts, progress=True)[0]
    response = summary_line(task_response_table(task, acts, found))
    payload = found.to_dict()
    payload["label"] = task.label
    payload["contrast_response"] = response
    if task.ground_truth is not None:
        payload.update(evaluate(found, task.ground_truth))
    else:
        payload.update(node_auc=None, edge_auc=None)
    print(f"task: {task.label}   seed {args.seed}   pooling {config.pooling}")
    if task.provenance is not None:
        print(f"model: {task.provenance.summary()}")
    print(f"node AUC {_auc_text(payload['node_auc'])}   "
          f"edge AUC {_auc_text(payload['edge_auc'])}")
    print("circuit (heads beyond the permutation null, BH 5% FDR):",
          " ".join(str(h) for h in found.circuit()) or "none")
    print(f"contrast response (heads): {response}  [blind: output unchanged by the contrast; "
          "unresolved: changed, no positive-only code]")
    print("timings (s):", {k: round(v, 3) for k, v in found.timings.items()})
    if args.json:
        return _save(args.json, lambda path: write_json_atomic(path, payload))
    return 0


def _auc_text(value: float | None) -> str:
    """An AUC as printed: "n/a" where the JSON says null (no truth, or NaN)."""
    return "n/a" if value is None or math.isnan(value) else str(value)


def cmd_weights(args: argparse.Namespace) -> int:
    from sae_core.models.pretrained import weights_report

    for status in weights_report():
        if status.provenance is None:
            print(f"{status.model}: missing - {status.detail}")
            continue
        prov = status.provenance
        files = ", ".join(f"{f.name} sha256 {f.sha256}" for f in (*prov.weights, prov.config))
        print(f"{status.model}: present in {status.detail} ({prov.repo_id}@{prov.commit}): "
              f"{files}; tokenizer {prov.tokenizer_repo}@{prov.tokenizer_commit}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """`sae-core demo`: the verdict table (task x contrast, SAE beside EAP and HISP), its
    figure and JSON; ``--full``: every method, pooling and 5 seeds."""
    figure = args.figure or str(Path(args.out) / "demo_verdict.png")
    json_path = args.json or str(Path(args.out) / "demo.json")
    _check_paths({"--json": json_path, "--figure": figure})
    _check_device(args.device)
    if args.tasks:
        _check_tasks(args.tasks)
    if args.cache:
        from sae_core.records import check_writable_dir

        check_writable_dir(args.cache, "--cache folder")

    import sae_core.experiments.demo as demo
    from sae_core.records import atomic_path, write_json_atomic

    cases = [c for c in demo.DEMO_CASES if not args.tasks or c[0] in args.tasks]
    cases += [(t, None) for t in args.tasks or () if t not in {c[0] for c in cases}]
    seeds = tuple(range(args.seeds or len(demo.DEFAULT_SEEDS if args.full
                                            else demo.VERDICT_SEEDS)))
    methods = args.methods or (demo.FULL_METHODS if args.full else demo.DEMO_METHODS)
    poolings = args.poolings or (POOLINGS if args.full else ("mean",))
    overrides = _flag_overrides(args)
    _say_if_kernels_compile()
    start = time.perf_counter()
    rows = demo.run_verdict(cases, methods, seeds, poolings=poolings, sae_overrides=overrides,
                            cache_dir=args.cache)
    wall = time.perf_counter() - start
    print()
    print(f"Circuit discovery against exact truth: {len(seeds)} SAE seeds "
          "(EAP and HISP are deterministic)")
    print(demo.format_verdict(rows))
    print("\nThe verdict (node AUC, mean over tasks; 0.5 = chance):")
    for (contrast, method), value in sorted(demo.verdict_summary(rows).items()):
        print(f"  {contrast:>10} negatives  {method:<20} {value:.3f}")
    print(f"\ndemo wall time: {wall:.1f} s")
    record = {"rows": rows, "wall_s": wall, "seeds": list(seeds), "methods": list(methods),
              "poolings": list(poolings), "full": bool(args.full)}
    code = _save(json_path, lambda path: write_json_atomic(path, record))

    def save_figure(path: Path) -> None:
        from sae_core.plots.compare import plot_verdict

        shown = [r for r in rows if r["method"] != "sae" or r["pooling"] == poolings[0]]
        with atomic_path(path) as tmp:
            plot_verdict(shown, title=demo.verdict_title(shown)).savefig(
                tmp, dpi=120, format="png", bbox_inches="tight")

    return max(code, _save(figure, save_figure))


def _add_engine_args(p: argparse.ArgumentParser) -> None:
    """--workers and --scheduler: where the independent jobs of a command run."""
    p.add_argument("--workers", type=count, metavar="N",
                   help="run the independent jobs on a Dask cluster of N worker processes "
                   "on this machine, each with cores/N torch threads (default: one after "
                   "another in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run them on a running Dask scheduler instead, e.g. "
                   "tcp://host:8786 (workers started by `dask worker` or dask-jobqueue on "
                   "SLURM/PBS) (default: none)")


def _engine(args: argparse.Namespace):
    """The :class:`~sae_core.experiments.engine.Engine` of --workers / --scheduler (None:
    serial)."""
    from sae_core.experiments.engine import engine_from

    return engine_from(args.workers, args.scheduler)


def _unreachable(err: ConnectionError) -> int:
    print(f"sae-core: error: {err}", file=sys.stderr)
    return 2


def cmd_figures(args: argparse.Namespace) -> int:
    """`sae-core figures`: regenerate the named (default: all) figures with provenance."""
    import sae_core.figure_builders as builders
    from sae_core.records import check_writable_dir

    if args.list:
        for name, description in builders.available_figures().items():
            print(f"{name}: {description}")
        return 0
    known = builders.available_figures()
    unknown = [n for n in args.names if n not in known]
    if unknown:
        raise KeyError(f"unknown figure(s) {unknown}; available: {', '.join(known)}")
    check_writable_dir(args.out, "--out folder")
    if args.cache:
        check_writable_dir(args.cache, "--cache folder")
    _check_device(args.device)
    ctx = builders.FigureContext(
        fast=args.fast,
        model_source=args.model_source,
        seeds=tuple(range(args.seeds)),
        device=args.device,
        cache_dir=args.cache,
    )
    from sae_core.experiments.engine import SchedulerUnreachable

    engine = _engine(args)
    _say_if_kernels_compile()
    start = time.perf_counter()
    try:
        written = builders.regenerate(args.out, names=args.names or None, ctx=ctx,
                                      engine=engine)
    except SchedulerUnreachable as err:
        return _unreachable(err)
    for entry in written.values():
        print(f"{entry['file']}: {entry['model_source']}, {entry['seconds']:.1f} s")
    print(f"wrote {len(written)} figures and {args.out}/PROVENANCE "
          f"in {time.perf_counter() - start:.0f} s ({engine.describe() if engine else 'serial'})")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """`sae-core compare TASK...`: every method on every task; one table, JSON and CSV."""
    from sae_core.records import check_writable_dir

    _check_paths({"--json": args.json, "--csv": args.csv})
    if args.cache:
        check_writable_dir(args.cache, "--cache folder")

    import sae_core.experiments.compare as cmp
    from sae_core.methods import method_spec

    for method in args.methods:
        method_spec(method)
    configs = cmp.method_configs(args.set)
    if "sae" in args.methods:
        _check_n_train(args.n_examples, getattr(configs.get("sae"), "sae", None) or SAEConfig())
    _check_tasks(args.tasks)
    if "sae" in args.methods:
        _say_if_kernels_compile()
    start = time.perf_counter()
    seeds = tuple(range(args.seeds))
    options = {"n_examples": args.n_examples} if args.n_examples is not None else None
    from sae_core.experiments.engine import SchedulerUnreachable

    try:
        df = cmp.compare(args.tasks, methods=args.methods, seeds=seeds, task_options=options,
                         configs=configs, cache_dir=args.cache, engine=_engine(args))
    except SchedulerUnreachable as err:
        return _unreachable(err)
    wall = time.perf_counter() - start
    print()
    print(f"circuit discovery methods compared, {len(seeds)} seeds for stochastic methods")
    print(cmp.to_markdown(df))
    print(f"\ncompare wall time: {wall:.1f} s")
    if df["cached"].any():
        print(f"{int(df['cached'].sum())} of {len(df)} rows read from {args.cache} "
              "(their seconds are from the run that computed them)")
    code = 0
    if args.json:
        code = _save(args.json, lambda path: cmp.write_json(
            df, path, wall_s=wall, seeds=list(seeds), tasks=list(args.tasks),
            settings=list(args.set)))
    if args.csv:
        code = max(code, _save(args.csv, lambda path: cmp.write_csv(df, path)))
    return code


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``sae-core``."""
    from sae_core.methods import DEFAULT_METHODS

    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="sae-core", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=raw)
    parser.add_argument("--version", action="version", version=f"sae-core {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("tasks", help="list the registered tasks: model, heads, truth, weights",
                       description="List every registered task without building it: its "
                       "model, head grid (layers x heads), where its truth comes from, "
                       "whether it needs downloaded weights and whether they are here.")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("discover", help="run the SAE method on one task (seconds to minutes)",
                       description="Run the SAE method on one task with one seed; print node "
                       "and edge AUC against the task's truth and the heads of its circuit.")
    p.add_argument("task", help="a registered task name (required; `sae-core tasks` lists them)")
    p.add_argument("--seed", type=seed, default=0, metavar="N",
                   help="seed of the prompts and the SAE (default: %(default)s)")
    p.add_argument("--model-source", choices=("pretrained", "random", "compiled", "trained"),
                   help="where the model's weights come from (default: the task's own: "
                   "compiled for tracr-*, trained for induction-toy, pretrained for the paper "
                   "models; random: a random-weight stand-in of a paper model)")
    p.add_argument("--n-examples", type=count, metavar="N",
                   help="prompts per set, positive and negative (default: the task's, 250)")
    p.add_argument("--pooling", choices=POOLINGS,
                   help="how a head's vectors over positions become rows: mean, last position "
                   "or every position (default: mean)")
    p.add_argument("--json", metavar="PATH",
                   help="also write the result as JSON here, atomically (default: not written)")
    _add_config_args(p, "the task's paper setting: 0.05 for docstring, else 0.02")
    p.set_defaults(func=cmd_discover)

    p = sub.add_parser("weights", help="per paper model: cached weights, where, their SHA-256")
    p.set_defaults(func=cmd_weights)

    p = sub.add_parser("demo", help="the verdict: task x contrast, SAE beside EAP and HISP "
                       "(~2 min)", description=DEMO_DESCRIPTION, formatter_class=raw)
    p.add_argument("--full", action="store_true",
                   help="every method, every pooling, 5 seeds: about 2 hours (default: off)")
    p.add_argument("--tasks", nargs="+", metavar="TASK",
                   help="tasks to run (default: every embedded task, each contrast it offers)")
    p.add_argument("--methods", nargs="+", metavar="METHOD",
                   help="methods to run (default: sae eap hisp; --full: all six)")
    p.add_argument("--poolings", nargs="+", choices=POOLINGS,
                   help="poolings of the SAE method (default: mean; --full: all three)")
    p.add_argument("--seeds", type=count, metavar="N",
                   help="SAE seeds 0..N-1 (default: 3; --full: 5)")
    p.add_argument("--out", default="results", metavar="DIR",
                   help="folder of the figure and the JSON record (default: %(default)s)")
    p.add_argument("--figure", metavar="PATH",
                   help="the verdict figure (PNG) (default: OUT/demo_verdict.png)")
    p.add_argument("--json", metavar="PATH",
                   help="every row, per-seed numbers included (default: OUT/demo.json)")
    p.add_argument("--cache", metavar="DIR",
                   help="keep finished rows there and reuse them (default: none)")
    _add_config_args(p, "each task's paper setting")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("figures", help="regenerate figures/ (WARNING: 2-2.5 h for all)",
                       description=FIGURES_DESCRIPTION, formatter_class=raw)
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="figures to build (default: all of them; see --list)")
    p.add_argument("--list", action="store_true",
                   help="list the registered figures and exit (default: off)")
    p.add_argument("--out", default="figures", metavar="DIR",
                   help="output folder (default: %(default)s)")
    p.add_argument("--fast", action="store_true",
                   help="small settings, seconds to a minute per figure (default: off)")
    p.add_argument("--model-source", choices=("pretrained", "random"), default="random",
                   help="paper models: weights from the local cache, or random-weight "
                   "stand-ins, labelled in every title (default: %(default)s)")
    _add_seeds_arg(p, "SAE seeds per number")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                   help="where the SAEs train (default: %(default)s)")
    p.add_argument("--cache", metavar="DIR",
                   help="comparison rows: reuse those in DIR (from `sae-core compare --cache` "
                   "or the compare_methods notebook with the same settings), keep new ones "
                   "(default: none, compute every row)")
    _add_engine_args(p)
    p.set_defaults(func=cmd_figures)

    p = sub.add_parser("compare", help="every method on the same tasks: one table",
                       description="Run every circuit-discovery method (the SAE method, "
                       "ACDC, EAP, EAP-IG, subnetwork probing, HISP) on the same tasks and "
                       "print one table of AUCs and run times.")
    p.add_argument("tasks", nargs="+", metavar="TASK",
                   help="registered task names (required; `sae-core tasks` lists them)")
    p.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS), metavar="METHOD",
                   help=f"methods to run (default: {' '.join(DEFAULT_METHODS)})")
    _add_seeds_arg(p, "stochastic methods")
    p.add_argument("--n-examples", type=count, metavar="N",
                   help="prompts per set when building tasks (default: each task's, 250)")
    p.add_argument("--set", action="append", default=[], metavar="METHOD.FIELD=VALUE",
                   help="change one setting of one method's config, e.g. acdc.taus=1e-3 "
                   "(repeatable; sae_core/methods/config.py lists the settings) "
                   "(default: each method's documented settings)")
    p.add_argument("--json", metavar="PATH",
                   help="write the rows as JSON here, atomically (default: not written)")
    p.add_argument("--csv", metavar="PATH", help="write the rows as CSV here "
                   "(default: not written)")
    p.add_argument("--cache", metavar="DIR",
                   help="keep each finished row in DIR and reuse rows found there (resumes an "
                   "interrupted comparison; empty DIR after changing a method's code) "
                   "(default: none)")
    _add_engine_args(p)
    p.set_defaults(func=cmd_compare)
    return parser


# --------------------------------------------------------------------------- entry point

_PACKAGE_DIR = Path(__file__).resolve().parent


def _raised_by_sae_core(err: BaseException) -> bool:
    """Whether ``err`` was raised in this package's code (an error that names the problem
    and its fix), not inside a library (a bug, shown with its traceback)."""
    tb = err.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(_PACKAGE_DIR)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sae-core`` command.

    Usage errors exit with code 2: argparse's (a malformed flag) and the package's own
    errors (ValueError, TypeError, KeyError, FileNotFoundError raised in ``sae_core``),
    printed as ``sae-core: error: ...`` without a traceback. Any other exception is a bug
    and keeps its traceback.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, KeyError, FileNotFoundError, TypeError) as err:
        if not _raised_by_sae_core(err):
            raise
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"sae-core: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
