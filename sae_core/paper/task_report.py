"""The report on one of the paper's three tasks (IOI, greater-than, docstring), written once.

notebooks/ioi.py, greater_than.py and docstring.py, and the paper-task figures of
``sae-core figures`` (:mod:`sae_core.figure_builders.paper_tasks`), all go through here:
load the task, run its seeds (:func:`sae_core.discover_seeds`), then summarise them as
text and as tables beside the paper's numbers (:mod:`sae_core.paper.tables`). The
figures of the same report are in :mod:`sae_core.plots.paper_tasks`.

Every function finds the task's truth variants in
:data:`sae_core.tasks.ground_truth.TRUTHS` by the task's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import pandas as pd

from sae_core.config import SAEConfig
from sae_core.paper.numbers import HEADLINE_AUC, PAPER
from sae_core.paper.tables import auc_vs_paper, seed_metrics
from sae_core.tasks import load_task
from sae_core.tasks.ground_truth import TRUTHS
from sae_core.types import Discovery, GroundTruth, Task, describe_model

EDGE_TRUTH_VARIANT = MappingProxyType(
    {"ioi": "paper", "greater-than": "paper", "docstring": "acdc"}
)
"""Truth variant drawn on edge plots: the paper's where it has edges, else ACDC's."""

NODE_TRUTH_VARIANT = "paper"
"""Truth variant drawn on node plots: the one the paper's numbers were measured against."""


def paper_truths(task_name: str) -> dict[str, GroundTruth]:
    """The truth variants of a paper task, ``{variant: GroundTruth}``."""
    if task_name not in EDGE_TRUTH_VARIANT:
        raise KeyError(
            f"{task_name!r} is not one of the paper's tasks {tuple(EDGE_TRUTH_VARIANT)}; "
            "for other tasks call sae_core.paper.tables and sae_core.plots directly"
        )
    return dict(TRUTHS[task_name])


def edge_truth(task_name: str) -> GroundTruth:
    """The truth drawn on a paper task's edge plots (see :data:`EDGE_TRUTH_VARIANT`)."""
    return paper_truths(task_name)[EDGE_TRUTH_VARIANT[task_name]]


def load_paper_task(
    task_name: str, *, model_source: str, n_examples: int, device: str = "cpu"
) -> Task:
    """A paper task with ``n_examples`` positive prompts (and as many negatives), seed 0."""
    paper_truths(task_name)
    return load_task(task_name, model_source=model_source, n_examples=n_examples, seed=0,
                     device=device)


def settings_summary(
    task_name: str, config: SAEConfig, fast: bool, n_examples: int | None = None,
    n_seeds: int | None = None,
) -> str:
    """Which settings run (fast or full, the SAEConfig) and the paper's AUC; with ``fast``
    and the run's ``n_examples`` and ``n_seeds``, first a line saying the sizes are not
    the paper's."""
    settings = "fast settings" if fast else "full settings"
    lines = [f"{settings} {config}", f"{PAPER} - {task_name} {dict(HEADLINE_AUC[task_name])}"]
    if fast and n_examples is not None and n_seeds is not None:
        lines.insert(0, fast_notice(n_examples, n_seeds, config.steps))
    return "\n".join(lines)


def fast_notice(n_examples: int, n_seeds: int, steps: int) -> str:
    """The line a notebook run with ``SAE_CORE_FAST=1`` prints first: its sizes, and that
    they are not the paper's."""
    seeds = f"{n_seeds} seed" + ("" if n_seeds == 1 else "s")
    return (f"FAST settings (SAE_CORE_FAST=1): {n_examples} + {n_examples} prompts, "
            f"{seeds}, {steps} SAE steps - not the paper's sizes")


def model_summary(task: Task) -> str:
    """One line saying what the model is: for a recorded checkpoint its repo, commit,
    weight SHA-256 and tokenizer, else its source as tables name it (e.g. "random-weight
    stand-in"); :func:`sae_core.types.describe_model`."""
    return f"model: {describe_model(task.model_source, task.provenance)}"


def task_summary(task: Task) -> str:
    """The task in a few lines: label, the model (:func:`model_summary`), prompt shapes,
    one prompt of each set, its truths."""
    lines = [
        f"{task.label} - {task.description}",
        model_summary(task),
        f"positives {tuple(task.positive.shape)} negatives {tuple(task.negative.shape)}",
        f"positive: {task.positive_texts[0]}",
        f"negative: {task.negative_texts[0]}",
    ]
    for variant, truth in paper_truths(task.name).items():
        n_edges = "no" if truth.edges is None else len(truth.edges)
        lines.append(f"truth {variant!r}: {len(truth.heads)} heads, {n_edges} edges - "
                     f"{truth.source}")
    return "\n".join(lines)


def seeds_summary(task: Task, discoveries: Sequence[Discovery]) -> str:
    """The first seed's run in three lines: the task's label, seconds per stage, its heads."""
    _task_name(discoveries)
    first = discoveries[0]
    timings = {k: round(v, 2) for k, v in first.timings.items()}
    return "\n".join([
        task.label,
        f"seconds per seed (seed {first.seed}): {timings}",
        f"selected heads, seed {first.seed}: "
        f"{' '.join(str(h) for h in first.circuit(rule='paper'))}",
    ])


def headline_table(discoveries: Sequence[Discovery]) -> pd.DataFrame:
    """Our node and edge ROC AUC (mean, sd over seeds) beside the paper's, per truth variant.

    :func:`sae_core.paper.tables.auc_vs_paper` against every truth variant of the task;
    ``attrs["title"]`` and ``attrs["edge_head_score"]`` say what the table shows.
    """
    task_name = _task_name(discoveries)
    return auc_vs_paper(task_name, discoveries, paper_truths(task_name))


def table_caption(table: pd.DataFrame) -> str:
    """The caption of a :func:`headline_table`: its title and the edge-to-head rule."""
    return f"{table.attrs['title']}\nhead score from edges: {table.attrs['edge_head_score']}"


def seed_table(discoveries: Sequence[Discovery]) -> pd.DataFrame:
    """Every seed x truth variant, every metric (:func:`sae_core.paper.tables.seed_metrics`)."""
    return seed_metrics(discoveries, paper_truths(_task_name(discoveries)))


def _task_name(discoveries: Sequence[Discovery]) -> str:
    names = {d.task_name for d in discoveries}
    if not names:
        raise ValueError("give at least one Discovery (one per seed)")
    if len(names) > 1:
        raise ValueError(f"give the seeds of one task, got tasks {sorted(names)}")
    return names.pop()

