"""What ``sae-core demo`` runs: the verdict table, and the full sweep behind ``--full``.

The verdict (:func:`run_verdict`, the default demo): every case of :data:`DEMO_CASES`
(an embedded task with exact truth, under each contrast design it offers), the SAE
method beside EAP and HISP, node and edge AUC and seconds; minutes on 2 CPU cores.
The full sweep (:data:`FULL_METHODS`, every pooling of the SAE method, 5 seeds) adds
ACDC and subnetwork probing; about 2 hours there.

:func:`run_tasks` (the SAE method by pooling, per task) draws ``figures/demo_auc.png``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm

from sae_core.config import POOLINGS, SAEConfig
from sae_core.discover import discover_seeds
from sae_core.metrics import METRICS, evaluate, format_mean_sd, mean_sd
from sae_core.paper.settings import DEFAULT_SEEDS, paper_config
from sae_core.tasks import load_task
from sae_core.types import label_source

DemoCase = tuple[str, "str | None"]
"""(registered task name, contrast design or None where the task offers no choice)."""

DEMO_CASES: tuple[DemoCase, ...] = (
    ("tracr-reverse", "minimal"),
    ("tracr-reverse", "rearranged"),
    ("tracr-sort", "minimal"),
    ("tracr-sort", "rearranged"),
    ("tracr-frac_prevs", "minimal"),
    ("tracr-frac_prevs", "rearranged"),
    ("tracr-hist", "minimal"),
    ("tracr-hist", "rearranged"),
    ("tracr-scalable", "minimal"),
    ("tracr-scalable", "rearranged"),
    ("induction-toy", None),
    ("multitask-2x16", "minimal"),
    ("multitask-2x16", "rearranged"),
)
"""What the demo runs: every embedded task under each contrast it offers (the regime a
number was measured in is part of its row), and the smallest multi-task model (trained
here; its heads outside the circuit do other tasks)."""

DEMO_METHODS = ("sae", "eap", "hisp")
"""The verdict's methods: ours beside the two fastest baselines (seconds per task)."""

FULL_METHODS = ("sae", "acdc", "eap", "eap-ig", "subnetwork-probing", "hisp")
"""``sae-core demo --full``: every method (ACDC cut on tracr-scalable, as in ``compare``)."""

VERDICT_SEEDS = (0, 1, 2)
"""SAE seeds of the two-minute verdict (``--full``: :data:`DEFAULT_SEEDS`)."""


def run_tasks(
    task_names: Sequence[str],
    poolings: Sequence[str] = ("mean",),
    seeds: Sequence[int] = DEFAULT_SEEDS,
    config: SAEConfig | None = None,
    task_options: dict | None = None,
    progress: bool = True,
) -> list[dict]:
    """One row per (task, pooling): every metric of :func:`sae_core.metrics.evaluate` as
    ``{metric}_mean``/``{metric}_sd`` over seeds (sd 0 for one seed), seconds, labels."""
    config = config or SAEConfig()
    rows = []
    jobs = [(name, pooling) for name in task_names for pooling in poolings]
    tasks: dict[str, object] = {}
    bar = tqdm(jobs, desc="demo", unit="task x pooling", disable=not progress)
    for name, pooling in bar:
        t0 = time.perf_counter()
        if name not in tasks:
            bar.set_postfix_str(f"{name}: building the task")
            tasks[name] = load_task(name, **(task_options or {}))
        bar.set_postfix_str(f"{name} [{pooling}]: {len(seeds)} seeds")
        task = tasks[name]
        build_s = time.perf_counter() - t0
        cfg = dataclasses.replace(config, pooling=pooling)
        t0 = time.perf_counter()
        found = discover_seeds(task, cfg, seeds=seeds)
        wall_s = time.perf_counter() - t0
        evals = [evaluate(d, task.ground_truth) for d in found]
        row = {
            "task": name,
            "label": task.label if len(poolings) == 1 else f"{task.label} [{pooling}]",
            "pooling": pooling,
            "model_source": task.model_source,
            "n_layers": task.n_layers,
            "n_heads": task.n_heads,
            "n_seeds": len(seeds),
            "build_s": build_s,
            "discover_s": wall_s,
            "discover_s_per_seed": wall_s / len(seeds),
            "timings_per_seed": {
                k: float(np.mean([d.timings[k] for d in found])) for k in found[0].timings
            },
        }
        for metric in METRICS:
            row[f"{metric}_mean"], row[f"{metric}_sd"] = mean_sd(
                [e[metric] for e in evals], single_sd=0.0
            )
        row["per_seed"] = evals
        rows.append(row)
    return rows


