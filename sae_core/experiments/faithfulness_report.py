"""Faithfulness of found circuits as tables: the paper's IOI table and induction across models.

:func:`faithfulness_table` lays :class:`~sae_core.faithfulness.FaithfulnessResult` s out as
the paper's IOI table (clean model, ground-truth circuit, SAE circuit, random circuits of
the SAE circuit's size; logit difference with every other head mean-ablated), the paper's
numbers beside ours. :func:`circuit_faithfulness` measures the circuits of several SAE
seeds on one task; :func:`faithfulness_across_tasks` does so per task (the paper's
induction across gpt2-small / pythia-160m / opt-125m, plus the induction toy whose truth
is exact). Every row says whether its model is a random-weight stand-in.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sae_core.analysis.code_interpretability import top_heads
from sae_core.config import SAEConfig
from sae_core.discover import discover_seeds
from sae_core.faithfulness import FaithfulnessResult, faithfulness
from sae_core.paper.numbers import IOI_FAITHFULNESS
from sae_core.types import Discovery, HeadId, Task, describe_model, label_source

PAPER_SAE_FRACTION = 40 / 144
"""The paper's IOI SAE circuit: 40 of GPT-2 small's 144 heads."""

CONDITIONS = ("clean", "truth", "sae circuit", "random")
"""Rows of the faithfulness table, in order; the paper's keys start with these words."""


def select_circuit(discovery: Discovery, size: int | float | None = None) -> list[HeadId]:
    """The heads a discovery calls its circuit.

    ``size=None``: the paper's rule (softmax node score above the uniform level,
    ``Discovery.circuit(rule="paper")``, the heads ``evaluate`` scores). An int: the
    ``size`` top heads by node score. A float in (0, 1]: that fraction of the model's
    heads, rounded, at least one (e.g. :data:`PAPER_SAE_FRACTION`, the paper's 40 of 144).
    """
    if size is None:
        return discovery.circuit(rule="paper")
    n_total = discovery.n_layers * discovery.n_heads
    if isinstance(size, float):
        if not 0 < size <= 1:
            raise ValueError(f"size={size}: a fraction must lie in (0, 1]")
        size = max(1, round(size * n_total))
    return top_heads(discovery, int(size))


def circuit_faithfulness(
    task: Task,
    discoveries: Sequence[Discovery],
    *,
    size: int | float | None = None,
    n_random: int = 10,
    seed: int = 0,
) -> list[FaithfulnessResult]:
    """Faithfulness of each discovery's circuit (see :func:`select_circuit`) on ``task``.

    Random circuits use seed ``seed + k`` for the k-th discovery, so seeds differ.
    """
    return [
        faithfulness(task, select_circuit(d, size), n_random=n_random, seed=seed + k)
        for k, d in enumerate(discoveries)
    ]


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    vals = np.asarray(values, dtype=np.float64)
    if vals.size == 0:
        return math.nan, math.nan
    return float(vals.mean()), float(vals.std(ddof=1)) if vals.size > 1 else 0.0


def _paper_rows(paper: Mapping[str, float]) -> dict[str, tuple[float, int | None]]:
    """Paper entries by condition: "truth (26 heads)" -> ("truth", (4.11, 26))."""
    out = {}
    for key, value in paper.items():
        condition = next((c for c in CONDITIONS if key.startswith(c)), None)
        if condition is None:
            raise ValueError(f"paper entry {key!r} starts with none of {CONDITIONS}")
        n_heads = None
        if "(" in key:
            n_heads = int(key.split("(")[1].split()[0])
        out[condition] = (float(value), n_heads)
    return out


