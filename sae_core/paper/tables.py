"""Our numbers beside the paper's, as tables (pandas DataFrames). Nothing here plots.

:func:`seed_metrics` evaluates each seed's :class:`Discovery` against every truth variant
of a task; :func:`auc_vs_paper` summarises them over seeds (mean, sd) and puts the
paper's headline AUC (:data:`sae_core.paper.numbers.HEADLINE_AUC`) beside ours.

The paper's numbers were measured against the paper's own head truth (variant
``"paper"``), so they appear only on rows of that variant; rows of other variants (ACDC's)
and of edge-level truth (which the paper never scored, FACTS.md "Quirks") have none.
Every row names its model (:func:`sae_core.types.source_label`): ``"random-weight
stand-in"`` rows test the pipeline only; "pretrained" needs a recorded checkpoint.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sae_core.metrics import COUNTS, METRICS, evaluate, mean_sd
from sae_core.paper.numbers import HEADLINE_AUC, PAPER
from sae_core.types import Discovery, GroundTruth, source_label

PAPER_TRUTH_VARIANT = "paper"
"""The truth variant the paper's numbers were measured against."""

AUC_METRICS = {
    "node_auc": ("sae_node", "node scores vs head truth"),
    "edge_node_auc": ("sae_edge", "head score from edges vs head truth (the paper's 'edge ROC')"),
    "edge_auc": (None, "edge scores vs edge truth, cross-layer pairs (not in the paper)"),
}
"""Our AUC metric -> (key in HEADLINE_AUC or None, what it compares)."""

SEED_COLUMNS = (*METRICS, *COUNTS)


def _as_list(discoveries: Discovery | Sequence[Discovery]) -> list[Discovery]:
    found = [discoveries] if isinstance(discoveries, Discovery) else list(discoveries)
    if not found:
        raise ValueError("give at least one Discovery (one per seed)")
    return found


def _as_truths(truths: GroundTruth | Mapping[str, GroundTruth]) -> dict[str, GroundTruth]:
    if isinstance(truths, GroundTruth):
        return {PAPER_TRUTH_VARIANT: truths}
    if not truths:
        raise ValueError("give at least one ground truth (variant name -> GroundTruth)")
    return dict(truths)


def seed_metrics(
    discoveries: Discovery | Sequence[Discovery],
    truths: GroundTruth | Mapping[str, GroundTruth],
    theta: float | None = None,
) -> pd.DataFrame:
    """One row per seed x truth variant: every metric of :func:`sae_core.metrics.evaluate`.

    ``truths``: ``{variant: GroundTruth}`` (e.g. ``TRUTHS["ioi"]``), or one GroundTruth
    (taken as the "paper" variant). ``theta``: head-mask threshold (default 1/H).
    Columns: task, model, truth, seed, then :data:`SEED_COLUMNS`.
    """
    rows = []
    for variant, truth in _as_truths(truths).items():
        for d in _as_list(discoveries):
            metrics = evaluate(d, truth, theta)
            rows.append(
                {"task": d.task_name, "model": source_label(d.model_source, d.provenance),
                 "truth": variant, "seed": d.seed, **{k: metrics[k] for k in SEED_COLUMNS}}
            )
    return pd.DataFrame(rows)


def auc_vs_paper(
    task_name: str,
    discoveries: Discovery | Sequence[Discovery],
    truths: GroundTruth | Mapping[str, GroundTruth],
) -> pd.DataFrame:
    """Our ROC AUC (mean and sd over seeds) beside the paper's, per truth variant and metric.

    ``task_name``: a key of ``HEADLINE_AUC`` ("ioi", "greater-than", "docstring"), or any
    other task (then the paper columns are NaN). ``discoveries``: one per seed.
    ``truths``: ``{variant: GroundTruth}`` or one GroundTruth (the "paper" variant).

    Columns: task, model ("random-weight stand-in" for random weights), truth, metric
    (key of :data:`AUC_METRICS`), compares, ours_mean, ours_sd (ddof 1; NaN for one
    seed), n_seeds, paper_mean, paper_sd (only on rows of the "paper" variant; the
    paper's sd is over its 10 trials). Metrics that are NaN for every seed (edge AUC
    without edge truth) are left out. ``attrs["title"]`` names the task, the model and
    the paper; the edge rule used for ``edge_node_auc`` is in ``attrs["edge_head_score"]``.
    """
    found = _as_list(discoveries)
    per_seed = seed_metrics(found, truths)
    paper = HEADLINE_AUC.get(task_name, {})
    models = sorted(set(per_seed["model"]))
    rows = []
    for variant, group in per_seed.groupby("truth", sort=False):
        for metric, (paper_key, compares) in AUC_METRICS.items():
            values = group[metric].to_numpy(dtype=np.float64)
            if np.isnan(values).all():
                continue
            mean, sd = mean_sd(values)
            paper_mean, paper_sd = math.nan, math.nan
            if variant == PAPER_TRUTH_VARIANT and paper_key in paper:
                paper_mean, paper_sd = paper[paper_key]
            rows.append(
                {"task": task_name, "model": "+".join(models), "truth": variant,
                 "metric": metric, "compares": compares, "ours_mean": mean, "ours_sd": sd,
                 "n_seeds": int((~np.isnan(values)).sum()), "paper_mean": paper_mean,
                 "paper_sd": paper_sd}
            )
    table = pd.DataFrame(rows)
    rule = found[0].sae_config.effective_edge_head_score
    table.attrs["title"] = f"{task_name} ({', '.join(models)}): ROC AUC, ours vs {PAPER}"
    table.attrs["edge_head_score"] = rule
    return table
