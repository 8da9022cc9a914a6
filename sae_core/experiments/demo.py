"""Run the method over tasks x poolings x seeds and summarise as a table.

This is what the demo prints: per task and pooling, node and edge AUC as
mean +- sd over seeds, and wall time.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm

from sae_core.config import SAEConfig
from sae_core.discover import discover_seeds
from sae_core.metrics import METRICS, evaluate, format_mean_sd, mean_sd
from sae_core.paper.settings import DEFAULT_SEEDS
from sae_core.tasks import load_task
from sae_core.types import label_source


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