def faithfulness_table(
    results: FaithfulnessResult | Sequence[FaithfulnessResult],
    paper: Mapping[str, float] | None = None,
    *,
    truth_size: int | None = None,
) -> pd.DataFrame:
    """The paper's faithfulness table for one task, ours beside the paper's numbers.

    ``results``: one result, or one per SAE seed on the same task (the SAE circuit row is
    then mean +- sd over seeds, the random row pools every seed's random circuits).
    ``paper``: the paper's numbers (e.g. ``sae_core.paper.numbers.IOI_FAITHFULNESS``) or None.
    ``truth_size``: heads in the ground truth, shown in the truth row (results omit it).
    Rows: clean, truth, sae circuit, random. Columns: ``condition``, ``n_heads``,
    ``logit_diff`` (mean), ``sd`` (over seeds, or over random circuits), ``n`` (values
    averaged), ``paper_logit_diff``, ``paper_n_heads``, ``task`` (labelled when the model
    is a random-weight stand-in), ``model_source``.
    """
    results = [results] if isinstance(results, FaithfulnessResult) else list(results)
    if not results:
        raise ValueError("give at least one FaithfulnessResult")
    first = results[0]
    if any(r.task_name != first.task_name for r in results):
        raise ValueError("results come from different tasks; make one table per task")
    clean = _mean_sd([r.clean for r in results])
    circuit = _mean_sd([r.circuit for r in results])
    randoms = [v for r in results for v in r.random_values]
    random = _mean_sd(randoms)
    truth_values = [r.truth for r in results if r.truth is not None]
    truth = _mean_sd(truth_values)
    sizes = sorted({r.n_heads for r in results})
    n_heads = sizes[0] if len(sizes) == 1 else float(np.mean([r.n_heads for r in results]))
    rows = [
        ("clean", None, clean, len(results)),
        ("truth", truth_size, truth, len(truth_values)),
        ("sae circuit", n_heads, circuit, len(results)),
        ("random", n_heads, random, len(randoms)),
    ]
    paper_rows = _paper_rows(paper) if paper is not None else {}
    label = label_source(first.task_name, first.model_source)
    return pd.DataFrame(
        [
            {
                "condition": condition,
                "n_heads": heads,
                "logit_diff": mean_sd[0],
                "sd": mean_sd[1],
                "n": n,
                "paper_logit_diff": paper_rows.get(condition, (math.nan, None))[0],
                "paper_n_heads": paper_rows.get(condition, (math.nan, None))[1],
                "task": label,
                "model_source": first.model_source,
            }
            for condition, heads, mean_sd, n in rows
        ]
    )


def ioi_paper_table(
    results: FaithfulnessResult | Sequence[FaithfulnessResult], truth_size: int | None = 26
) -> pd.DataFrame:
    """:func:`faithfulness_table` with the paper's IOI numbers beside ours (truth: 26 heads)."""
    return faithfulness_table(results, paper=IOI_FAITHFULNESS, truth_size=truth_size)


def faithfulness_across_tasks(
    task_names: Sequence[str],
    *,
    config: SAEConfig | None = None,
    seeds: Sequence[int] = (0,),
    size: int | float | None = PAPER_SAE_FRACTION,
    n_random: int = 10,
    task_options: Mapping[str, Mapping] | None = None,
) -> pd.DataFrame:
    """Discover each task's circuit with every seed and measure its faithfulness.

    ``task_options``: per task name, keyword options for ``load_task`` (e.g.
    ``{"induction-gpt2": {"model_source": "random", "n_examples": 250}}``). ``size``: see
    :func:`select_circuit` (default: the paper's 40/144 of the heads).
    One row per task: ``task`` (labelled for stand-ins), ``model_source``, ``n_heads_total``,
    ``circuit_size``, ``clean``, ``circuit`` / ``circuit_sd`` (over seeds), ``random`` /
    ``random_sd`` (over every seed's random circuits), ``truth`` (NaN without a truth),
    ``circuit_minus_random`` and ``z`` ((circuit - random) / random_sd), ``heads`` (seed 0's
    circuit), ``seconds`` (build + discover + faithfulness), ``provenance`` (the task's
    :class:`~sae_core.types.ModelProvenance`, None unless pretrained).
    """
    from sae_core.tasks.catalog import load_task

    config = config or SAEConfig()
    rows = []
    for name in task_names:
        start = time.perf_counter()
        task = load_task(name, **dict((task_options or {}).get(name, {})))
        found = discover_seeds(task, config, seeds=seeds)
        results = circuit_faithfulness(task, found, size=size, n_random=n_random)
        truth_size = None if task.ground_truth is None else len(task.ground_truth.heads)
        table = faithfulness_table(results, truth_size=truth_size).set_index("condition")
        circuit, random = table.loc["sae circuit"], table.loc["random"]
        diff = circuit.logit_diff - random.logit_diff
        rows.append(
            {
                "task": task.label,
                "model_source": task.model_source,
                "n_heads_total": task.n_heads_total,
                "circuit_size": circuit.n_heads,
                "clean": table.loc["clean"].logit_diff,
                "circuit": circuit.logit_diff,
                "circuit_sd": circuit.sd,
                "random": random.logit_diff,
                "random_sd": random.sd,
                "truth": table.loc["truth"].logit_diff,
                "circuit_minus_random": diff,
                "z": diff / random.sd if random.sd and random.sd > 0 else math.nan,
                "heads": " ".join(str(h) for h in select_circuit(found[0], size)),
                "seconds": time.perf_counter() - start,
                "provenance": task.provenance,
            }
        )
    return pd.DataFrame(rows)