def format_table(rows: Sequence[dict]) -> str:
    """A markdown table of the rows from :func:`run_tasks`."""
    header = (
        "| task | pooling | heads | node AUC | edge AUC (edge truth) | head-from-edge AUC "
        "| discover s/seed |\n|---|---|---|---|---|---|---|"
    )
    lines = [header]
    for r in rows:
        lines.append(
            f"| {label_source(r['task'], r['model_source'])} "
            f"| {r['pooling']} | {r['n_layers']}x{r['n_heads']} "
            f"| {format_mean_sd(r['node_auc_mean'], r['node_auc_sd'])} "
            f"| {format_mean_sd(r['edge_auc_mean'], r['edge_auc_sd'])} "
            f"| {format_mean_sd(r['edge_node_auc_mean'], r['edge_node_auc_sd'])} "
            f"| {r['discover_s_per_seed']:.2f} |"
        )
    return "\n".join(lines)


def _case_options(contrast: str | None, task_options: dict | None) -> dict:
    options = dict(task_options or {})
    if contrast is not None:
        options["contrast"] = contrast
    return options


def _sae_configs(task: str, poolings: Sequence[str], overrides: dict | None):
    """(pooling, method config) pairs for the SAE method on ``task``: the paper's
    settings for the task with ``overrides`` replaced, one per pooling."""
    from sae_core.methods.config import SAEMethodConfig

    return [
        (p, SAEMethodConfig(sae=paper_config(task, **{**(overrides or {}), "pooling": p})))
        for p in poolings
    ]


def run_verdict(
    cases: Sequence[DemoCase] = DEMO_CASES,
    methods: Sequence[str] = DEMO_METHODS,
    seeds: Sequence[int] = VERDICT_SEEDS,
    poolings: Sequence[str] = ("mean",),
    task_options: dict | None = None,
    sae_overrides: dict | None = None,
    configs: dict | None = None,
    cache_dir: str | None = None,
    progress: bool = True,
) -> list[dict]:
    """Every method on every case: one row per (task, contrast, method[, pooling]).

    Rows are :func:`sae_core.experiments.compare.compare` rows (``{metric}_mean/_sd``,
    ``seconds``, labels) plus ``contrast`` and, for the SAE method, ``pooling``.
    ``sae_overrides``: SAEConfig fields replaced in each task's paper settings
    (:func:`sae_core.paper.settings.paper_config`; e.g. ``{"steps": 100}``); ``pooling``
    is set per pooling. ``configs``: the baselines' configs by method
    name (default: each method's defaults; ACDC on tracr-scalable is cut as in
    :data:`sae_core.experiments.compare.LARGE_TASK_ACDC`). ``cache_dir``: finished rows
    are kept there and reused (an interrupted run resumes).
    """
    from sae_core.experiments.compare import LARGE_TASK_ACDC, compare
    from sae_core.methods.config import ACDCConfig

    rows: list[dict] = []
    bar = tqdm(cases, desc="demo", unit="case", disable=not progress)
    for task, contrast in bar:
        bar.set_postfix_str(f"{task} [{contrast or 'own negatives'}]")
        options = _case_options(contrast, task_options)
        baselines = [m for m in methods if m != "sae"]
        method_configs = {m: c for m, c in (configs or {}).items() if m in baselines}
        if "acdc" in baselines and task == "tracr-scalable" and "acdc" not in method_configs:
            method_configs["acdc"] = ACDCConfig(**LARGE_TASK_ACDC)
        found = []
        if "sae" in methods:
            for pooling, cfg in _sae_configs(task, poolings, sae_overrides):
                df = compare([task], ["sae"], seeds=seeds, task_options=options,
                             configs={"sae": cfg}, progress=False, cache_dir=cache_dir)
                found += [{**r, "pooling": pooling} for r in df.to_dict("records")]
        if baselines:
            df = compare([task], baselines, seeds=seeds, task_options=options,
                         configs=method_configs, progress=False, cache_dir=cache_dir)
            found += [{**r, "pooling": None} for r in df.to_dict("records")]
        rows += [{**r, "contrast": contrast} for r in found]
    return rows


