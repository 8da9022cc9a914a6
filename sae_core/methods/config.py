"""Settings of every circuit-discovery method: one small frozen config per method.

Each method takes exactly one config argument (``method(task, config) -> HeadScores``);
``None`` means the defaults below. The baselines share :class:`BaselineConfig`
(seed, prompts, device); each adds only its own knobs. ``__post_init__`` only validates.

Prompts: the baselines use the first ``n_prompts`` positives as *clean* prompts and the
first ``n_prompts`` negatives as *corrupt* prompts, paired by index (the i-th positive
with the i-th negative; most tasks build their negatives that way). The SAE method uses
every prompt of the task (its own default, ``SAEConfig.n_train`` of them train the SAE).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from sae_core.config import SAEConfig, check_fields, check_int, check_number
from sae_core.types import TASK_METRICS

DEVICES = ("cpu", "cuda", "auto")
CORRUPTIONS = ("auto", "negatives", "resample")
METRICS = ("auto", *TASK_METRICS)
"""Choices of ``BaselineConfig.metric``: "auto" or one of
:data:`sae_core.types.TASK_METRICS` by name."""


@dataclass(frozen=True)
class BaselineConfig:
    """Settings every baseline shares.

    seed: random seed (torch and numpy) of the run; deterministic methods ignore it.
    n_prompts: clean/corrupt prompt pairs used (the first ``n_prompts`` of each set;
        fewer when the task has fewer). 64 keeps ACDC on the 12x12 task within minutes
        on a CPU; the paper's tasks have 250.
    device: "cpu", "cuda" or "auto" (CUDA when present).
    corrupt: the corrupt prompts paired with the clean ones
        (:func:`sae_core.methods.common.prompt_pairs`): "negatives" (the task's
        negatives), "resample" (other positives: clean i with positive i + 1) or "auto"
        (negatives, unless the task says its negatives keep the model's output, where
        patching them in could show nothing; then resample).
    metric: the behaviour the patching and gradient baselines measure
        (:func:`sae_core.methods.common.metric_kind`): "auto" (default: the metric the
        task declares in ``Task.metric``, else the logit difference when the task names
        its answers, ``Task.answers``; else an error naming the fix), or by name
        "logit_diff", "kl" or "mse" (:data:`sae_core.types.TASK_METRICS`).
    """

    seed: int = 0
    n_prompts: int = 64
    device: str = "cpu"
    corrupt: str = "auto"
    metric: str = "auto"

    count_settings: ClassVar[dict[str, str]] = {"n_prompts": "use at least one prompt pair"}
    """Settings that count something and must be >= 1, each with the fix its error names
    (a subclass adds its own to these; :meth:`__post_init__` checks them all)."""

    def __post_init__(self) -> None:
        check_fields(self)
        if self.seed < 0:
            raise ValueError(f"seed={self.seed}; use a non-negative seed, e.g. seed=0")
        for name, fix in self.count_settings.items():
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)}; {fix}")
        if self.device not in DEVICES:
            raise ValueError(f"device={self.device!r}; use one of {DEVICES}")
        if self.corrupt not in CORRUPTIONS:
            raise ValueError(f"corrupt={self.corrupt!r}; use one of {CORRUPTIONS}")
        if self.metric not in METRICS:
            raise ValueError(f"metric={self.metric!r}; use one of {METRICS}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record of the settings."""
        return {"kind": type(self).__name__, **asdict(self)}


