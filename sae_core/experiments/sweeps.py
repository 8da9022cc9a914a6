"""Ablations of the SAE method: metrics over a grid of settings x seeds, as one table.

The paper's ablations (FACTS.md, "Ablations in the paper") vary the number of SAE
training examples, the number of examples whose codes are counted, and the SAE's
size and sparsity (features x l1). :func:`sweep` runs any such grid on one task:

* every key of ``grid`` is an :class:`~sae_core.config.SAEConfig` field (``n_train``,
  ``n_features``, ``l1``, ``steps``, ``pooling``, ...) or ``"n_count"``, the number of
  prompts per set whose codes are counted;
* the task is cached once per pooling (:func:`cache_poolings`) and every setting
  reuses that cache (``discover_seeds(activations=...)``); the seeds of one setting
  train in one batched SAE run;
* ``n_count`` needs no retraining: codes are computed once per setting and
  :func:`recount` rescores a prefix of the counted prompts.
* every setting is an independent job (:func:`sweep_setting`): ``engine=Engine(workers=N)``
  runs them on N local processes, ``Engine(scheduler=...)`` on a Dask cluster
  (:mod:`sae_core.experiments.engine`), with the serial run's numbers.

Codes are counted on one FIXED window of held-out prompts for every setting of a
sweep: prompts ``[count_from, count_from + n_count)`` of each set, where
``count_from`` defaults to the largest ``n_train`` of the sweep. So an ``n_train``
ablation scores every SAE on the same prompts, none of which trained any of them.
With ``count_train_examples=True`` (the authors' behaviour, FACTS.md "Quirks") the
window starts at prompt 0 and includes training prompts.

:func:`head_code_table` is the per-head view used to explain the failure on tracr
tasks: for every head, how many codes it takes on positives and negatives, how many
are positive-only (its node score), and how many distinct output vectors it writes,
with its role in the task (truth, a compiled head of another program, a random
distractor head) read from ``task.head_owner``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import time
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sae_core import scores
from sae_core.config import SAEConfig
from sae_core.discover import HeadActivations, cache_task, discover_seeds
from sae_core.experiments.engine import Engine, Shared, run_jobs
from sae_core.metrics import evaluate
from sae_core.records import read_json, restore_nan, write_json_atomic
from sae_core.tasks import load_task
from sae_core.types import Discovery, Task, head_from_index
from sae_core.version import __version__

COUNT_KEY = "n_count"
"""Grid key: prompts per set whose codes are counted (a prefix of the fixed window)."""

METRICS = ("node_auc", "edge_auc", "edge_node_auc")
"""Metrics of every sweep row (see :func:`sae_core.metrics.evaluate`)."""

ROLE_TRUTH = "truth"
ROLE_COMPILED = "compiled, not truth"
ROLE_RANDOM = "random distractor"
ROLE_EMPTY = "empty slot"
ROLE_OTHER = "not truth"
ROLES = (ROLE_TRUTH, ROLE_COMPILED, ROLE_RANDOM, ROLE_EMPTY, ROLE_OTHER)
"""Head roles of :func:`head_roles`, in plotting order."""

_CONFIG_FIELDS = tuple(f.name for f in dataclasses.fields(SAEConfig))


# ---------------------------------------------------------------------------------------
# Caches and rescoring


def cache_poolings(
    task: Task,
    poolings: Iterable[str],
    base_config: SAEConfig | None = None,
    caches: MutableMapping[str, HeadActivations] | None = None,
    progress: bool = False,
) -> dict[str, HeadActivations]:
    """Pooled head outputs of ``task`` for each pooling, each computed once.

    ``caches``: pooling -> activations already made (reused, and filled in place).
    """
    base_config = base_config or SAEConfig()
    caches = {} if caches is None else caches
    for pooling in poolings:
        if pooling not in caches:
            cfg = dataclasses.replace(base_config, pooling=pooling)
            caches[pooling] = cache_task(task, cfg, progress=progress)
    return dict(caches)


def recount(
    discovery: Discovery,
    start: int = 0,
    n_prompts: int | None = None,
    rows_per_prompt: tuple[int, int] = (1, 1),
) -> Discovery:
    """Rescore a discovery on a window of its counted prompts, with no retraining.

    ``discovery.codes_pos`` / ``codes_neg`` hold the codes of the prompts it counted, in
    prompt order (``rows_per_prompt`` rows per prompt for positives / negatives: T with
    ``pooling="positions"``, else 1). Keeps prompts ``[start, start + n_prompts)`` of
    each set (``n_prompts=None``: to the end) and recomputes node, edge and
    edge-derived head scores from their codes alone, as ``discover`` would have had it
    counted only those prompts. The codes of the new Discovery are the kept ones;
    ``timings["recount"]`` is the rescoring time.
    """
    if start < 0:
        raise ValueError(f"start={start}; give a non-negative prompt index")
    if n_prompts is not None and n_prompts < 1:
        raise ValueError(f"n_prompts={n_prompts}; count at least one prompt")
    t0 = time.perf_counter()
    pos_NH = _window_rows(discovery.codes_pos, rows_per_prompt[0], start, n_prompts, "positive")
    neg_MH = _window_rows(discovery.codes_neg, rows_per_prompt[1], start, n_prompts, "negative")
    rule = discovery.sae_config.effective_edge_head_score
    scored = scores.score_codes(pos_NH, neg_MH, rule)
    shape = discovery.node_scores.shape
    timings = dict(discovery.timings)
    timings["recount"] = time.perf_counter() - t0
    timings["total"] = timings.get("total", 0.0) + timings["recount"]
    return dataclasses.replace(
        discovery,
        node_scores=scored.node_H.reshape(shape),
        edge_scores=scored.edge_HH,
        edge_node_scores=scored.edge_node_H.reshape(shape),
        codes_pos=pos_NH,
        codes_neg=neg_MH,
        timings=timings,
    )


def _window_rows(
    codes_RH: np.ndarray, rows_per_prompt: int, start: int, n_prompts: int | None, label: str
) -> np.ndarray:
    """Rows [R', H] of prompts ``[start, start + n_prompts)`` of one set's codes [R, H].

    ``label`` ("positive" / "negative") names the set in the error when the window runs
    past the prompts the discovery counted.
    """
    n_available = codes_RH.shape[0] // rows_per_prompt
    stop = n_available if n_prompts is None else start + n_prompts
    if stop > n_available or start >= n_available:
        raise ValueError(
            f"asked for {label} prompts [{start}, {stop}) but the discovery counted "
            f"{n_available}; load the task with more prompts (n_examples=...) or count fewer"
        )
    return codes_RH[start * rows_per_prompt : stop * rows_per_prompt]


# ---------------------------------------------------------------------------------------
# Sweeps


def _check_grid(grid: Mapping[str, Sequence]) -> dict[str, tuple]:
    out = {}
    for key, values in grid.items():
        if key != COUNT_KEY and key not in _CONFIG_FIELDS:
            raise KeyError(
                f"grid key {key!r} is neither an SAEConfig field nor {COUNT_KEY!r}; "
                f"use one of {(*_CONFIG_FIELDS, COUNT_KEY)}"
            )
        values = tuple(values)
        if not values:
            raise ValueError(f"grid[{key!r}] is empty; give at least one value")
        out[key] = values
    return out


def _n_prompts(acts: HeadActivations) -> tuple[int, int]:
    return (
        acts.positive.shape[0] // acts.rows_per_prompt_pos,
        acts.negative.shape[0] // acts.rows_per_prompt_neg,
    )


def sweep(
    task: Task,
    grid: Mapping[str, Sequence],
    seeds: Sequence[int] = (0, 1, 2),
    base_config: SAEConfig | None = None,
    *,
    n_count: int | None = None,
    count_from: int | None = None,
    caches: MutableMapping[str, HeadActivations] | None = None,
    keep_discoveries: bool = False,
    progress: bool = True,
    engine: Engine | None = None,
    cache_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Run the SAE method on ``task`` for every setting of ``grid`` and every seed.

    ``grid``: ``{key: values}``; keys are SAEConfig fields or ``"n_count"`` (the
    product of all values is swept). ``base_config``: every other setting.
    ``n_count``: prompts per set counted when ``grid`` has no ``"n_count"`` (None:
    every prompt of the window). ``count_from``: first counted prompt of each set
    (default: the largest ``n_train`` of the sweep, or 0 with ``count_train_examples``).
    ``caches``: pooling -> :class:`HeadActivations` of this task to reuse (filled in
    place with the poolings made here). ``keep_discoveries``: add a ``discovery``
    column holding each row's :class:`Discovery`. ``engine``: where the settings run
    (:mod:`sae_core.experiments.engine`; None: one after another here). On Dask each
    setting is one job; the task and its caches are made here and sent once; the rows
    and their numbers are those of the serial run, in the same order.
    ``cache_dir``: keep each setting's rows there as JSON (atomically, written by the job
    as it finishes), keyed by :func:`setting_key`, and read them back instead of
    rerunning: an interrupted sweep resumes. Not with ``keep_discoveries``.

    Returns one row per setting x seed: task, label (marks random-weight stand-ins),
    model_source, one column per grid key, pooling, n_train, n_count (prompts per set
    counted), count_from, seed, node_auc, edge_auc, edge_node_auc (see
    :func:`sae_core.metrics.evaluate`), n_truth, and seconds: this seed's share of the
    SAE training and coding plus its own scoring (the shared cache is not counted).
    """
    plan = _plan(task, grid, seeds, base_config, n_count, count_from,
                 {} if caches is None else caches, keep_discoveries, cache_dir)
    return _run_plan(plan, engine, f"sweep {task.name}", progress)


def _plan(
    task: Task,
    grid: Mapping[str, Sequence],
    seeds: Sequence[int],
    base_config: SAEConfig | None,
    n_count: int | None,
    count_from: int | None,
    caches: MutableMapping[str, HeadActivations],
    keep_discoveries: bool,
    cache_dir: str | Path | None = None,
) -> list[_Setting]:
    """The settings of :func:`sweep`, each with its job (arguments of
    :func:`sweep_setting`) or its rows read from ``cache_dir``, after every check and with
    the task cached once per pooling."""
    if keep_discoveries and cache_dir is not None:
        raise ValueError("keep_discoveries rows hold Discovery objects, which cache_dir does "
                         "not keep; give one or the other")
    if task.ground_truth is None:
        raise ValueError(f"task {task.name!r} has no ground truth; a sweep scores against it")
    base_config = base_config or SAEConfig()
    grid = _check_grid(grid)
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("give at least one seed")
    count_values = grid.pop(COUNT_KEY, (n_count,))
    settings = [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())]
    configs = [dataclasses.replace(base_config, **s) for s in settings]
    counts_train = _counts_train_examples(configs)
    if count_from is None:
        count_from = 0 if counts_train else max(c.n_train for c in configs)
    cache_poolings(task, dict.fromkeys(c.pooling for c in configs), base_config, caches)
    shared_task = Shared(task)
    shared_acts = {pooling: Shared(acts) for pooling, acts in caches.items()}
    acts_hash: dict[str, str] = {}
    plan = []
    for setting, cfg in zip(settings, configs, strict=True):
        acts = caches[cfg.pooling]
        first_counted = _check_window(task, cfg, acts, count_from, count_values)
        path = None
        if cache_dir is not None:
            if cfg.pooling not in acts_hash:
                acts_hash[cfg.pooling] = activations_hash(acts)
            key = setting_key(task, acts_hash[cfg.pooling], setting, cfg, seeds, count_from,
                              count_values)
            path = Path(cache_dir) / f"{task.name}.sweep.{key}.json"
        job = (shared_task, setting, cfg, shared_acts[cfg.pooling], seeds, count_from,
               first_counted, count_values, keep_discoveries, path)
        rows = _read_cached_rows(path) if path is not None and path.exists() else None
        plan.append(_Setting(f"{task.name} {setting}", job, rows))
    return plan