def run_full(cases: Sequence[DemoCase] = DEMO_CASES, seeds: Sequence[int] = DEFAULT_SEEDS,
             **options) -> list[dict]:
    """``sae-core demo --full``: :func:`run_verdict` with every method of
    :data:`FULL_METHODS`, every pooling of the SAE method and :data:`DEFAULT_SEEDS`."""
    return run_verdict(cases, FULL_METHODS, seeds, poolings=POOLINGS, **options)


def verdict_summary(rows: Sequence[dict], metric: str = "node_auc") -> dict:
    """Mean of ``metric`` per (contrast, method) over the cases: the verdict in numbers
    (one line each in the demo's printout). Keys ``(contrast, method)``, contrast "own"
    for tasks with their own negatives; the SAE method at its first pooling."""
    first = next((r["pooling"] for r in rows if r["method"] == "sae"), None)
    cells: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        if r["method"] == "sae" and r["pooling"] != first:
            continue
        cells.setdefault((r["contrast"] or "own", r["method"]), []).append(
            r[f"{metric}_mean"])
    return {k: float(np.nanmean(v)) for k, v in cells.items()}


def verdict_title(rows: Sequence[dict]) -> str:
    """The verdict figure's message: mean node AUC of each method under each contrast
    (from :func:`verdict_summary`), e.g. "Mean node AUC - minimal pairs: SAE 0.53, EAP
    0.86 | rearranged: SAE 0.22, EAP 0.95"."""
    summary = verdict_summary(rows)
    names = {"sae": "SAE", "eap": "EAP", "hisp": "HISP", "acdc": "ACDC"}
    parts = []
    for contrast in ("minimal", "rearranged", "own"):
        cells = [f"{names.get(m, m)} {v:.2f}" for (c, m), v in summary.items() if c == contrast]
        if cells:
            label = {"minimal": "minimal pairs", "own": "own negatives"}.get(contrast, contrast)
            parts.append(f"{label}: {', '.join(cells)}")
    return "Mean node AUC - " + " | ".join(parts)


def _cell(row: dict | None, metric: str) -> str:
    if row is None:
        return ""
    return format_mean_sd(row[f"{metric}_mean"], row[f"{metric}_sd"])


def format_verdict(rows: Sequence[dict]) -> str:
    """A markdown table, one line per (task, contrast[, pooling]): node and edge AUC and
    seconds per run of every method in ``rows``, side by side (edge AUC "n/a" for a
    method that scores no edges)."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    poolings = list(dict.fromkeys(r["pooling"] for r in rows if r["method"] == "sae"))
    by_key = {(r["task"], r["contrast"], r["method"], r["pooling"]): r for r in rows}
    cases = list(dict.fromkeys((r["task"], r["contrast"]) for r in rows))
    header = ["task", "contrast", "heads"]
    if len(poolings) > 1:
        header.append("SAE pooling")
    for m in methods:
        name = "SAE" if m == "sae" else m.upper() if len(m) <= 4 else m
        header += [f"{name} node AUC", f"{name} edge AUC", f"{name} s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for task, contrast in cases:
        for pooling in poolings or [None]:
            some = next(r for r in rows if (r["task"], r["contrast"]) == (task, contrast))
            cells = [label_source(task, some["model_source"]), contrast or "own",
                     f"{some['n_layers']}x{some['n_heads']}"]
            if len(poolings) > 1:
                cells.append(pooling)
            for m in methods:
                row = by_key.get((task, contrast, m, pooling if m == "sae" else None))
                seconds = "" if row is None else f"{row['seconds']:.1f}"
                cells += [_cell(row, "node_auc"), _cell(row, "edge_auc"), seconds]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
