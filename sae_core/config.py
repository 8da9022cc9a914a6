"""Configuration of the SAE method: one frozen dataclass, the paper's defaults.

The paper's per-task settings live in :mod:`sae_core.paper.settings`; this module holds
only the defaults and their validation.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any

POOLINGS = ("mean", "last", "positions")
EDGE_HEAD_SCORES = ("row_sum", "paper_topk")
DISCRETISERS = ("sae", "kmeans")


def check_int(name: str, value: Any, example: Any) -> None:
    """TypeError unless ``value`` is a whole number (an int, not a bool or a float): a
    float step count or feature count would otherwise fail deep inside torch."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name}={value!r} has type {type(value).__name__}; {name} takes a whole number "
            f"(int), e.g. {name}={example!r}"
        )


def check_number(name: str, value: Any, example: Any) -> None:
    """TypeError unless ``value`` is a real number (int or float, not a bool or a string);
    ValueError unless it is finite."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name}={value!r} has type {type(value).__name__}; {name} takes a number "
            f"(float), e.g. {name}={example!r}"
        )
    if not math.isfinite(value):
        raise ValueError(f"{name}={value!r}; give a finite number, e.g. {name}={example!r}")


def check_fields(config: Any) -> None:
    """Check every field of the dataclass ``config`` against its declared type
    ("int", "float", "bool", "str", each optionally "| None"): the field is named with
    the type it takes and its default as an example. Other declared types are left to
    the config's own checks."""
    for f in dataclasses.fields(config):
        declared, value = str(f.type), getattr(config, f.name)
        optional = declared.endswith(" | None")
        if optional and value is None:
            continue
        kind = declared.removesuffix(" | None")
        example = f.default if f.default is not dataclasses.MISSING else None
        if kind == "int":
            check_int(f.name, value, example)
        elif kind == "float":
            check_number(f.name, value, example)
        elif kind in ("bool", "str") and not isinstance(value, bool if kind == "bool" else str):
            wanted = "True or False" if kind == "bool" else "a string"
            raise TypeError(
                f"{f.name}={value!r} has type {type(value).__name__}; {f.name} takes "
                f"{wanted}{' or None' if optional else ''}, e.g. {f.name}={example!r}"
            )


@dataclass(frozen=True)
class SAEConfig:
    """Hyperparameters of one discovery run (paper defaults, FACTS.md "Pipeline").

    n_features: SAE dictionary size (paper: 200).
    l1: sparsity weight (paper: 0.02 for IOI and greater-than, 0.05 for docstring).
    lr, steps: full-batch Adam learning rate and number of steps.
    n_train: positive prompts (plus as many negatives) whose head vectors train the SAE.
    pooling: "mean" over positions (paper), "last" position, or "positions"
        (every position its own row; codes per prompt x position).
    edge_head_score: how ``Discovery.edge_node_scores`` is made from the edge matrix:
        "row_sum" (default: each head's total positive-only pair count over partners,
        uses every entry, no tie order) or "paper_topk" (FACTS.md 5: each head's count
        among the first H*H//2 head entries of the ranked pairs, i.e. the top H*H//4
        pairs). IGNORED when ``paper_quirks=True``: the rule is then always "paper_topk";
        the rule in force is :attr:`effective_edge_head_score`, which every Discovery
        records as ``edge_head_score``.
    paper_quirks: reproduce the authors' code (FACTS.md "Quirks"): codes counted on
        the SAE's training examples too (unless ``count_train_examples`` says otherwise),
        and the "paper_topk" edge head score with numpy's tie order, whatever
        ``edge_head_score`` says.
    count_train_examples: count codes on the SAE's training prompts as well
        (None: follow ``paper_quirks``).
    device: "auto" (CUDA when present), "cpu" or "cuda".
    batch_size: prompts per forward pass when caching head outputs.
    discretiser: how head vectors become codes: "sae" (the paper: argmax feature of an
        SAE with ``n_features`` features) or "kmeans" (nearest of ``n_features`` k-means
        centroids, :mod:`sae_core.discretisers.kmeans`; a cheaper alternative, not the paper's).
    stop_when_codes_stable: stop each seed's SAE training once its argmax codes on the
        training rows, checked every ``code_check_every`` steps, have not changed for
        ``code_patience`` checks in a row (``steps`` is then a maximum). Off: the paper.
    """

    n_features: int = 200
    l1: float = 0.02
    lr: float = 1e-3
    steps: int = 500
    n_train: int = 10
    pooling: str = "mean"
    edge_head_score: str = "row_sum"
    paper_quirks: bool = False
    count_train_examples: bool | None = None
    device: str = "auto"
    batch_size: int = 64
    discretiser: str = "sae"
    stop_when_codes_stable: bool = False
    code_check_every: int = 25
    code_patience: int = 2

    def __post_init__(self) -> None:
        check_fields(self)
        if self.n_features < 1:
            raise ValueError(f"n_features={self.n_features}; the SAE needs at least one feature")
        if not self.l1 >= 0:
            raise ValueError(f"l1={self.l1}; use a non-negative sparsity weight")
        if not self.lr > 0:
            raise ValueError(f"lr={self.lr}; use a positive learning rate")
        if self.steps < 1:
            raise ValueError(f"steps={self.steps}; train for at least one step")
        if self.n_train < 1:
            raise ValueError(f"n_train={self.n_train}; train on at least one positive prompt")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling={self.pooling!r}; use one of {POOLINGS}")
        if self.edge_head_score not in EDGE_HEAD_SCORES:
            raise ValueError(
                f"edge_head_score={self.edge_head_score!r}; use one of {EDGE_HEAD_SCORES}"
            )
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"device={self.device!r}; use 'auto', 'cpu' or 'cuda'")
        if self.batch_size < 1:
            raise ValueError(f"batch_size={self.batch_size}; use a positive batch size")
        if self.discretiser not in DISCRETISERS:
            raise ValueError(f"discretiser={self.discretiser!r}; use one of {DISCRETISERS}")
        if self.code_check_every < 1 or self.code_patience < 1:
            raise ValueError(
                f"code_check_every={self.code_check_every}, code_patience="
                f"{self.code_patience}; use positive values (e.g. 25 and 2)"
            )

    @property
    def counts_train_examples(self) -> bool:
        """Whether codes are counted on the SAE's training prompts too."""
        if self.count_train_examples is None:
            return self.paper_quirks
        return self.count_train_examples

    @property
    def effective_edge_head_score(self) -> str:
        """The edge head-score rule in force: "paper_topk" with ``paper_quirks``, whatever
        ``edge_head_score`` says; ``edge_head_score`` otherwise."""
        return "paper_topk" if self.paper_quirks else self.edge_head_score
