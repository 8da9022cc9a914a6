"""Which heads see the contrast, and which of those the codes missed.

The SAE method scores a head by its positive-only codes. A head can fail to score for
two different reasons, and a user needs to know which:

* it is **blind**: its output does not change between positives and negatives (on a
  minimal pair, every head outside the circuit should be; on the tracr tasks with
  ``contrast="minimal"``, the circuit's own heads can be too, when mean pooling averages
  a permutation away);
* it is **unresolved**: its output changes, but the discretiser gives the changed
  outputs the codes of the unchanged ones (one SAE is shared by all heads, so a head
  whose outputs are small beside the others', or change only in scale along one
  direction, keeps one argmax feature);
* or it is **found**: at least one code occurs on positives and never on negatives.

:func:`contrast_response` measures, per head, how much its pooled output moves with the
contrast (paired, prompt i against negative i, when both sets have as many prompts;
and as the shift of the set means) next to the codes the method gave it. On minimal
pairs, a circuit head that responds but is unresolved is a miss of the discretiser, not
of the contrast; a non-circuit head that is found is a sign the negatives are not
minimal for it. :func:`response_summary` counts heads per response and truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from sae_core.config import SAEConfig
from sae_core.discover import HeadActivations, cache_task, discover_seeds
from sae_core.types import Discovery, GroundTruth, HeadId, Task

RESPONSES = ("blind", "unresolved", "found")
"""A head's response to the contrast (module docstring), from none to seen by the codes."""

RELATIVE_TOLERANCE = 1e-4
"""A head responds when its pooled output moves by more than this fraction of its own
mean norm (the float32 rounding left when a tracr head sees a permutation of the same
values is ~1e-7 of it)."""


def response_table(
    activations: HeadActivations,
    discovery: Discovery,
    truth: GroundTruth | None = None,
    tolerance: float = RELATIVE_TOLERANCE,
    paired: bool | None = None,
) -> pd.DataFrame:
    """One row per head (layer-major): how its output moves with the contrast, and its codes.

    ``paired``: negative i was made from positive i (a task with a ``contrast``); None:
    assume so when both sets have as many rows. Without pairs a head cannot be shown
    blind: the shift of the set means is compared with ``tolerance`` instead, and
    sampling noise alone exceeds it, so such heads count as unresolved.

    Rows are the pooled outputs the SAE saw: one per prompt, or one per prompt and
    position with ``pooling="positions"``. Columns: ``layer``, ``head``; ``output_norm``
    (mean norm of its rows over both sets) and ``norm_vs_median`` (that over the median
    head's); ``paired_change`` (mean over rows i of |pos_i - neg_i| / output_norm: prompt
    i against negative i, position by position with "positions"; NaN when not paired);
    ``mean_shift`` (|mean pos - mean neg| / output_norm); ``n_codes_pos``, ``n_codes_neg``
    (distinct codes on the counted rows); ``positive_only_codes`` (the node score);
    ``response`` (one of :data:`RESPONSES`); ``in_truth`` (whether the head is in
    ``truth``; None without one).
    """
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance={tolerance}; give a fraction in [0, 1), e.g. 1e-4")
    pos_NHD = activations.positive.double()  # rows: prompts, or prompts x positions
    neg_MHD = activations.negative.double()
    n_layers, n_heads = discovery.node_scores.shape
    H = n_layers * n_heads
    if pos_NHD.shape[1] != H or neg_MHD.shape[1] != H:
        raise ValueError(
            f"the activations hold {pos_NHD.shape[1]} heads but the discovery scores "
            f"{n_layers} x {n_heads} = {H}; pass the activations the discovery was run on"
        )
    norm_H = torch.cat([pos_NHD, neg_MHD]).norm(dim=-1).mean(0)
    scale_H = norm_H.clamp_min(torch.finfo(torch.float64).tiny)
    shift_H = (pos_NHD.mean(0) - neg_MHD.mean(0)).norm(dim=-1) / scale_H
    if paired is None:
        paired = pos_NHD.shape == neg_MHD.shape
    if paired and pos_NHD.shape != neg_MHD.shape:
        raise ValueError(
            f"paired=True but the sets have {pos_NHD.shape[0]} and {neg_MHD.shape[0]} rows; "
            "pairs need one negative per positive (or pass paired=False)"
        )
    if paired:
        paired_H = (pos_NHD - neg_MHD).norm(dim=-1).mean(0) / scale_H
        moved_H = paired_H
    else:
        paired_H = torch.full((H,), float("nan"), dtype=torch.float64)
        moved_H = shift_H
    positive_only_H = np.asarray(discovery.node_scores, dtype=float).reshape(H)
    response = np.where(
        positive_only_H > 0, "found",
        np.where(moved_H.numpy() > tolerance, "unresolved", "blind"),
    )
    layer_H, head_H = np.divmod(np.arange(H), n_heads)
    median = float(np.median(norm_H.numpy())) or 1.0
    table = pd.DataFrame({
        "layer": layer_H,
        "head": head_H,
        "output_norm": norm_H.numpy(),
        "norm_vs_median": norm_H.numpy() / median,
        "paired_change": paired_H.numpy(),
        "mean_shift": shift_H.numpy(),
        "n_codes_pos": [len(np.unique(c)) for c in np.asarray(discovery.codes_pos).T],
        "n_codes_neg": [len(np.unique(c)) for c in np.asarray(discovery.codes_neg).T],
        "positive_only_codes": positive_only_H.astype(int),
        "response": pd.Categorical(response, categories=RESPONSES),
    })
    table["in_truth"] = None if truth is None else [
        HeadId(int(a), int(b)) in truth.heads for a, b in zip(layer_H, head_H, strict=True)
    ]
    return table


