"""Every method on the same tasks, one table: ``compare(tasks, methods, seeds)``.

``tasks``: registered task names, one's own :class:`~sae_core.types.Task` objects, or both.

One row per task x method. Metrics come from
:func:`sae_core.metrics.evaluate` and are the mean and sample sd over seeds
for stochastic methods (``sae``, ``subnetwork-probing``); deterministic methods run
once (``n_seeds`` = 1, sd NaN). ``seconds`` is the method's own wall time per run
(building the task is not counted; for the SAE the shared cache and batched training
are split evenly between its seeds). Paper tasks (ioi, greater-than, docstring) use
pretrained weights from the local cache when present, random-weight stand-ins
otherwise; ``label`` marks stand-ins "(random-weight stand-in)".
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from sae_core.experiments.engine import Engine, Shared, run_jobs
from sae_core.methods import DEFAULT_METHODS, method_spec
from sae_core.methods.common import metric_kind
from sae_core.metrics import HEAD_SCORES_METRICS, evaluate, format_mean_sd, mean_sd
from sae_core.paper.settings import DEFAULT_SEEDS
from sae_core.records import read_json, restore_nan, write_json_atomic, write_text_atomic
from sae_core.tasks import PAPER_TASKS, load_task
from sae_core.tasks.registry import builder_defaults
from sae_core.types import HeadScores, Task
from sae_core.version import __version__

LARGE_TASK_ACDC = {"taus": (1e-3,), "separate_qkv": False, "n_prompts": 16}
"""ACDC settings on ``tracr-scalable`` (12 x 12 heads) in the full comparison. ACDC's
default there is 3 taus x 32,491 q/k/v edges, one forward pass of 64 prompts each
(hours on a 2-core CPU); with one tau over per-head inputs (11,611 edges) on 16 prompts
it takes ~4 min. Its cost there is thus a LOWER bound on the default's. Pass
``configs={"acdc": ACDCConfig(**LARGE_TASK_ACDC)}`` (or ``sae-core compare
--set acdc.taus=1e-3 --set acdc.separate_qkv=false --set acdc.n_prompts=16``)."""

METRICS = HEAD_SCORES_METRICS
"""Metrics of every row (those every method has), each as ``{metric}_mean`` and
``{metric}_sd``."""


def _parse_value(text: str) -> Any:
    """A command-line value: a Python literal (1e-3, (1e-3, 1e-2), False), true/false, or
    the text itself."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def method_configs(settings: Sequence[str]) -> dict[str, Any]:
    """Method configs from ``METHOD.FIELD=VALUE`` settings (``sae-core compare --set``).

    Each method's config starts from its documented defaults; e.g.
    ``["acdc.taus=1e-3", "acdc.separate_qkv=false", "acdc.n_prompts=16"]`` ->
    ``{"acdc": ACDCConfig(taus=(0.001,), separate_qkv=False, n_prompts=16)}``.
    A scalar given for a tuple field becomes a one-element tuple. Errors name the
    method's fields.
    """
    fields_by_method: dict[str, dict[str, Any]] = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        method, dot, field_name = key.strip().partition(".")
        if not sep or not dot or not method or not field_name:
            raise ValueError(
                f"setting {setting!r} is not METHOD.FIELD=VALUE (e.g. acdc.taus=1e-3)"
            )
        fields_by_method.setdefault(method, {})[field_name] = _parse_value(value)
    configs = {}
    for method, values in fields_by_method.items():
        spec = method_spec(method)
        known = {f.name: f for f in dataclasses.fields(spec.config_cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(
                f"method {method!r} has no setting(s) {unknown}; its settings: "
                f"{', '.join(known)}"
            )
        for name, value in values.items():
            if str(known[name].type).startswith("tuple") and not isinstance(value, tuple):
                values[name] = (value,)
        configs[method] = spec.default_config(**values)
    return configs


def load_compare_task(name: str, task_options: Mapping[str, Any] | None = None) -> Task:
    """Build ``name``; a paper task falls back to its random-weight stand-in when its
    pretrained weights are not in the local cache (the label says so)."""
    options = dict(task_options or {})
    if name in PAPER_TASKS and "model_source" not in options:
        try:
            return load_task(name, model_source="pretrained", **options)
        except FileNotFoundError:
            return load_task(name, model_source="random", **options)
    return load_task(name, **options)


def summarize(
    task: Task, method: str, runs: Sequence[HeadScores], cpu_seconds: float = math.nan
) -> dict[str, Any]:
    """One table row from one method's runs on one task (``cpu_seconds``: per run)."""
    evals = [evaluate(r, task.ground_truth) for r in runs]
    row: dict[str, Any] = {
        "task": task.name,
        "label": task.label,
        "method": method,
        "model_source": task.model_source,
        "n_layers": task.n_layers,
        "n_heads": task.n_heads,
        "n_seeds": len(runs),
        "stochastic": method_spec(method).stochastic,
    }
    for metric in METRICS:
        row[f"{metric}_mean"], row[f"{metric}_sd"] = mean_sd([e[metric] for e in evals])
    row["n_selected"] = float(np.mean([e["n_selected"] for e in evals]))
    row["n_truth"] = evals[0]["n_truth"]
    row["seconds"], row["seconds_sd"] = mean_sd([r.seconds for r in runs])
    row["cpu_seconds"] = cpu_seconds
    row["torch_threads"] = torch.get_num_threads()
    row["config"] = runs[0].config
    row["selection"] = runs[0].extra.get("selection", "")
    row["node_from_edges"] = runs[0].extra.get("node_from_edges", "")
    row["seeds"] = [r.seed for r in runs]
    row["provenance"] = None if task.provenance is None else task.provenance.to_dict()
    return row


_FLOAT_KEYS = ("seconds", "seconds_sd", "cpu_seconds",
               *(f"{m}_{s}" for m in METRICS for s in ("mean", "sd")))


def row_key(
    task_name: str, task_options: Mapping[str, Any] | None, method: str, config: Any,
    seeds: Sequence[int],
) -> str:
    """What a row of :func:`compare` depends on, hashed: task, its options (with the
    builder's defaults for those not given, so a changed default such as the tracr tasks'
    contrast is a new key), method, the method's full config (defaults filled in), seeds
    and the package version."""
    options = {**builder_defaults(task_name), **dict(task_options or {})}
    text = json.dumps(
        {"task": task_name, "options": options, "method": method,
         "config": repr(config), "seeds": [int(s) for s in seeds], "version": __version__},
        sort_keys=True, default=repr,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read_cached_row(path: Path) -> dict[str, Any]:
    return restore_nan(read_json(path)["row"], _FLOAT_KEYS)


def _check_own_task(task: Task, specs: Mapping[str, Any], configs: Mapping[str, Any]) -> None:
    """Fail before any work where a user's Task cannot be compared: no truth, or a
    baseline whose metric the task cannot give (:func:`sae_core.methods.common.metric_kind`)."""
    if task.ground_truth is None:
        raise ValueError(
            f"task {task.name!r} has no ground truth to compare against; build it with "
            "ground_truth=GroundTruth(heads=...)"
        )
    for method, spec in specs.items():
        metric = getattr(configs.get(method) or spec.config_cls(), "metric", None)
        if metric is not None:
            metric_kind(task, metric)


def compare(
    tasks: Sequence[str | Task] | str | Task,
    methods: Sequence[str] = DEFAULT_METHODS,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    task_options: Mapping[str, Any] | None = None,
    progress: bool = True,
    configs: Mapping[str, Any] | None = None,
    cache_dir: str | Path | None = None,
    engine: Engine | None = None,
) -> pd.DataFrame:
    """Run every method on every task; one row per (task, method).

    ``tasks``: registered task names (built with ``task_options``) and/or one's own
    :class:`~sae_core.types.Task` objects (with a ground truth; for the patching and
    gradient baselines also ``answers``, or a metric named in their config, e.g.
    ``configs={"eap": EAPConfig(metric="kl")}``); every Task is checked before any work.
    A Task object's rows are never cached (``cache_dir`` keys rows by registered name).
    ``seeds``: seeds of stochastic methods (deterministic ones run once).
    ``task_options``: passed to every task's builder (e.g. ``{"n_examples": 100}``).
    ``configs``: method name -> config (default: each method's documented defaults).
    Columns: task, label, method, model_source, n_layers, n_heads, n_seeds, stochastic,
    ``{metric}_mean``/``{metric}_sd`` for :data:`METRICS`, n_selected (mean), n_truth,
    seconds (mean wall seconds per run) and seconds_sd, cpu_seconds (process CPU time per
    run, all threads: less sensitive than wall time to other jobs on a shared machine),
    torch_threads (CPU threads torch had: wall seconds depend on it),
    config, selection, node_from_edges, seeds, provenance (the checkpoint record of a
    pretrained task, else None), cached (True where the row was read from
    ``cache_dir``), measured (date the row was computed).

    ``cache_dir``: keep each finished row there as JSON (atomically), keyed by
    :func:`row_key`, and read it back instead of recomputing: a long comparison that
    stops part-way resumes, and a figure reuses the rows a notebook computed. The key
    does not see code changes within a version: empty the folder after editing a method.

    ``engine``: where the rows run (:mod:`sae_core.experiments.engine`; None: one after
    another here). On Dask each row is one job that builds its task on its worker and
    writes its cache file there as it finishes (``cache_dir`` must then be a folder the
    workers see); rows come back in the same order, with the same numbers. A Task object
    is sent to the workers (pickled).
    """
    configs = dict(configs or {})
    specs = {m: method_spec(m) for m in methods}  # unknown names fail before any work
    unknown = set(configs) - set(specs)
    if unknown:
        raise KeyError(f"configs given for methods not compared: {sorted(unknown)}")
    entries = [tasks] if isinstance(tasks, str | Task) else list(tasks)
    for entry in entries:
        if isinstance(entry, Task):
            _check_own_task(entry, specs, configs)
        elif not isinstance(entry, str):
            raise TypeError(
                f"a task of type {type(entry).__name__}; give registered task names "
                "(sae_core.available_tasks()) or Task objects"
            )
    rows: list[dict[str, Any] | None] = []
    todo = []  # (row index, task entry, method, config, cache file) of rows to run
    for entry in entries:
        name = entry.name if isinstance(entry, Task) else entry
        for method in methods:
            config = configs.get(method)
            config = specs[method].config_cls() if config is None else config
            path = None
            if cache_dir is not None and not isinstance(entry, Task):
                key = row_key(name, task_options, method, config,
                              seeds if specs[method].stochastic else ())
                path = Path(cache_dir) / f"{name}.{method}.{key}.json"
                if path.exists():
                    rows.append({**_read_cached_row(path), "cached": True})
                    continue
            rows.append(None)
            todo.append((len(rows) - 1, entry, method, config, path))
    labels = [f"{e.name if isinstance(e, Task) else e} / {m}" for _, e, m, _, _ in todo]
    if engine is None or not engine.distributed:
        loader = _LastTask(task_options)  # builds each registered task once in a row
        computed = run_jobs(
            compute_row, [(e, m, c, seeds, task_options, p, loader) for _, e, m, c, p in todo],
            labels=labels, desc="tasks x methods", progress=progress,
        )
    else:  # a Task object goes to the cluster once, not once per method
        shared = {id(e): Shared(e) for e in entries if isinstance(e, Task)}
        computed = run_jobs(
            compute_row,
            [(shared.get(id(e), e), m, c, seeds, task_options, p) for _, e, m, c, p in todo],
            engine, labels=labels, desc="tasks x methods", progress=progress,
        )
    for (i, *_), row in zip(todo, computed, strict=True):
        rows[i] = {**row, "cached": False}
    return pd.DataFrame(rows)


class _LastTask:
    """Builds registered tasks for :func:`compute_row`, keeping the last one built (the
    serial path runs every method of a task in a row)."""

    def __init__(self, task_options: Mapping[str, Any] | None) -> None:
        self.task_options = task_options
        self.task: Task | None = None

    def __call__(self, name: str) -> Task:
        if self.task is None or self.task.name != name:
            self.task = load_compare_task(name, self.task_options)
        return self.task


def compute_row(
    entry: str | Task,
    method: str,
    config: Any,
    seeds: Sequence[int],
    task_options: Mapping[str, Any] | None = None,
    cache_path: str | Path | None = None,
    load: Callable[[str], Task] | None = None,
) -> dict[str, Any]:
    """One row of :func:`compare` (one job of its engine): run ``method`` with ``config``
    on ``entry`` (a registered name, built here with ``task_options`` or by ``load``, or a
    Task) for ``seeds``; write the row to ``cache_path`` (atomically) when given."""
    if isinstance(entry, Task):
        task = entry
    else:
        task = load(entry) if load is not None else load_compare_task(entry, task_options)
        if task.ground_truth is None:
            raise ValueError(f"task {entry!r} has no ground truth to compare against")
    spec = method_spec(method)
    cpu0 = time.process_time()
    runs = spec.run_many(task, seeds, config)
    cpu_s = (time.process_time() - cpu0) / len(runs)
    row = {**summarize(task, method, runs, cpu_s),
           "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if cache_path is not None:
        write_json_atomic(cache_path, {"version": __version__, "row": row})
    return row


def table(df: pd.DataFrame) -> pd.DataFrame:
    """The printable table: metrics as "mean ± sd" strings, seconds per run."""
    out = pd.DataFrame({"task": df["label"], "method": df["method"],
                        "seeds": df["n_seeds"]})
    for metric in (m for m in METRICS if m != "f1"):  # the paper's "F1" is shown, not this
        out[metric] = [format_mean_sd(m, s, pm="±")
                       for m, s in zip(df[f"{metric}_mean"], df[f"{metric}_sd"], strict=True)]
    out["heads selected"] = [f"{n:.1f}" for n in df["n_selected"]]
    out["seconds"] = [f"{s:.2f}" for s in df["seconds"]]
    if "cpu_seconds" in df:
        out["cpu seconds"] = [f"{s:.2f}" for s in df["cpu_seconds"]]
    return out


def to_markdown(df: pd.DataFrame) -> str:
    """The comparison as a markdown table (``DataFrame.to_markdown``)."""
    return table(df).to_markdown(index=False)


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Every column (configs as JSON-ish text) to CSV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path


def write_markdown(df: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """The markdown table, with an optional title line, written atomically."""
    return write_text_atomic(path, (f"{title}\n\n" if title else "") + to_markdown(df) + "\n")


def write_json(df: pd.DataFrame, path: str | Path, **extra: Any) -> Path:
    """Rows plus version and date as JSON, atomically (``sae_core.records.write_json_atomic``)."""
    payload = {
        "version": __version__,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **extra,
        "rows": df.to_dict(orient="records"),
    }
    return write_json_atomic(path, payload)


def paper_table() -> pd.DataFrame:
    """The paper's node AUCs per task and method (:mod:`sae_core.paper.numbers`), in the
    method names used here, to print beside ours. Baselines are read off a figure."""
    from sae_core.paper.numbers import HEADLINE_AUC

    rows = []
    for task, numbers in HEADLINE_AUC.items():
        mean, sd = numbers["sae_node"]
        rows.append({"task": task, "method": "sae", "node_auc": format_mean_sd(mean, sd, pm="±")})
        for method in ("acdc", "hisp", "subnetwork-probing"):
            rows.append({"task": task, "method": method, "node_auc": f"{numbers[method]:.2f}"})
    return pd.DataFrame(rows).pivot(index="task", columns="method", values="node_auc")