INDUCTION_MODELS = ("gpt2", "pythia-160m", "opt-125m")
"""The paper's induction models (tasks ``induction-{model}``)."""

INDUCTION_TOY = "induction-toy"


def induction_across_models(
    models: Sequence[str] = INDUCTION_MODELS,
    *,
    model_source: str = "random",
    include_toy: bool = True,
    n_examples: int = 250,
    half_len: int = 20,
    config: SAEConfig | None = None,
    seeds: Sequence[int] = (0,),
    size: int | float | None = PAPER_SAE_FRACTION,
    n_random: int = 10,
    device: str = "cpu",
) -> pd.DataFrame:
    """The paper's induction experiment: :func:`faithfulness_across_tasks` over
    ``induction-{model}`` for ``models`` (default: gpt2, pythia-160m, opt-125m; with
    ``model_source`` "pretrained", or "random": random-weight stand-ins, labelled) and,
    with ``include_toy``, the trained induction toy (exact truth, its own prompt length)
    as the real reference.
    ``half_len``: length of the repeated sequence in the paper models' prompts.
    """
    unknown = sorted(set(models) - set(INDUCTION_MODELS))
    if unknown:
        raise ValueError(f"unknown induction models {unknown}; choose from {INDUCTION_MODELS}")
    names = [f"induction-{m}" for m in models]
    options: dict[str, dict] = {
        name: {"model_source": model_source, "n_examples": n_examples,
               "half_len": half_len, "device": device}
        for name in names
    }
    if include_toy:
        names.append(INDUCTION_TOY)
        options[INDUCTION_TOY] = {"n_examples": n_examples}
    return faithfulness_across_tasks(
        names, config=config, seeds=seeds, size=size, n_random=n_random, task_options=options
    )


def models_summary(table: pd.DataFrame) -> str:
    """One line per row of :func:`faithfulness_across_tasks`: the task and what its model is
    (checkpoint repo, commit, weight SHA-256 and tokenizer, or its source)."""
    rows = zip(table["task"], table["model_source"], table["provenance"], strict=True)
    return "\n".join(f"{task}: {describe_model(source, prov)}" for task, source, prov in rows)


def faithfulness_by_size(
    task: Task,
    discoveries: Sequence[Discovery],
    sizes: Sequence[int],
    *,
    n_random: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """Faithfulness of each discovery's top-``k`` heads for every ``k`` in ``sizes``.

    One row per (size, discovery): ``size``, ``seed`` (the SAE's), ``circuit``, ``random``
    (mean over ``n_random`` random circuits of that size), ``random_sd``, ``clean``,
    ``truth`` (NaN without a truth), ``heads``, ``task`` (labelled for stand-ins),
    ``model_source``.
    """
    rows = []
    for size in sizes:
        for k, discovery in enumerate(discoveries):
            heads = select_circuit(discovery, int(size))
            result = faithfulness(task, heads, n_random=n_random, seed=seed + k)
            rows.append(
                {
                    "size": int(size),
                    "seed": discovery.seed,
                    "circuit": result.circuit,
                    "random": result.random_mean,
                    "random_sd": result.random_sd,
                    "clean": result.clean,
                    "truth": math.nan if result.truth is None else result.truth,
                    "heads": " ".join(str(h) for h in heads),
                    "task": task.label,
                    "model_source": task.model_source,
                }
            )
    return pd.DataFrame(rows)