def task_response_table(
    task: Task,
    activations: HeadActivations,
    discovery: Discovery,
    tolerance: float = RELATIVE_TOLERANCE,
) -> pd.DataFrame:
    """:func:`response_table` of a run on ``task``: ``in_truth`` from its ground truth,
    and rows taken as pairs exactly when its negatives were made from its positives
    (``task.contrast`` is set)."""
    return response_table(activations, discovery, task.ground_truth, tolerance,
                          paired=task.contrast is not None)


def contrast_response(
    task: Task,
    config: SAEConfig | None = None,
    seed: int = 0,
    *,
    activations: HeadActivations | None = None,
    tolerance: float = RELATIVE_TOLERANCE,
) -> pd.DataFrame:
    """Run the method on ``task`` (one SAE seed) and say, per head, whether its output
    responds to the contrast and whether its codes saw it (:func:`response_table`;
    ``in_truth`` from ``task.ground_truth`` when it has one).

    ``activations``: a cache from :func:`sae_core.discover.cache_task` with the same
    pooling, to skip the model's forward passes.
    """
    config = config or SAEConfig()
    acts = activations if activations is not None else cache_task(task, config)
    found = discover_seeds(task, config, (seed,), activations=acts)[0]
    return task_response_table(task, acts, found, tolerance)


def summary_line(table: pd.DataFrame) -> str:
    """One line: heads per response, circuit and outside apart where a truth is known,
    e.g. ``circuit 0 blind, 1 unresolved, 1 found; outside 18 blind, 0 unresolved, 0 found``."""
    summary = response_summary(table)
    return "; ".join(
        f"{group} " + ", ".join(f"{int(summary.loc[group, r])} {r}" for r in RESPONSES)
        for group in summary.index
    )


def response_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Heads per response (columns :data:`RESPONSES`), one row for circuit heads and one
    for the rest (or one row, "all", without a truth)."""
    if table["in_truth"].isna().all():
        groups = pd.Series("all", index=table.index)
    else:
        groups = table["in_truth"].map({True: "circuit", False: "outside"})
    counts = pd.crosstab(groups, table["response"], dropna=False)
    counts = counts.reindex(columns=list(RESPONSES), fill_value=0)
    counts.index.name, counts.columns.name = "heads", "response"
    return counts
