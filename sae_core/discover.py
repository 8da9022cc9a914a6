"""The SAE method end to end: task -> cache -> SAE -> codes -> scores.

``discover(task, config, seed)`` runs one seed; ``discover_seeds`` caches once and
trains every seed's SAE in one batched run (same numbers as one by one).
``SAEConfig(discretiser="kmeans")`` swaps the SAE for k-means codes
(:mod:`sae_core.discretisers.kmeans`); everything after the codes is unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch

from sae_core import hooks, scores
from sae_core.config import SAEConfig, check_int
from sae_core.discretisers import kmeans, sae
from sae_core.types import Discovery, Task
from sae_core.version import __version__

EXTRA = {
    "selection": "softmax(node score) > 1/H (Discovery.head_mask, the uniform level)",
    "node_from_edges": "not used: node scores are the SAE's own per-head counts",
}
"""``Discovery.extra``: how the method selects its heads and makes its node scores."""


@dataclass(frozen=True, eq=False)
class HeadActivations:
    """Pooled head outputs of a task: float32 [rows, H, d_model] per set.

    ``rows_per_prompt`` is 1 for "mean"/"last" and T for "positions" (prompt-major rows).
    """

    positive: torch.Tensor
    negative: torch.Tensor
    rows_per_prompt_pos: int
    rows_per_prompt_neg: int
    seconds: float


def cache_task(task: Task, config: SAEConfig, progress: bool = False) -> HeadActivations:
    """Run the model on both prompt sets and pool every head's output."""
    start = time.perf_counter()
    kwargs = dict(pooling=config.pooling, batch_size=config.batch_size, progress=progress)
    pos = hooks.head_outputs(task.model, task.positive, **kwargs)
    neg = hooks.head_outputs(task.model, task.negative, **kwargs)
    per_pos = task.positive.shape[1] if config.pooling == "positions" else 1
    per_neg = task.negative.shape[1] if config.pooling == "positions" else 1
    return HeadActivations(pos, neg, per_pos, per_neg, time.perf_counter() - start)


def _check_prompt_counts(n_pos: int, n_neg: int, config: SAEConfig) -> None:
    """ValueError unless each set has the ``n_train`` prompts the SAE trains on, plus one
    or more to count codes on (unless codes are counted on the training prompts too)."""
    n_train = config.n_train
    if n_pos < n_train or n_neg < n_train:
        raise ValueError(
            f"the SAE trains on {n_train} positive and {n_train} negative prompts, but the task "
            f"has {n_pos} positives and {n_neg} negatives; give at least n_train + 1 = "
            f"{n_train + 1} prompts per set, or lower SAEConfig(n_train=...)"
        )
    if not config.counts_train_examples and (n_pos == n_train or n_neg == n_train):
        raise ValueError(
            f"all {n_pos} positives / {n_neg} negatives train the SAE, leaving none to count "
            f"codes on; give at least n_train + 1 = {n_train + 1} prompts per set, or set "
            "count_train_examples=True (the paper's behaviour)"
        )


def _checked_arguments(
    task: Task, config: SAEConfig | None, seeds: Iterable[int]
) -> tuple[SAEConfig, tuple[int, ...]]:
    """``discover_seeds``' arguments, checked before any model runs: (config, seeds)."""
    if not isinstance(task, Task):
        raise TypeError(
            f"task has type {type(task).__name__}; give a Task: sae_core.Task(name=..., "
            "model=..., positive=..., negative=...) or sae_core.load_task(name)"
        )
    if isinstance(config, Mapping):
        raise TypeError("config is a dict; pass SAEConfig(**your_dict)")
    if config is not None and not isinstance(config, SAEConfig):
        raise TypeError(
            f"config has type {type(config).__name__}; give an SAEConfig, e.g. "
            "SAEConfig(l1=0.02), or None for the defaults"
        )
    config = SAEConfig() if config is None else config
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Iterable):
        raise TypeError(
            f"seeds={seeds!r} has type {type(seeds).__name__}; give a sequence of ints, "
            "e.g. seeds=range(5)"
        )
    seeds = tuple(seeds)
    for seed in seeds:
        check_int("seed", seed, 0)
        if seed < 0:
            raise ValueError(f"seed={seed}; use a non-negative seed, e.g. seed=0")
    if len(seeds) == 0:
        raise ValueError("seeds is empty; give at least one seed, e.g. seeds=(0,)")
    _check_prompt_counts(task.positive.shape[0], task.negative.shape[0], config)
    return config, tuple(int(s) for s in seeds)


def _split_rows(acts: HeadActivations, config: SAEConfig) -> tuple[torch.Tensor, slice, slice]:
    """SAE training rows [R, D] and the row ranges of positives/negatives whose codes count."""
    n_pos = acts.positive.shape[0] // acts.rows_per_prompt_pos
    n_neg = acts.negative.shape[0] // acts.rows_per_prompt_neg
    _check_prompt_counts(n_pos, n_neg, config)
    n_train = config.n_train
    train_pos = acts.positive[: n_train * acts.rows_per_prompt_pos]
    train_neg = acts.negative[: n_train * acts.rows_per_prompt_neg]
    x_RD = torch.cat([train_pos, train_neg], dim=0).flatten(0, 1)  # every head of each = rows
    if config.counts_train_examples:
        return x_RD, slice(0, None), slice(0, None)
    return (
        x_RD,
        slice(n_train * acts.rows_per_prompt_pos, None),
        slice(n_train * acts.rows_per_prompt_neg, None),
    )


