"""Head importance scores (HISP; Michel, Levy & Neubig 2019, "Are Sixteen Heads Really
Better than One?").

Each head's output is multiplied by a gate xi_h (1 in the model); the head's importance
is the expected absolute gradient of the task metric w.r.t. its gate over the clean
(positive) prompts: ``I_h = E_x |d metric(x) / d xi_h|``. The metric is the one the
gradient baselines share (:mod:`sae_core.methods.common`): logit difference at the
last position for labelled tasks, else the mean logit of the clean model's own
prediction over output positions (or the output value for one numerical output).
Deterministic; node-only (no edge scores). The hooks live in
:func:`sae_core.hooks.head_mask_gradients`; this module is hook-free.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from sae_core.device import resolve_device
from sae_core.hooks import head_mask_gradients
from sae_core.methods.common import (
    SELECTION_ABOVE_MEAN,
    above_mean,
    answers_for,
    baseline_scores,
    metric_kind,
)
from sae_core.methods.config import HISPConfig
from sae_core.methods.registry import register_method
from sae_core.types import HeadScores, Task

Metric = Callable[[torch.Tensor, int, int], torch.Tensor]


def task_metric(task: Task, n: int, device: torch.device, kind: str) -> Metric:
    """Per-prompt metric ``(logits [B, T, V], start, stop) -> [B]`` for the first ``n``
    positives; ``kind``: the metric in force (:func:`~sae_core.methods.common.metric_kind`;
    see the module docstring)."""
    if kind == "logit_diff":
        answer_N, wrong_N = (t.to(device) for t in answers_for(task, n))

        def logit_diff(logits_BTV, start, stop):
            last_BV = logits_BTV[:, -1]
            answer_B1, wrong_B1 = answer_N[start:stop, None], wrong_N[start:stop, None]
            return (last_BV.gather(1, answer_B1) - last_BV.gather(1, wrong_B1))[:, 0]

        return logit_diff
    if kind == "mse":
        return lambda logits_BTV, start, stop: logits_BTV[:, 1:, 0].mean(dim=1)

    def own_prediction_logit(logits_BTV, start, stop):
        out_BTV = logits_BTV[:, 1:]
        top_BT1 = out_BTV.detach().argmax(dim=-1, keepdim=True)  # = the clean argmax (xi = 1)
        return out_BTV.gather(-1, top_BT1)[..., 0].mean(dim=1)

    return own_prediction_logit


@register_method(
    "hisp", HISPConfig, stochastic=False,
    description="head importance scores (Michel et al. 2019): E|d metric / d head gate|",
)
def hisp(task: Task, config: HISPConfig | None = None) -> HeadScores:
    """HISP on the first ``config.n_prompts`` positives; selection: above the mean."""
    config = config or HISPConfig()
    kind = metric_kind(task, config.metric)  # before any model runs: names a missing answer
    device = resolve_device(config.device)
    start = time.perf_counter()
    tokens_NT = task.positive[: config.n_prompts].long()
    n = tokens_NT.shape[0]
    model = task.model
    moved_from = next(model.parameters()).device
    if moved_from != device:
        model = model.to(device)
    try:
        grad_NLn = head_mask_gradients(
            model, tokens_NT, task_metric(task, n, device, kind), batch_size=config.batch_size
        )
    finally:
        if moved_from != device:
            task.model.to(moved_from)
    node_LN = grad_NLn.abs().mean(dim=0).double().numpy()
    if config.normalize_layers:
        norms_L1 = np.linalg.norm(node_LN, axis=1, keepdims=True)
        node_LN = node_LN / np.where(norms_L1 > 0, norms_L1, 1.0)
    seconds = time.perf_counter() - start
    return baseline_scores(
        "hisp", task, config, node_scores=node_LN, edge_scores=None,
        selected=above_mean(node_LN), seconds=seconds, seed=None,
        extra={
            "selection": SELECTION_ABOVE_MEAN,
            "node_from_edges": "not used: HISP scores heads directly",
            "n_prompts": int(n),
        },
    )
