"""Faithfulness of a circuit: the logit difference with every other head mean-ablated.

The paper's measure (O'Neill & Bui 2024, IOI table; numbers in ``FACTS.md``): run the
positive prompts, replace the ``hook_z`` of every head *outside* the circuit by its
per-position mean over a reference set (the negative prompts by default), and report
the mean over prompts of ``logit[answer] - logit[wrong]`` at the last position.
Higher = the circuit alone carries more of the behaviour. The clean model, the
ground-truth circuit and random circuits of the same size give the scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from sae_core.hooks import logits_with_z_replaced, mean_z_by_layer
from sae_core.types import STAND_IN_LABEL, HeadId, Task, head_from_index

if TYPE_CHECKING:  # pragma: no cover
    from transformer_lens import HookedTransformer

REFERENCES = ("negative", "positive")
"""Prompt sets the ablation means may come from; the paper uses ``negative``."""

BATCH_SIZE = 64


@dataclass(frozen=True)
class FaithfulnessResult:
    """Logit differences (answer - wrong, mean over positive prompts; higher = more faithful).

    ``clean``: no ablation. ``circuit``: only ``n_heads`` heads kept, the rest mean-ablated.
    ``truth``: the same for the task's ground-truth heads (None without a truth).
    ``random_mean`` / ``random_sd``: over ``n_random`` random circuits of ``n_heads`` heads
    (sample sd, ddof=1; 0 for one circuit, NaN for none); each value in ``random_values``.
    """

    clean: float
    circuit: float
    truth: float | None
    random_mean: float
    random_sd: float
    n_heads: int
    n_random: int
    model_source: str
    task_name: str
    seed: int = 0
    reference: str = "negative"
    random_values: tuple[float, ...] = ()

    @property
    def is_stand_in(self) -> bool:
        """True for random-weight stand-ins, whose numbers are never the paper's."""
        return self.model_source == "random"

    @property
    def label(self) -> str:
        """One line summary, marked when the model is a random-weight stand-in."""
        truth = "n/a" if self.truth is None else f"{self.truth:.2f}"
        text = (
            f"{self.task_name}: clean {self.clean:.2f}, circuit ({self.n_heads} heads) "
            f"{self.circuit:.2f}, truth {truth}, random {self.random_mean:.2f} "
            f"+- {self.random_sd:.2f} (n={self.n_random})"
        )
        return text + f" [{STAND_IN_LABEL}]" if self.is_stand_in else text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record, with ``label``."""
        out = asdict(self)
        out["random_values"] = list(self.random_values)
        out["label"] = self.label
        return out


def _check_heads(heads: Iterable, n_layers: int, n_heads: int) -> frozenset[HeadId]:
    """Heads as HeadIds, each checked to lie inside an n_layers x n_heads model."""
    out = set()
    for h in heads:
        layer, head = h
        head_id = HeadId(int(layer), int(head))
        if not (0 <= head_id.layer < n_layers and 0 <= head_id.head < n_heads):
            raise ValueError(
                f"head {head_id} lies outside this {n_layers}x{n_heads} model; "
                "give heads as (layer, head) with 0 <= layer < n_layers, 0 <= head < n_heads"
            )
        out.add(head_id)
    return frozenset(out)


def _device(model: HookedTransformer) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def logit_difference(
    model: HookedTransformer,
    tokens_NT: torch.Tensor,
    answer_N: torch.Tensor,
    wrong_N: torch.Tensor,
    ablate_heads: Iterable | None = None,
    means: dict[int, torch.Tensor] | None = None,
    *,
    batch_size: int = BATCH_SIZE,
) -> float:
    """Mean over prompts of ``logit[answer] - logit[wrong]`` at the last position.

    Heads in ``ablate_heads`` ((layer, head) pairs) have their ``hook_z`` replaced, at every
    position, by ``means[layer]`` (float [T, n_heads, d_head], see
    :func:`sae_core.hooks.mean_z_by_layer`). ``None`` or an empty iterable runs the clean model.
    """
    n_prompts = tokens_NT.shape[0]
    if tokens_NT.ndim != 2 or n_prompts == 0:
        raise ValueError(f"tokens have shape {tuple(tokens_NT.shape)}; expected [N >= 1, T]")
    if answer_N.shape != (n_prompts,) or wrong_N.shape != (n_prompts,):
        raise ValueError(
            f"answer/wrong tokens have shapes {tuple(answer_N.shape)}/{tuple(wrong_N.shape)}; "
            f"expected [{n_prompts}], one token per prompt"
        )
    cfg = model.cfg
    ablate = _check_heads(ablate_heads or (), cfg.n_layers, cfg.n_heads)
    if ablate and means is None:
        raise ValueError(
            "ablate_heads needs means: pass means=mean_z_by_layer(model, reference) "
            "(from sae_core.hooks)"
        )
    device = _device(model)
    total = 0.0
    for start in range(0, n_prompts, batch_size):
        batch_BT = tokens_NT[start : start + batch_size].to(device)
        # only the last position's logits are read: unembed that one, not all T
        last_BV = logits_with_z_replaced(
            model, batch_BT, ablate, means or {}, last_position_only=True
        ).double()
        answer_B = answer_N[start : start + batch_size].to(device).long()
        wrong_B = wrong_N[start : start + batch_size].to(device).long()
        diff_B = last_BV.gather(1, answer_B[:, None]) - last_BV.gather(1, wrong_B[:, None])
        total += float(diff_B.sum())
    return total / n_prompts


def random_circuits(
    n_layers: int, n_heads: int, size: int, n_random: int, seed: int = 0
) -> list[frozenset[HeadId]]:
    """``n_random`` circuits of ``size`` distinct heads, drawn uniformly with a seeded Generator."""
    n_total = n_layers * n_heads
    if not 0 <= size <= n_total:
        raise ValueError(f"circuit size {size} does not fit a model with {n_total} heads")
    rng = np.random.default_rng(seed)
    return [
        frozenset(head_from_index(i, n_heads) for i in rng.choice(n_total, size, replace=False))
        for _ in range(n_random)
    ]


def faithfulness(
    task: Task,
    heads: Iterable,
    *,
    n_random: int = 10,
    seed: int = 0,
    reference: str = "negative",
) -> FaithfulnessResult:
    """Logit difference on ``task.positive`` keeping only ``heads``, as the paper measures it.

    Every head outside ``heads`` ((layer, head) pairs) is mean-ablated with per-position
    means over ``task.negative`` (``reference="negative"``, the paper's choice) or over
    ``task.positive``. ``heads`` may be empty: then every head is ablated. Also reports the
    ground-truth circuit and ``n_random`` random circuits of the same size (seed ``seed``).
    """
    if task.answers is None:
        raise ValueError(
            f"faithfulness needs the task's answers; task {task.name!r} has none: build it "
            "with Task(answers=Answers(correct=..., wrong=...)), LongTensor [N_pos] each"
        )
    if reference not in REFERENCES:
        raise ValueError(f"reference={reference!r}; use one of {REFERENCES}")
    if n_random < 0:
        raise ValueError(f"n_random={n_random}; use 0 or more")
    model, tokens_NT = task.model, task.positive
    answer_N, wrong_N = task.answers.correct, task.answers.wrong
    n_layers, n_heads = task.n_layers, task.n_heads
    circuit = _check_heads(heads, n_layers, n_heads)
    all_heads = frozenset(HeadId(layer, h) for layer in range(n_layers) for h in range(n_heads))
    reference_NT = task.negative if reference == "negative" else task.positive
    if reference_NT.shape[1] != tokens_NT.shape[1]:
        raise ValueError(
            f"negative prompts have {reference_NT.shape[1]} tokens, positive "
            f"{tokens_NT.shape[1]}; per-position means need one length: use reference='positive'"
        )
    means = mean_z_by_layer(model, reference_NT)

    done: dict[frozenset[HeadId], float] = {}

    def keep_only(kept: frozenset[HeadId]) -> float:
        # one run per distinct circuit: the truth often equals ``heads``
        kept = frozenset(kept)
        if kept not in done:
            ablate = all_heads - kept
            done[kept] = logit_difference(model, tokens_NT, answer_N, wrong_N, ablate, means)
        return done[kept]

    truth = None if task.ground_truth is None else keep_only(task.ground_truth.heads)
    circuits = random_circuits(n_layers, n_heads, len(circuit), n_random, seed)
    random_values = tuple(keep_only(c) for c in circuits)
    values = np.asarray(random_values, dtype=np.float64)
    random_mean = float(values.mean()) if n_random else math.nan
    random_sd = float(values.std(ddof=1)) if n_random > 1 else (0.0 if n_random else math.nan)
    return FaithfulnessResult(
        clean=logit_difference(model, tokens_NT, answer_N, wrong_N),
        circuit=keep_only(circuit),
        truth=truth,
        random_mean=random_mean,
        random_sd=random_sd,
        n_heads=len(circuit),
        n_random=n_random,
        model_source=task.model_source,
        task_name=task.name,
        seed=seed,
        reference=reference,
        random_values=random_values,
    )