@dataclasses.dataclass(frozen=True)
class _Setting:
    """One setting of a sweep: a label, the job that computes its rows, and its rows when
    a cache already holds them (None: run the job)."""

    label: str
    job: tuple
    rows: list[dict[str, object]] | None


def _run_plan(plan: Sequence[_Setting], engine: Engine | None, desc: str,
              progress: bool) -> pd.DataFrame:
    """Run the settings not cached (one job each), then every row in the plan's order."""
    todo = [s for s in plan if s.rows is None]
    computed = run_jobs(sweep_setting, [s.job for s in todo], engine,
                        labels=[s.label for s in todo], desc=desc, progress=progress)
    found = iter(computed)
    per_setting = [s.rows if s.rows is not None else next(found) for s in plan]
    return pd.DataFrame([row for rows in per_setting for row in rows])


def activations_hash(acts: HeadActivations) -> str:
    """SHA-256 of a task's pooled head outputs (both sets, bytes and shapes): they hold
    the model's weights and the prompts as far as a sweep can see them."""
    digest = hashlib.sha256()
    for x in (acts.positive, acts.negative):
        x = x.detach().cpu().contiguous()
        digest.update(repr((tuple(x.shape), str(x.dtype))).encode())
        digest.update(x.numpy().tobytes())
    digest.update(repr((acts.rows_per_prompt_pos, acts.rows_per_prompt_neg)).encode())
    return digest.hexdigest()