def _codes(fitted: sae.SAEParams | kmeans.KMeansResult, acts_RHD: torch.Tensor) -> np.ndarray:
    """Codes [S, R, H] of every head vector: argmax SAE feature, or nearest centroid."""
    n_rows, n_heads, _ = acts_RHD.shape
    code_fn = kmeans.codes if isinstance(fitted, kmeans.KMeansResult) else sae.codes
    codes_SX = code_fn(fitted, acts_RHD.flatten(0, 1))
    return codes_SX.reshape(codes_SX.shape[0], n_rows, n_heads)


def _fit(
    x_RD: torch.Tensor, config: SAEConfig, seeds: tuple[int, ...], progress: bool
) -> tuple[sae.SAEParams | kmeans.KMeansResult, float, np.ndarray, np.ndarray | None]:
    """Fit the configured discretiser: (model, seconds, steps or iterations [S], losses)."""
    if config.discretiser == "kmeans":
        fitted = kmeans.kmeans(
            x_RD, n_clusters=config.n_features, seeds=seeds, device=config.device
        )
        return fitted, fitted.seconds, fitted.n_iters_S, None
    trained = sae.train_saes(
        x_RD,
        n_features=config.n_features,
        l1=config.l1,
        lr=config.lr,
        steps=config.steps,
        seeds=seeds,
        device=config.device,
        progress=progress,
        stop_when_codes_stable=config.stop_when_codes_stable,
        code_check_every=config.code_check_every,
        code_patience=config.code_patience,
    )
    return trained.params, trained.seconds, trained.steps_S, trained.losses_ST


def discover_seeds(
    task: Task,
    config: SAEConfig | None = None,
    seeds: Sequence[int] = (0,),
    *,
    activations: HeadActivations | None = None,
    progress: bool = False,
) -> list[Discovery]:
    """Run the method for several seeds: one cache, one batched SAE run, per-seed scores.

    ``activations`` may be passed in to reuse a cache (it must match ``config.pooling``).
    Each Discovery's ``timings`` give its share of the shared stages (cache, SAE, codes:
    total / n_seeds) and its own scoring time; "total" is their sum. "sae" is the
    discretiser's fit (SAE training, or k-means with ``discretiser="kmeans"``).
    ``timings["sae_steps"]`` is a count, not seconds, and not part of "total": the Adam
    steps this seed's SAE had (fewer than ``config.steps`` after an early stop), or its
    k-means iterations. ``sae_losses`` is None for k-means. ``seconds`` is
    ``timings["total"]``; ``config`` records ``config`` as a dict.
    """
    config, seeds = _checked_arguments(task, config, seeds)
    acts = activations or cache_task(task, config, progress=progress)
    x_RD, pos_rows, neg_rows = _split_rows(acts, config)

    fitted, fit_seconds, steps_S, losses_ST = _fit(x_RD, config, seeds, progress)
    t0 = time.perf_counter()
    codes_pos_SNH = _codes(fitted, acts.positive[pos_rows])
    codes_neg_SMH = _codes(fitted, acts.negative[neg_rows])
    t_codes = (time.perf_counter() - t0) / len(seeds)

    rule = config.effective_edge_head_score
    results = []
    for k, seed in enumerate(seeds):
        scored = scores.score_codes(codes_pos_SNH[k], codes_neg_SMH[k], rule)
        shape = (task.n_layers, task.n_heads)
        timings = {
            "cache": acts.seconds / len(seeds),
            "sae": fit_seconds / len(seeds),
            "codes": t_codes,
            "node_scores": scored.node_seconds,
            "edge_scores": scored.edge_seconds,
        }
        timings["total"] = sum(timings.values())
        timings["sae_steps"] = float(steps_S[k])  # a count, not seconds; not in "total"
        results.append(
            Discovery(
                method="sae",
                **task.result_fields(),
                node_scores=scored.node_H.reshape(shape),
                edge_scores=scored.edge_HH,
                edge_node_scores=scored.edge_node_H.reshape(shape),
                codes_pos=codes_pos_SNH[k],
                codes_neg=codes_neg_SMH[k],
                timings=timings,
                sae_config=config,
                config=asdict(config),
                seed=seed,
                version=__version__,
                extra=dict(EXTRA),
                sae_losses=None if losses_ST is None else losses_ST[k],
                null_calibrator=scores.null_calibrate,
            )
        )
    return results


def discover(task: Task, config: SAEConfig | None = None, seed: int = 0) -> Discovery:
    """Find the heads and head pairs a task uses, with one SAE seed.

    Returns a :class:`Discovery` whose scores say "higher = more likely in the circuit".
    ``config``: an :class:`SAEConfig` (None: the defaults); ``seed``: a non-negative int.
    The task needs ``config.n_train + 1`` prompts per set (11 with the defaults). Every
    argument is checked before any model runs: a TypeError or ValueError names the
    argument and the fix.
    """
    return discover_seeds(task, config, seeds=(seed,))[0]
