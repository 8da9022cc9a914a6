"""When does the SAE method find the circuit? The visibility curve (issue 14).

The SAE method scores a head by the codes it takes only on positive prompts. That
assumes heads OUTSIDE the circuit behave the same on a positive and its negative. On
``tracr-scalable`` with ``contrast="minimal"`` (one compiled program, sort_freq, among
141 random distractor heads in a 12 x 12 grid) a positive and its negative are
bit-identical for every distractor head, except a random fraction ``visible_fraction``
of them made "visible": they read what changed, with strength ``visibility_strength``
in [0, 1] (1 = the task's default). :func:`run_visibility` sweeps that fraction (and,
at one fraction, the strength) and scores every method against the compiled truth:

* for each setting and each seed k, the task is built with ``model_seed = seed = k``
  (so each seed is a different random set of visible heads and different prompts) and
  the SAE trains with seed k;
* methods: the SAE method with the paper's settings (:mod:`sae_core.paper.settings`),
  EAP, HISP, and ACDC in the cut configuration of the large-task comparison
  (:data:`sae_core.experiments.compare.LARGE_TASK_ACDC`: one tau over per-head inputs on
  16 prompts). ACDC is deterministic given the model and costs minutes per run, so it
  runs on ``acdc_seeds`` only (default: seed 0, one model per setting);
* the SAE method also with every pooling (``SAEConfig.pooling``: mean, last,
  positions) at each fraction;
* metrics from :func:`sae_core.metrics.evaluate`: ``node_auc`` (node scores vs head
  truth), ``edge_auc`` (edge scores vs edge truth; NaN for HISP, which scores heads
  only) and, for the SAE, ``edge_node_auc``.

Every finished row can be kept as JSON in ``rows_dir`` (atomically, keyed by what it
depends on), so an interrupted sweep resumes where it stopped. The cheap methods run
first over every setting, ACDC last. :class:`VisibilityResult` holds the rows, the
settings and the machine, and round-trips through JSON (:meth:`VisibilityResult.write`,
:meth:`VisibilityResult.read`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from sae_core.config import POOLINGS, SAEConfig
from sae_core.device import describe_device
from sae_core.experiments.compare import LARGE_TASK_ACDC
from sae_core.methods import method_spec
from sae_core.methods.config import ACDCConfig, SAEMethodConfig
from sae_core.metrics import evaluate
from sae_core.paper.settings import DEFAULT_SEEDS, paper_settings
from sae_core.records import read_json, restore_nan, write_json_atomic
from sae_core.tasks import load_task
from sae_core.types import Task
from sae_core.version import __version__

TASK_NAME = "tracr-scalable"
REGIME = "minimal"
"""The contrast of every task of the sweep (:data:`sae_core.types.CONTRASTS`): minimal
pairs, the regime the SAE method assumes."""

VISIBLE_FRACTIONS = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0)
"""Fractions of the random distractor heads that see the contrast."""
STRENGTHS = (0.0, 0.25, 0.5, 1.0)
"""Visibility strengths of the strength sweep (1 = the task's default)."""
STRENGTH_FRACTION = 1.0
"""The visible fraction at which the strength is swept (every distractor can see the
contrast; strength 0 and 1 are then the two ends of the fraction curve)."""
DEFAULT_STRENGTH = 1.0
METHODS = ("sae", "eap", "hisp", "acdc")
"""Methods of the sweep: ours and the baselines of the large-task comparison."""
SLOW_METHODS = frozenset({"acdc"})
"""Methods run on ``VisibilitySettings.slow_seeds`` only (deterministic given the model)."""
METRICS = ("node_auc", "edge_auc", "edge_node_auc")
"""Metrics of every row (see :func:`sae_core.metrics.evaluate`); edge_node_auc: SAE only."""
KIND = "contrast_visibility"


def _default_configs() -> dict[str, Any]:
    return {"acdc": ACDCConfig(**LARGE_TASK_ACDC)}


@dataclass(frozen=True)
class VisibilitySettings:
    """What :func:`run_visibility` sweeps.

    fractions: visible fractions of the fraction curve (strength 1).
    strengths: visibility strengths swept at ``strength_fraction`` (() = no strength sweep).
    seeds: seed k builds the task with ``model_seed = seed = k`` and seeds the SAE.
    methods: registered method names. poolings: SAE poolings run at each fraction (the
        first is the SAE's line in the method curves; the paper's is "mean").
    slow_seeds: the seeds the methods in :data:`SLOW_METHODS` (ACDC) run on.
    n_examples: positive prompts (and as many negatives) per task.
    sae: the SAE's settings (None: the paper's settings for ``tracr-scalable``); its
        pooling is replaced by each of ``poolings``.
    configs: method name -> config for the baselines (default: ACDC in the cut
        configuration :data:`sae_core.experiments.compare.LARGE_TASK_ACDC`; the others
        their defaults).
    task_options: further options of the task builder (e.g. ``n_layers``/``n_heads`` for
        a small test grid).
    """

    fractions: tuple[float, ...] = VISIBLE_FRACTIONS
    strengths: tuple[float, ...] = STRENGTHS
    strength_fraction: float = STRENGTH_FRACTION
    seeds: tuple[int, ...] = DEFAULT_SEEDS
    methods: tuple[str, ...] = METHODS
    poolings: tuple[str, ...] = POOLINGS
    slow_seeds: tuple[int, ...] = (0,)
    n_examples: int = 250
    sae: SAEConfig | None = None
    configs: Mapping[str, Any] = field(default_factory=_default_configs)
    task_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("fractions", "strengths", "seeds", "methods", "poolings", "slow_seeds"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("fractions", "strengths"):
            bad = [v for v in getattr(self, name) if not 0.0 <= float(v) <= 1.0]
            if bad:
                raise ValueError(f"{name} {bad} lie outside [0, 1]; give values in [0, 1]")
        if not 0.0 <= self.strength_fraction <= 1.0:
            raise ValueError(f"strength_fraction={self.strength_fraction}; give one in [0, 1]")
        if not self.fractions:
            raise ValueError("fractions is empty; give at least one visible fraction")
        if not self.seeds or not self.methods or not self.poolings:
            raise ValueError("give at least one seed, one method and one pooling")
        if any(s < 0 for s in self.seeds):
            raise ValueError(f"seeds={self.seeds}; use non-negative seeds")
        unknown = [p for p in self.poolings if p not in POOLINGS]
        if unknown:
            raise ValueError(f"poolings {unknown}; use some of {POOLINGS}")
        missing = sorted(set(self.slow_seeds) - set(self.seeds))
        if missing:
            raise ValueError(f"slow_seeds {missing} are not among seeds {self.seeds}")
        if self.n_examples <= self.sae_config().n_train:
            raise ValueError(
                f"n_examples={self.n_examples} leaves no prompt to count codes on after "
                f"{self.sae_config().n_train} training prompts; give more examples"
            )
        clash = {"contrast", "visible_fraction", "visibility_strength", "seed", "model_seed",
                 "n_examples"} & set(self.task_options)
        if clash:
            raise ValueError(
                f"task_options sets {sorted(clash)}, which the sweep sets itself; use the "
                "settings' own fields (fractions, strengths, seeds, n_examples)"
            )

    def sae_config(self, pooling: str | None = None) -> SAEConfig:
        """The SAE's settings (the paper's for ``tracr-scalable`` unless given), with
        ``pooling`` when given."""
        base = self.sae if self.sae is not None else paper_settings(TASK_NAME).sae
        return base if pooling is None else dataclasses.replace(base, pooling=pooling)

    def points(self) -> list[tuple[float, float]]:
        """Every (visible fraction, strength) the sweep builds, each once: the fraction
        curve at strength 1, then the strength curve at ``strength_fraction``."""
        pts = [(float(f), DEFAULT_STRENGTH) for f in self.fractions]
        pts += [(float(self.strength_fraction), float(s)) for s in self.strengths]
        return list(dict.fromkeys(pts))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record of the settings (method configs by their own records)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["sae"] = dataclasses.asdict(self.sae_config())
        out["configs"] = {m: _config_record(c) for m, c in self.configs.items()}
        out["task_options"] = dict(self.task_options)
        out["task"] = TASK_NAME
        out["regime"] = REGIME
        return out


def _config_record(config: Any) -> Any:
    if hasattr(config, "to_dict"):
        return config.to_dict()
    if dataclasses.is_dataclass(config):
        return dataclasses.asdict(config)
    return repr(config)


def fast_settings(seeds: Sequence[int] = (0, 1), device: str = "auto") -> VisibilitySettings:
    """A tiny sweep for tests and ``--fast`` figures (seconds to a minute): a 6 x 4 grid,
    fractions 0 and 1, strengths 0 and 1, SAE (mean and last pooling) and HISP, 40 prompts,
    50 features, 30 steps. Its numbers are a smoke test, not the curve."""
    return VisibilitySettings(
        fractions=(0.0, 1.0), strengths=(0.0, 1.0), strength_fraction=1.0,
        seeds=tuple(seeds)[:2], methods=("sae", "hisp"), poolings=("mean", "last"),
        slow_seeds=(), n_examples=40,
        sae=dataclasses.replace(paper_settings(TASK_NAME).sae, steps=30, n_features=50,
                                device=device),
        task_options={"n_layers": 6, "n_heads": 4},
    )


# ---------------------------------------------------------------------------------------
# The task


def task_knobs() -> frozenset[str]:
    """The visibility options ``tracr-scalable``'s builder takes now (of
    ``contrast``, ``visible_fraction``, ``visibility_strength``)."""
    from sae_core.tasks.registry import TASKS

    params = inspect.signature(TASKS.get(TASK_NAME).builder).parameters
    return frozenset({"contrast", "visible_fraction", "visibility_strength"} & set(params))


def task_options(
    settings: VisibilitySettings, fraction: float, strength: float, seed: int
) -> dict[str, Any]:
    """The builder options of one point of the sweep (minimal contrast, ``model_seed`` =
    prompt ``seed``). ``visibility_strength`` is passed only where the builder takes it;
    a strength other than 1 without it is an error naming the fix."""
    knobs = task_knobs()
    if "visible_fraction" not in knobs:
        raise RuntimeError(
            f"{TASK_NAME!r} takes no visible_fraction option in this version of "
            "sae_core.tasks.tracr_tasks; the visibility sweep needs the minimal-contrast "
            "task with visible distractor heads (issue 14)"
        )
    options = {"contrast": REGIME, "visible_fraction": float(fraction), "seed": int(seed),
               "model_seed": int(seed), "n_examples": settings.n_examples,
               **settings.task_options}
    if "visibility_strength" in knobs:
        options["visibility_strength"] = float(strength)
    elif strength != DEFAULT_STRENGTH:
        raise RuntimeError(
            f"{TASK_NAME!r} takes no visibility_strength option in this version; run "
            "without a strength sweep (VisibilitySettings(strengths=()))"
        )
    return options


def n_visible_heads(task: Task) -> int | None:
    """How many distractor heads of ``task`` see the contrast, where the task records it
    (``metadata["visible_heads"]`` or ``metadata["n_visible_heads"]``); else None."""
    meta = task.metadata or {}
    if "n_visible_heads" in meta:
        return int(meta["n_visible_heads"])
    if "visible_heads" in meta:
        return len(meta["visible_heads"])
    return None


# ---------------------------------------------------------------------------------------
# Rows


@dataclass(frozen=True)
class _Job:
    fraction: float
    strength: float
    seed: int
    method: str
    pooling: str  # "" for methods other than the SAE

    def config(self, settings: VisibilitySettings) -> Any:
        if self.method == "sae":
            return SAEMethodConfig(sae=settings.sae_config(self.pooling), seed=self.seed)
        spec = method_spec(self.method)
        config = settings.configs.get(self.method) or spec.config_cls()
        if spec.stochastic and hasattr(config, "seed"):
            config = dataclasses.replace(config, seed=self.seed)
        return config


def _jobs(settings: VisibilitySettings) -> list[_Job]:
    """Every row to compute: the cheap methods over every point and seed first (grouped
    by task), the slow ones (ACDC) last."""
    fast, slow = [], []
    for fraction, strength in settings.points():
        on_curve = strength == DEFAULT_STRENGTH
        for seed in settings.seeds:
            for method in settings.methods:
                if method == "sae":
                    poolings = settings.poolings if on_curve else settings.poolings[:1]
                    fast += [_Job(fraction, strength, seed, method, p) for p in poolings]
                elif method in SLOW_METHODS:
                    if seed in settings.slow_seeds:
                        slow.append(_Job(fraction, strength, seed, method, ""))
                else:
                    fast.append(_Job(fraction, strength, seed, method, ""))
    return fast + slow


def row_key(settings: VisibilitySettings, job: _Job) -> str:
    """What one row depends on, hashed: task options, method, its full config, seed and
    the package version."""
    text = json.dumps(
        {"task": TASK_NAME, "options": task_options(settings, job.fraction, job.strength,
                                                     job.seed),
         "method": job.method, "config": repr(job.config(settings)), "version": __version__},
        sort_keys=True, default=repr,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _row(task: Task, job: _Job, config: Any, wall_s: float, cpu_s: float,
         scores: Any) -> dict[str, Any]:
    metrics = evaluate(scores, task.ground_truth)
    return {
        "task": task.name,
        "regime": REGIME,
        "method": job.method,
        "pooling": job.pooling,
        "visible_fraction": job.fraction,
        "visibility_strength": job.strength,
        "seed": job.seed,
        **{m: float(metrics.get(m, math.nan)) for m in METRICS},
        "n_truth": int(metrics["n_truth"]),
        "n_selected": int(metrics["n_selected"]),
        "n_visible_heads": n_visible_heads(task),
        "n_layers": task.n_layers,
        "n_heads": task.n_heads,
        "seconds": float(scores.seconds),
        "wall_seconds": wall_s,
        "cpu_seconds": cpu_s,
        "config": _config_record(config),
        "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _read_row(path: Path) -> dict[str, Any]:
    return restore_nan(read_json(path)["row"],
                       (*METRICS, "seconds", "wall_seconds", "cpu_seconds"))


# ---------------------------------------------------------------------------------------
# The result


@dataclass(frozen=True, eq=False)
class VisibilityResult:
    """Every row of a visibility sweep, with what made it.

    rows: one per (visible fraction, strength, seed, method, pooling): the metrics of
        :data:`METRICS`, n_truth, n_selected, n_visible_heads (where the task records
        it), seconds (the method's own wall time), wall_seconds / cpu_seconds (of this
        row's run, as measured here), config, measured (date), cached (read back from
        ``rows_dir``).
    settings: :meth:`VisibilitySettings.to_dict`. machine, device: where it ran.
    seconds: wall time of the call that made it (rows read back from ``rows_dir`` cost
        none; ``notes["rows_wall_seconds"]`` sums the rows' own wall times).
    """

    rows: pd.DataFrame
    settings: dict[str, Any]
    machine: str
    device: str
    seconds: float
    regime: str = REGIME
    task: str = TASK_NAME
    version: str = __version__
    date: str = ""
    notes: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Mean and sd (ddof 1; NaN for one seed) over seeds of each metric and of
        seconds, per method, pooling, visible fraction and strength; ``n_seeds``."""
        return summarize(self.rows)

    def fraction_curve(self) -> pd.DataFrame:
        """:meth:`summary` at strength 1, one line per method (the SAE at its first
        pooling), sorted by fraction."""
        s = self.summary()
        s = s[s["visibility_strength"] == DEFAULT_STRENGTH]
        return _main_lines(s, self.settings).sort_values(["method", "visible_fraction"])

    def strength_curve(self) -> pd.DataFrame:
        """:meth:`summary` at the strength sweep's fraction, one line per method."""
        s = self.summary()
        s = s[np.isclose(s["visible_fraction"], self.settings["strength_fraction"])]
        return _main_lines(s, self.settings).sort_values(["method", "visibility_strength"])

    def pooling_curve(self) -> pd.DataFrame:
        """:meth:`summary` of the SAE method at strength 1, one line per pooling."""
        s = self.summary()
        s = s[(s["method"] == "sae") & (s["visibility_strength"] == DEFAULT_STRENGTH)]
        return s.sort_values(["pooling", "visible_fraction"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: rows, the summary the figures draw, settings, machine, timings."""
        return {
            "kind": KIND,
            "version": self.version,
            "date": self.date,
            "task": self.task,
            "regime": self.regime,
            "machine": self.machine,
            "device": self.device,
            "seconds": self.seconds,
            "settings": self.settings,
            "notes": self.notes,
            "summary": self.summary().to_dict(orient="records"),
            "rows": self.rows.to_dict(orient="records"),
        }

    def write(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON, atomically."""
        return write_json_atomic(path, self.to_dict())

    @classmethod
    def read(cls, path: str | Path) -> VisibilityResult:
        """A result written by :meth:`write`."""
        payload = read_json(path)
        if payload.get("kind") != KIND:
            raise ValueError(
                f"{path} is not a visibility sweep (kind={payload.get('kind')!r}); give the "
                f"JSON written by VisibilityResult.write (sae-core figures {KIND})"
            )
        rows = pd.DataFrame(payload["rows"])
        for col in (*METRICS, "seconds", "wall_seconds", "cpu_seconds"):
            if col in rows:
                rows[col] = pd.to_numeric(rows[col], errors="coerce").astype(float)
        return cls(rows=rows, settings=payload["settings"], machine=payload["machine"],
                   device=payload["device"], seconds=float(payload["seconds"]),
                   regime=payload["regime"], task=payload["task"], version=payload["version"],
                   date=payload["date"], notes=payload.get("notes", {}))


def _main_lines(summary: pd.DataFrame, settings: Mapping[str, Any]) -> pd.DataFrame:
    first = settings["poolings"][0]
    keep = (summary["method"] != "sae") | (summary["pooling"] == first)
    return summary[keep]


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean and sd over seeds of :data:`METRICS` and seconds, per (method, pooling,
    visible_fraction, visibility_strength); columns ``{x}_mean``, ``{x}_sd`` (sd NaN for
    a single seed: no spread measured), ``n_seeds`` and ``n_visible_heads_mean``."""
    keys = ["method", "pooling", "visible_fraction", "visibility_strength"]
    values = [*METRICS, "seconds"]
    rows = rows.copy()
    rows["n_visible_heads"] = pd.to_numeric(rows.get("n_visible_heads"), errors="coerce")
    grouped = rows.groupby(keys, sort=False)
    out = grouped[values].agg(["mean", "std"])
    out.columns = [f"{m}_{'sd' if s == 'std' else s}" for m, s in out.columns]
    out["n_seeds"] = grouped["seed"].nunique()
    out["n_visible_heads_mean"] = grouped["n_visible_heads"].mean()
    return out.reset_index()


def machine() -> str:
    """This machine in words: OS, processor, CPU cores and torch threads."""
    return (f"{platform.system()} {platform.machine()}, {platform.processor() or 'cpu'}, "
            f"{torch.get_num_threads()} torch threads, python {platform.python_version()}, "
            f"torch {torch.__version__}")


def run_visibility(
    settings: VisibilitySettings | None = None,
    rows_dir: str | Path | None = None,
    progress: bool = True,
    compute: bool = True,
) -> VisibilityResult:
    """Run the sweep of :class:`VisibilitySettings` (see the module docstring).

    ``rows_dir``: keep each finished row there as JSON (atomically) and read it back
    instead of recomputing, so an interrupted sweep resumes. The key
    (:func:`row_key`) does not see code changes within a version: empty the folder after
    editing a method or the task. ``compute=False``: only read the rows already in
    ``rows_dir`` (a sweep stopped part-way, as far as it got); the rows not there are
    listed in ``notes["missing"]``.
    """
    if not compute and rows_dir is None:
        raise ValueError("compute=False reads finished rows from rows_dir; give rows_dir")
    settings = settings or VisibilitySettings()
    jobs = _jobs(settings)
    for method in settings.methods:
        method_spec(method)  # unknown names fail before any work
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    missing: list[str] = []
    task: Task | None = None
    task_at: tuple[float, float, int] | None = None
    bar = tqdm(jobs, desc="visibility sweep", disable=not progress)
    for job in bar:
        bar.set_postfix_str(f"f={job.fraction:g} s={job.strength:g} seed={job.seed} "
                            f"{job.method} {job.pooling}".strip())
        path = None
        if rows_dir is not None:
            path = Path(rows_dir) / f"{job.method}.{row_key(settings, job)}.json"
            if path.exists():
                rows.append({**_read_row(path), "cached": True})
                continue
        if not compute:
            missing.append(f"{job.method}{'/' + job.pooling if job.pooling else ''} "
                           f"fraction {job.fraction:g} strength {job.strength:g} "
                           f"seed {job.seed}")
            continue
        at = (job.fraction, job.strength, job.seed)
        if task is None or task_at != at:
            task = load_task(TASK_NAME, **task_options(settings, *at))
            task_at = at
        config = job.config(settings)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        scores = method_spec(job.method).run(task, config)
        row = _row(task, job, config, time.perf_counter() - wall0,
                   time.process_time() - cpu0, scores)
        if path is not None:
            write_json_atomic(path, {"version": __version__, "row": row})
        rows.append({**row, "cached": False})
    if not rows:
        raise ValueError(f"no finished rows in {rows_dir}; run with compute=True first")
    notes: dict[str, Any] = {}
    if "acdc" in settings.methods:
        notes["acdc"] = ("cut configuration (sae_core.experiments.compare.LARGE_TASK_ACDC); "
                         f"deterministic given the model, run on seeds {settings.slow_seeds}")
    if missing:
        notes["missing"] = missing
    notes["rows_wall_seconds"] = float(sum(r["wall_seconds"] for r in rows))
    return VisibilityResult(
        rows=pd.DataFrame(rows),
        settings=settings.to_dict(),
        machine=machine(),
        device=describe_device(settings.sae_config().device),
        seconds=time.perf_counter() - started,
        date=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        notes=notes,
    )


def headline(result: VisibilityResult, found: float = 0.9, lost: float = 0.7) -> str:
    """The figure's message, read off the data: the SAE method's node AUC (mean over
    seeds, its first pooling) with no visible distractors and as they become visible.

    Says "finds the circuit while distractors cannot see the contrast" only when the SAE
    reaches ``found`` at fraction 0, and names the first fraction where it falls below
    ``lost``. Where it does not reach ``found`` at fraction 0 it says so, and says
    "below chance" only where the last fraction's AUC is under 0.45.
    """
    curve = result.fraction_curve()
    sae = curve[curve["method"] == "sae"].dropna(subset=["node_auc_mean"])
    sae = sae.sort_values("visible_fraction")
    if sae.empty:
        return "Node and edge AUC vs fraction of distractor heads that see the contrast"
    auc0, f0 = sae.iloc[0]["node_auc_mean"], sae.iloc[0]["visible_fraction"]
    auc_n, f_n = sae.iloc[-1]["node_auc_mean"], sae.iloc[-1]["visible_fraction"]
    below = sae[sae["node_auc_mean"] < lost]
    if f0 == 0 and auc0 >= found:
        if below.empty:
            return ("The SAE method finds the circuit at every fraction of distractor heads "
                    "that see the contrast")
        first = below.iloc[0]["visible_fraction"]
        return ("The SAE method finds the circuit while distractors cannot see the contrast, "
                f"and loses it once {first:.0%} of them can")
    if f0 == 0 and len(sae) > 1 and auc_n < 0.45:
        return (f"The SAE method misses the circuit even when no distractor sees the contrast "
                f"(node AUC {auc0:.2f}), and falls below chance ({auc_n:.2f}) when "
                f"{f_n:.0%} do")
    return (f"The SAE method's node AUC is {auc0:.2f} with {f0:.0%} of distractor heads "
            f"seeing the contrast and {auc_n:.2f} with {f_n:.0%}")


def describe(result: VisibilityResult) -> str:
    """What the sweep ran, in words (the notebook's and the figure's notes)."""
    s = result.settings
    acdc = ""
    if "acdc" in s["methods"]:
        acdc = (f" ACDC: cut configuration (one tau {LARGE_TASK_ACDC['taus']}, per-head "
                f"inputs, {LARGE_TASK_ACDC['n_prompts']} prompts), deterministic given the "
                f"model, on seed(s) {list(s['slow_seeds'])} only.")
    return (
        f"task {result.task}, contrast {result.regime!r} (a positive and its negative are "
        "bit-identical for every distractor head except the visible ones); fractions "
        f"{list(s['fractions'])} at strength 1; strengths {list(s['strengths'])} at "
        f"fraction {s['strength_fraction']}; seeds {list(s['seeds'])} (seed k = model_seed "
        f"k = prompt seed k = SAE seed k); {s['n_examples']} prompts per set; SAE: "
        f"{s['sae']['n_features']} features, l1 {s['sae']['l1']}, {s['sae']['steps']} steps, "
        f"poolings {list(s['poolings'])}.{acdc} Machine: {result.machine}; device "
        f"{result.device}; this call {result.seconds / 60:.1f} min wall, the rows' own runs "
        f"{result.notes.get('rows_wall_seconds', math.nan) / 60:.1f} min wall in all."
        + (f" NOT RUN: {len(result.notes['missing'])} rows (listed in notes.missing)."
           if result.notes.get("missing") else "")
    )


def format_table(result: VisibilityResult, by: str = "visible_fraction",
                 metrics: Sequence[str] = ("node_auc", "edge_auc")) -> pd.DataFrame:
    """The numbers as text, "mean ± sd", one row per ``by`` value, one column per method
    and metric (``by``: "visible_fraction", "visibility_strength" or "pooling")."""
    from sae_core.metrics import format_mean_sd

    if by == "visible_fraction":
        curve, col = result.fraction_curve(), "method"
    elif by == "visibility_strength":
        curve, col = result.strength_curve(), "method"
    elif by == "pooling":
        curve, col, by = result.pooling_curve(), "pooling", "visible_fraction"
    else:
        raise ValueError(f"by={by!r}; use visible_fraction, visibility_strength or pooling")
    out = {}
    for (key, x), g in curve.groupby([col, by], sort=False):
        row = g.iloc[0]
        for m in metrics:
            out.setdefault(x, {})[f"{key} {m.replace('_', ' ')}"] = format_mean_sd(
                row[f"{m}_mean"], row[f"{m}_sd"], pm="±")
    table = pd.DataFrame.from_dict(out, orient="index").sort_index()
    table.index.name = by
    return table