def setting_key(
    task: Task,
    acts_hash: str,
    setting: Mapping[str, object],
    cfg: SAEConfig,
    seeds: Sequence[int],
    count_from: int,
    count_values: Sequence[int | None],
) -> str:
    """What one setting's rows depend on, hashed: the task's name, label, source and
    truth, its activations (:func:`activations_hash`), the setting, the full SAEConfig,
    seeds, the counted windows and the package version. Code changes within a version
    are not seen: empty the folder after editing the method."""
    truth = sorted(str(h) for h in task.ground_truth.heads)
    text = json.dumps(
        {"task": task.name, "label": task.label, "source": task.model_source, "truth": truth,
         "acts": acts_hash, "setting": {k: repr(v) for k, v in setting.items()},
         "config": repr(cfg), "seeds": [int(x) for x in seeds], "count_from": count_from,
         "counts": [None if k is None else int(k) for k in count_values],
         "version": __version__},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_ROW_FLOATS = (*METRICS, "seconds")


def _read_cached_rows(path: Path) -> list[dict[str, object]]:
    return [restore_nan(row, _ROW_FLOATS) for row in read_json(path)["rows"]]


def sweep_setting(
    task: Task,
    setting: Mapping[str, object],
    cfg: SAEConfig,
    acts: HeadActivations,
    seeds: Sequence[int],
    count_from: int,
    first_counted: int,
    count_values: Sequence[int | None],
    keep_discoveries: bool = False,
    cache_path: str | Path | None = None,
) -> list[dict[str, object]]:
    """The rows of one setting of :func:`sweep` (one job of its engine): the seeds'
    SAEs trained in one batch on ``acts``, each rescored for every counted window;
    written to ``cache_path`` (atomically) when given."""
    found = discover_seeds(task, cfg, seeds=seeds, activations=acts)
    per_prompt = (acts.rows_per_prompt_pos, acts.rows_per_prompt_neg)
    rows = []
    for k in count_values:
        for d in found:
            if k is None and count_from == first_counted:
                d_k = d  # the discovery already counted exactly this window
            else:
                d_k = recount(d, count_from - first_counted, k, per_prompt)
            row = _sweep_row(task, setting, cfg, d_k, count_from, per_prompt[0])
            if keep_discoveries:
                row["discovery"] = d_k
            rows.append(row)
    if cache_path is not None:
        write_json_atomic(cache_path, {"version": __version__, "rows": rows})
    return rows


def _counts_train_examples(configs: Sequence[SAEConfig]) -> bool:
    """Whether the settings count codes on their training prompts too (all must agree)."""
    counts_train = {c.counts_train_examples for c in configs}
    if len(counts_train) > 1:
        raise ValueError(
            "the grid mixes count_train_examples settings; sweep them separately so every "
            "setting counts codes on the same prompts"
        )
    return counts_train.pop()


def _check_window(
    task: Task,
    cfg: SAEConfig,
    acts: HeadActivations,
    count_from: int,
    count_values: Sequence[int | None],
) -> int:
    """The first prompt ``cfg`` counts codes on, after checking that every counted window
    ``[count_from, count_from + k)`` lies outside its training prompts and inside the task."""
    n_pos, n_neg = _n_prompts(acts)
    first_counted = 0 if cfg.counts_train_examples else cfg.n_train
    if count_from < first_counted:
        raise ValueError(
            f"count_from={count_from} lies inside the {cfg.n_train} training prompts; "
            f"count from prompt {first_counted} or later"
        )
    for k in count_values:
        needed = count_from + (k or 1)
        if needed > min(n_pos, n_neg):
            raise ValueError(
                f"counting {k} prompts from prompt {count_from} needs {needed} prompts per "
                f"set; {task.name} has {n_pos} positives and {n_neg} negatives: load it "
                "with more (n_examples=...)"
            )
    return first_counted


def _sweep_row(
    task: Task,
    setting: Mapping[str, object],
    cfg: SAEConfig,
    discovery: Discovery,
    count_from: int,
    rows_per_positive: int,
) -> dict[str, object]:
    """One row of :func:`sweep`'s table: the setting, the seed and its metrics."""
    metrics = evaluate(discovery, task.ground_truth)
    return {
        "task": task.name,
        "label": task.label,
        "model_source": task.model_source,
        **setting,
        "pooling": cfg.pooling,
        "n_train": cfg.n_train,
        COUNT_KEY: discovery.codes_pos.shape[0] // rows_per_positive,
        "count_from": count_from,
        "seed": discovery.seed,
        **{m: metrics[m] for m in METRICS},
        "n_truth": metrics["n_truth"],
        "seconds": discovery.timings["total"] - discovery.timings.get("cache", 0.0),
    }


def sweep_tasks(
    tasks: Sequence[Task],
    grid: Mapping[str, Sequence],
    seeds: Sequence[int] = (0, 1, 2),
    base_config: SAEConfig | None = None,
    *,
    n_count: int | None = None,
    count_from: int | None = None,
    caches: MutableMapping[str, MutableMapping[str, HeadActivations]] | None = None,
    keep_discoveries: bool = False,
    progress: bool = True,
    engine: Engine | None = None,
    cache_dir: str | Path | None = None,
) -> pd.DataFrame:
    """:func:`sweep` over several tasks, one table. ``caches``: task name -> pooling ->
    activations, reused and filled in place. ``engine``: every task's settings are jobs
    of one run (one cluster for the whole table). ``cache_dir``: as in :func:`sweep`."""
    caches = {} if caches is None else caches
    plan = []
    for task in tasks:
        plan += _plan(task, grid, seeds, base_config, n_count, count_from,
                      caches.setdefault(task.name, {}), keep_discoveries, cache_dir)
    return _run_plan(plan, engine, "sweep", progress)


PAPER_TASKS_SKIPPED = (
    "paper tasks (ioi, greater-than, docstring) skipped: no pretrained weights here, and a "
    "random-weight stand-in has no circuit to find"
)


def load_tasks(
    names: Sequence[str], paper_names: Sequence[str] = (), *, n_examples: int,
    contrast: str | None = None,
) -> list[Task]:
    """A sweep's tasks: ``names`` as registered (embedded tasks, exact truth), then
    ``paper_names`` on random-weight stand-ins (labelled as such in every table and
    figure), each with ``n_examples`` prompts per set. ``contrast``: the contrast design
    of every task that offers a choice (``TaskInfo.contrasts``; the others keep their own
    negatives); None: each task's default."""
    from sae_core.tasks import task_info

    def options(name: str) -> dict:
        info = task_info(name)
        offers = contrast is not None and info is not None and contrast in info.contrasts
        return {"contrast": contrast} if offers else {}

    tasks = [load_task(name, n_examples=n_examples, **options(name)) for name in names]
    stand_ins = [
        load_task(name, n_examples=n_examples, model_source="random") for name in paper_names
    ]
    return tasks + stand_ins


def describe_tasks(
    tasks: Sequence[Task], paper_names: Sequence[str] = (), *, fast: bool, per_task: bool = True
) -> str:
    """What a sweep notebook says before it runs: its mode (FAST settings are a smoke test),
    whether the paper tasks were left out, and (``per_task``) each task's heads and truth."""
    mode = "FAST (tiny grid, few steps: numbers are a smoke test)" if fast else "FULL"
    lines = [f"mode: {mode}"]
    if not paper_names:
        lines.append(PAPER_TASKS_SKIPPED)
    if per_task:
        lines += [
            f"{task.label}: {task.n_layers}x{task.n_heads} heads, "
            f"truth {len(task.ground_truth.heads)}"
            for task in tasks
        ]
    return "\n".join(lines)


def summarize(df: pd.DataFrame, by: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean and sd over seeds of each metric and of seconds, per task and setting.

    ``by``: grouping columns (default: task, label, model_source and every setting
    column of the sweep). Columns ``{metric}_mean``, ``{metric}_sd`` (sd with ddof 1,
    0 for one seed; NaN values are skipped) and ``n_seeds``.
    """
    if by is None:
        skip = {*METRICS, "seed", "seconds", "n_truth", "discovery"}
        by = [c for c in df.columns if c not in skip]
    by = list(by)
    values = [*METRICS, "seconds"]
    grouped = df.groupby(by, sort=False, dropna=False)
    out = grouped[values].agg(["mean", "std"])
    out.columns = [f"{m}_{'sd' if s == 'std' else s}" for m, s in out.columns]
    for m in values:
        out[f"{m}_sd"] = out[f"{m}_sd"].fillna(0.0).where(out[f"{m}_mean"].notna())
    out["n_seeds"] = grouped["seed"].nunique()
    return out.reset_index()


# ---------------------------------------------------------------------------------------
# Per-head diagnostics


def head_roles(task: Task) -> np.ndarray:
    """Role of every head, str array [n_layers, n_heads] (values from :data:`ROLES`).

    "truth": in the ground truth. For stacked tracr tasks
    (``task.head_owner[layer][head]``, the owner): "compiled, not truth" (a
    head of another compiled program, or an idle slot of the target), "random
    distractor" (random weights, provably cannot change the output), "empty slot"
    (zero weights). Other tasks: "not truth".
    """
    truth = task.ground_truth.head_labels(task.n_layers, task.n_heads)
    owners = task.head_owner
    roles = np.full((task.n_layers, task.n_heads), ROLE_OTHER, dtype=object)
    for layer in range(task.n_layers):
        for head in range(task.n_heads):
            if truth[layer, head]:
                roles[layer, head] = ROLE_TRUTH
            elif owners is not None:
                who = owners[layer][head]
                # "random-visible": a random head that reads the minimal contrast's
                # private values (models.stacking.VISIBLE_OWNER), still a random distractor
                roles[layer, head] = {
                    "random": ROLE_RANDOM, "random-visible": ROLE_RANDOM, "": ROLE_EMPTY
                }.get(who, ROLE_COMPILED)
    return roles


def _distinct_rows(x_RD: np.ndarray, decimals: int) -> int:
    return int(np.unique(np.round(x_RD, decimals), axis=0).shape[0])


def distinct_outputs(acts: HeadActivations, decimals: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Number of distinct pooled output vectors of each head, int [H] for positives and
    negatives (vectors rounded to ``decimals``; every row of the cache counts)."""
    out = []
    for x_RHD in (acts.positive, acts.negative):
        x = x_RHD.detach().cpu().numpy()
        out.append(np.array([_distinct_rows(x[:, h], decimals) for h in range(x.shape[1])]))
    return out[0], out[1]


def head_code_table(
    task: Task,
    discoveries: Iterable[Discovery],
    activations: Mapping[str, HeadActivations] | HeadActivations | None = None,
) -> pd.DataFrame:
    """Per-head code counts of each discovery: one row per discovery x head.

    Columns: task, label, pooling, seed, head ("layer.head"), layer, head_index, role
    (:func:`head_roles`), owner (tracr program / "random" / "" / None), n_pos_codes and
    n_neg_codes (distinct codes of the head on counted positives / negatives), n_pos_only
    (codes on positives never on negatives: the node score), n_shared (codes on both),
    truth (bool). With ``activations`` (one cache, or pooling -> cache), also
    n_distinct_pos / n_distinct_neg: distinct pooled output vectors of the head over all
    cached rows (rounded to 1e-4), a property of the model and prompts, not of the SAE.
    """
    roles = head_roles(task).ravel()
    owners = task.head_owner
    distinct: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    rows = []
    for d in discoveries:
        pooling = d.sae_config.pooling
        acts = activations.get(pooling) if isinstance(activations, Mapping) else activations
        if acts is not None and pooling not in distinct:
            distinct[pooling] = distinct_outputs(acts)
        n_pos_only = scores.node_scores(d.codes_pos, d.codes_neg)
        for h in range(d.codes_pos.shape[1]):
            pos, neg = set(d.codes_pos[:, h].tolist()), set(d.codes_neg[:, h].tolist())
            head = head_from_index(h, d.n_heads)
            row = {
                "task": task.name,
                "label": task.label,
                "pooling": pooling,
                "seed": d.seed,
                "head": str(head),
                "layer": head.layer,
                "head_index": head.head,
                "role": roles[h],
                "owner": None if owners is None else owners[head.layer][head.head],
                "truth": roles[h] == ROLE_TRUTH,
                "n_pos_codes": len(pos),
                "n_neg_codes": len(neg),
                "n_pos_only": int(n_pos_only[h]),
                "n_shared": len(pos & neg),
            }
            if pooling in distinct:
                row["n_distinct_pos"] = int(distinct[pooling][0][h])
                row["n_distinct_neg"] = int(distinct[pooling][1][h])
            rows.append(row)
    return pd.DataFrame(rows)


def summarize_head_codes(table: pd.DataFrame) -> pd.DataFrame:
    """Mean per-head counts by task, pooling and role (over heads and seeds), with the
    number of heads of each role and the share of heads with no positive-only code."""
    value_cols = [
        c
        for c in ("n_pos_codes", "n_neg_codes", "n_pos_only", "n_shared",
                  "n_distinct_pos", "n_distinct_neg")
        if c in table.columns
    ]
    grouped = table.groupby(["task", "pooling", "role"], sort=False)
    out = grouped[value_cols].mean()
    out["n_heads"] = grouped["head"].nunique()
    out["share_zero_pos_only"] = grouped["n_pos_only"].apply(lambda s: float((s == 0).mean()))
    out = out.reset_index()
    order = {r: i for i, r in enumerate(ROLES)}
    out["_order"] = out["role"].map(order)
    out = out.sort_values(["task", "pooling", "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def role_auc_breakdown(table: pd.DataFrame) -> pd.DataFrame:
    """Node AUC of truth heads against each non-truth role alone, per task, pooling, seed.

    Says which heads pull the AUC down: an AUC below 0.5 against "random distractor"
    means random heads score higher than the truth. NaN where a role is absent.
    """
    from sae_core.metrics import auc

    rows = []
    for (task, pooling, seed), g in table.groupby(["task", "pooling", "seed"], sort=False):
        truth = g[g["role"] == ROLE_TRUTH]["n_pos_only"].to_numpy()
        row = {"task": task, "pooling": pooling, "seed": seed}
        for role in ROLES[1:]:
            other = g[g["role"] == role]["n_pos_only"].to_numpy()
            if len(truth) == 0 or len(other) == 0:
                row[role] = math.nan
                continue
            labels = np.r_[np.ones(len(truth), bool), np.zeros(len(other), bool)]
            row[role] = auc(np.r_[truth, other], labels)
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# The grids of the paper's ablations (full settings of the notebooks and figures)

ABLATION_TASKS = ("induction-toy", "tracr-reverse", "tracr-sort", "tracr-frac_prevs", "tracr-hist")
"""Embedded tasks (exact truth) the ablations run on by default."""

N_EXAMPLES_GRID = (5, 10, 25, 50, 100, 250)
"""Numbers of SAE training / code-counting examples: the paper's range, 5 .. 250."""

N_FEATURES_GRID = (50, 100, 200, 300)
"""SAE dictionary sizes of the hyperparameter contour (paper: 200, 300 in some ablations)."""

L1_GRID = (0.005, 0.01, 0.02, 0.05, 0.1)
"""Sparsity weights of the hyperparameter contour (paper: 0.02 and 0.05)."""