@dataclass(frozen=True)
class ACDCConfig(BaselineConfig):
    """ACDC (Conmy et al. 2023) through auto-circuit's ``acdc_prune_scores``.

    taus: thresholds tried; each runs the full greedy sweep over every edge once, so the
        cost is ``len(taus) x n_edges`` forward passes. An edge's score is the smallest
        tau at which it was removed (never removed = above every tau).
        Default: 1e-4, 1e-3, 1e-2 (auto-circuit's default is 20 values, 1e-5 .. 9e-2).
    separate_qkv: one edge per query, key and value input of each head (True, ACDC's
        graph), or one per head input (False: a third of the edges, ~3x faster).
    selection_tau: the tau whose circuit is ``selected`` (heads on edges not pruned at
        any tau up to it); ``None`` = the median of ``taus``.
    """

    taus: tuple[float, ...] = (1e-4, 1e-3, 1e-2)
    separate_qkv: bool = True
    selection_tau: float | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.taus, tuple | list):
            raise TypeError(
                f"taus={self.taus!r} has type {type(self.taus).__name__}; give a tuple of "
                "thresholds, e.g. taus=(1e-3,)"
            )
        for tau in self.taus:
            check_number("taus", tau, 1e-3)
        if len(self.taus) == 0 or any(not tau > 0 for tau in self.taus):
            raise ValueError(f"taus={self.taus}; give at least one positive threshold")
        object.__setattr__(self, "taus", tuple(float(tau) for tau in self.taus))
        if self.selection_tau is not None and self.selection_tau not in self.taus:
            raise ValueError(
                f"selection_tau={self.selection_tau} is not among taus={self.taus}; "
                "pick one of them (or None for their median)"
            )

    @property
    def effective_selection_tau(self) -> float:
        """The tau whose circuit is selected (the median of ``taus`` by default)."""
        if self.selection_tau is not None:
            return self.selection_tau
        return sorted(self.taus)[(len(self.taus) - 1) // 2]


@dataclass(frozen=True)
class EAPConfig(BaselineConfig):
    """Edge attribution patching (Syed et al. 2023): one gradient at the clean run.

    separate_qkv: edges into query, key and value inputs separately (True) or per head.
    """

    separate_qkv: bool = True


@dataclass(frozen=True)
class EAPIGConfig(BaselineConfig):
    """EAP with integrated gradients (Marks et al. 2024; Hanna et al. 2024).

    ig_steps: interpolation points between clean (mask 0) and corrupt (mask 1) edge
        activations; gradients are summed over ``ig_steps + 1`` points.
    separate_qkv: as in :class:`EAPConfig`.
    """

    ig_steps: int = 10
    separate_qkv: bool = True

    count_settings = {**BaselineConfig.count_settings, "ig_steps": "use at least one step"}


@dataclass(frozen=True)
class SubnetworkProbingConfig(BaselineConfig):
    """Edge subnetwork probing (Cao et al. 2021, as adapted by Conmy et al. 2023).

    A hard-concrete mask per edge is trained (Adam) so that the corrupt run with the kept
    edges restored to their clean activations matches the clean output, plus
    ``regularize_lambda`` x the expected fraction of kept edges. Stochastic (``seed``).
    epochs: optimiser steps (one batch of all prompts per step).
    lr: Adam learning rate of the mask logits.
    regularize_lambda: weight of the edge-count penalty.
    separate_qkv: as in :class:`EAPConfig`.
    """

    epochs: int = 100
    lr: float = 0.1
    regularize_lambda: float = 1.0
    separate_qkv: bool = True

    count_settings = {**BaselineConfig.count_settings, "epochs": "train for at least one epoch"}

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.lr > 0:
            raise ValueError(f"lr={self.lr}; use a positive learning rate")
        if not self.regularize_lambda >= 0:
            raise ValueError(f"regularize_lambda={self.regularize_lambda}; use >= 0")


@dataclass(frozen=True)
class HISPConfig(BaselineConfig):
    """Head importance scores (Michel et al. 2019): E_x |d metric(x) / d mask_h|.

    batch_size: prompts per forward/backward pass.
    normalize_layers: divide each layer's scores by their L2 norm (Michel et al.'s
        optional step; off by default so scores compare across layers as measured).
    """

    batch_size: int = 64
    normalize_layers: bool = False

    count_settings = {**BaselineConfig.count_settings, "batch_size": "use a positive batch size"}


@dataclass(frozen=True)
class SAEMethodConfig:
    """The SAE method (ours) as a comparable method.

    sae: the SAEConfig; ``None`` = the paper's settings for the task
        (:func:`sae_core.paper.settings.paper_settings`).
    seed: the SAE's seed.
    """

    sae: SAEConfig | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        check_int("seed", self.seed, 0)
        if self.sae is not None and not isinstance(self.sae, SAEConfig):
            raise TypeError(
                f"sae has type {type(self.sae).__name__}; give an SAEConfig (from a dict: "
                "SAEConfig(**your_dict)) or None for the task's paper settings"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record of the settings (``sae`` None = the task's paper preset)."""
        return {
            "kind": type(self).__name__,
            "seed": self.seed,
            "sae": None if self.sae is None else asdict(self.sae),
        }
