"""The library's vocabulary: heads, ground truth, tasks and discovery results.

This module imports nothing else from sae_core. Conventions used everywhere:

* A head is ``HeadId(layer, head)``; a plain ``(layer, head)`` tuple compares equal.
* Heads are flattened layer-major: ``index = layer * n_heads + head``.
* Every score array follows "higher = more likely in the circuit".
* An edge is an ordered pair ``(upstream HeadId, downstream HeadId)`` with
  ``upstream.layer < downstream.layer``: the upstream head's output is read,
  directly or through MLPs, by the downstream head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import torch

if TYPE_CHECKING:  # pragma: no cover
    from transformer_lens import HookedTransformer

MODEL_SOURCES = ("pretrained", "random", "compiled", "trained")
"""Where a task's weights come from.

``pretrained``: a published checkpoint from the local cache. ``random``: the
same architecture with random weights (a *random-weight stand-in*: numbers made
with it are never the paper's). ``compiled``: weights written by tracr (exact
truth). ``trained``: a small model trained by this package with a shipped seed.
"""


class HeadId(NamedTuple):
    """One attention head, ``layer.head``."""

    layer: int
    head: int

    def __str__(self) -> str:
        return f"{self.layer}.{self.head}"

    def index(self, n_heads: int) -> int:
        """Flat layer-major index of this head."""
        return self.layer * n_heads + self.head


Edge = tuple[HeadId, HeadId]


def head_from_index(index: int, n_heads: int) -> HeadId:
    """Inverse of :meth:`HeadId.index`."""
    return HeadId(int(index) // n_heads, int(index) % n_heads)


def _as_head(h: Any) -> HeadId:
    if isinstance(h, str):
        layer, head = h.split(".")
        return HeadId(int(layer), int(head))
    layer, head = h
    return HeadId(int(layer), int(head))


@dataclass(frozen=True)
class GroundTruth:
    """The circuit a task's model is known to use.

    ``heads``: heads in the circuit. ``edges``: head-to-head connections
    (upstream, downstream), or ``None`` where the task has no edge truth.
    ``source``: where the truth comes from (compiled, planted, ablation, a citation).
    """

    heads: frozenset[HeadId]
    edges: frozenset[Edge] | None = None
    source: str = ""

    def __post_init__(self) -> None:
        heads = frozenset(_as_head(h) for h in self.heads)
        object.__setattr__(self, "heads", heads)
        if self.edges is not None:
            edges = frozenset((_as_head(a), _as_head(b)) for a, b in self.edges)
            for a, b in edges:
                if a.layer >= b.layer:
                    raise ValueError(
                        f"edge {a}->{b}: the upstream head must sit in an earlier layer; "
                        "write edges as (upstream, downstream)"
                    )
            object.__setattr__(self, "edges", edges)

    def head_labels(self, n_layers: int, n_heads: int) -> np.ndarray:
        """Boolean [n_layers, n_heads] mask of the circuit's heads."""
        labels = np.zeros((n_layers, n_heads), dtype=bool)
        for h in self.heads:
            if not (0 <= h.layer < n_layers and 0 <= h.head < n_heads):
                raise ValueError(
                    f"ground-truth head {h} lies outside a {n_layers}x{n_heads} model; "
                    "check that the truth belongs to this model"
                )
            labels[h.layer, h.head] = True
        return labels

    def edge_labels(self, n_layers: int, n_heads: int) -> np.ndarray | None:
        """Symmetric boolean [H, H] matrix of edges (None without edge truth)."""
        if self.edges is None:
            return None
        n_total = n_layers * n_heads
        labels = np.zeros((n_total, n_total), dtype=bool)
        for a, b in self.edges:
            i, j = a.index(n_heads), b.index(n_heads)
            labels[i, j] = labels[j, i] = True
        return labels


@dataclass(frozen=True, eq=False)
class Task:
    """A model, its positive and negative prompts, and the truth to score against.

    ``positive``: LongTensor [N_pos, T] - prompts on which the model needs the circuit.
    ``negative``: LongTensor [N_neg, T'] - prompts on which it does not.
    All prompts of one set share one token length; the two sets may differ.
    Build one for any HookedTransformer; ``load_task`` builds the registered ones.
    """

    name: str
    model: HookedTransformer
    positive: torch.Tensor
    negative: torch.Tensor
    ground_truth: GroundTruth | None = None
    model_source: str = "pretrained"
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.model_source not in MODEL_SOURCES:
            raise ValueError(
                f"model_source={self.model_source!r}; use one of {MODEL_SOURCES}"
            )
        for label, prompts in (("positive", self.positive), ("negative", self.negative)):
            if not isinstance(prompts, torch.Tensor):
                raise TypeError(
                    f"{label} prompts must be a LongTensor [N, T] of token ids, got "
                    f"{type(prompts).__name__}; tokenize them first (model.to_tokens)"
                )
            if prompts.ndim != 2:
                raise ValueError(
                    f"{label} prompts have shape {tuple(prompts.shape)}; expected [N, T]. "
                    "Prompts of unequal token length must be padded or filtered to one length"
                )
            if prompts.shape[0] == 0:
                raise ValueError(f"the {label} prompt set is empty; give at least one prompt")
            if prompts.dtype not in (torch.int64, torch.int32):
                raise TypeError(f"{label} prompts must hold integer token ids, got {prompts.dtype}")
            d_vocab = self.model.cfg.d_vocab
            if int(prompts.min()) < 0 or int(prompts.max()) >= d_vocab:
                raise ValueError(
                    f"{label} prompts hold token ids outside [0, {d_vocab}); "
                    "they were tokenized for another model"
                )
        if self.ground_truth is not None:
            self.ground_truth.head_labels(self.n_layers, self.n_heads)

    @property
    def n_layers(self) -> int:
        return int(self.model.cfg.n_layers)

    @property
    def n_heads(self) -> int:
        return int(self.model.cfg.n_heads)

    @property
    def n_heads_total(self) -> int:
        return self.n_layers * self.n_heads

    @property
    def is_stand_in(self) -> bool:
        """True for random-weight stand-ins, whose numbers are never the paper's."""
        return self.model_source == "random"

    @property
    def label(self) -> str:
        """Task name, marked when the model is a random-weight stand-in."""
        return f"{self.name} (random-weight stand-in)" if self.is_stand_in else self.name


def softmax(x: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over all entries (the paper's temperature 1)."""
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(x - x.max())
    return z / z.sum()


@dataclass(frozen=True, eq=False)
class Discovery:
    """What one run of the SAE method found, higher scores = more likely in the circuit.

    ``node_scores``: float [n_layers, n_heads], unique positive-only codes per head.
    ``edge_scores``: float [H, H], symmetric, positive-only code pairs per head pair.
    ``edge_node_scores``: float [n_layers, n_heads], a head score from the edge matrix
    (rule named in ``config.edge_head_score``).
    ``codes_pos`` int [N_pos_rows, H], ``codes_neg`` int [N_neg_rows, H]: argmax codes of the
    counted rows (prompts, or prompt x position with ``pooling="positions"``).
    ``timings``: seconds per stage.
    """

    task_name: str
    node_scores: np.ndarray
    edge_scores: np.ndarray
    edge_node_scores: np.ndarray
    codes_pos: np.ndarray
    codes_neg: np.ndarray
    timings: dict[str, float]
    config: Any
    seed: int
    model_source: str
    version: str
    sae_losses: np.ndarray | None = None

    @property
    def n_layers(self) -> int:
        return int(self.node_scores.shape[0])

    @property
    def n_heads(self) -> int:
        return int(self.node_scores.shape[1])

    def node_softmax(self) -> np.ndarray:
        """The paper's node score: softmax over all heads, shape [n_layers, n_heads]."""
        return softmax(self.node_scores).reshape(self.node_scores.shape)

    def head_mask(self, theta: float | None = None) -> np.ndarray:
        """Boolean [n_layers, n_heads]: softmax(node score) > theta.

        ``theta=None`` uses 1/H, the uniform level: heads scoring above average.
        """
        probs = self.node_softmax()
        if theta is None:
            theta = 1.0 / probs.size
        return probs > theta

    def circuit(self, theta: float | None = None) -> list[HeadId]:
        """Heads selected by :meth:`head_mask`, as HeadIds."""
        layers, heads = np.nonzero(self.head_mask(theta))
        return [HeadId(int(layer), int(head)) for layer, head in zip(layers, heads, strict=True)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (arrays as nested lists)."""
        from dataclasses import asdict, is_dataclass

        config = asdict(self.config) if is_dataclass(self.config) else self.config
        return {
            "task": self.task_name,
            "node_scores": self.node_scores.tolist(),
            "edge_scores": self.edge_scores.tolist(),
            "edge_node_scores": self.edge_node_scores.tolist(),
            "timings": self.timings,
            "model_source": self.model_source,
            "config": config,
            "seed": self.seed,
            "version": self.version,
        }



@dataclass(frozen=True, eq=False)
class HeadScores:
    """One circuit-discovery method's verdict on a task's heads: what every method returns.

    Every method (ours and the baselines) has the signature
    ``method(task, config) -> HeadScores``. **Higher score = more likely in the circuit**,
    for every method (methods whose raw score runs the other way negate it).

    ``method``: registered name ("sae", "acdc", "eap", ...).
    ``node_scores``: float [n_layers, n_heads]. Edge-level methods make it from their
    edges (the rule is named in ``extra["node_from_edges"]``).
    ``edge_scores``: float [H, H], symmetric, H = n_layers * n_heads, layer-major; entry
    (i, j) scores the connection between heads i and j. ``None`` for node-only methods.
    ``selected``: bool [n_layers, n_heads], the heads the method itself calls its circuit
    (its own threshold rule, named in ``extra["selection"]``), or ``None``.
    ``seconds``: wall time of the method on this task (model forward/backward passes and
    search; building the task is not counted).
    ``seed``: the method's random seed (None for deterministic methods).
    ``config``: JSON-ready record of the settings used. ``extra``: method-specific notes.
    """

    method: str
    task_name: str
    node_scores: np.ndarray
    edge_scores: np.ndarray | None
    seconds: float
    model_source: str
    selected: np.ndarray | None = None
    seed: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        node = np.asarray(self.node_scores, dtype=np.float64)
        if node.ndim != 2:
            raise ValueError(
                f"node_scores have shape {node.shape}; expected [n_layers, n_heads]"
            )
        if not np.isfinite(node).all():
            raise ValueError(f"{self.method}: node_scores hold NaN or inf; check the method's run")
        object.__setattr__(self, "node_scores", node)
        n_total = node.size
        if self.edge_scores is not None:
            edge = np.asarray(self.edge_scores, dtype=np.float64)
            if edge.shape != (n_total, n_total):
                raise ValueError(
                    f"edge_scores have shape {edge.shape}; expected [H, H] = "
                    f"[{n_total}, {n_total}] (layer-major heads)"
                )
            object.__setattr__(self, "edge_scores", edge)
        if self.selected is not None:
            sel = np.asarray(self.selected, dtype=bool)
            if sel.shape != node.shape:
                raise ValueError(f"selected has shape {sel.shape}; expected {node.shape}")
            object.__setattr__(self, "selected", sel)

    @property
    def n_layers(self) -> int:
        return int(self.node_scores.shape[0])

    @property
    def n_heads(self) -> int:
        return int(self.node_scores.shape[1])

    @property
    def is_stand_in(self) -> bool:
        """True for random-weight stand-ins, whose numbers are never the paper's."""
        return self.model_source == "random"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (arrays as nested lists)."""
        return {
            "method": self.method,
            "task": self.task_name,
            "node_scores": self.node_scores.tolist(),
            "edge_scores": None if self.edge_scores is None else self.edge_scores.tolist(),
            "selected": None if self.selected is None else self.selected.tolist(),
            "seconds": self.seconds,
            "model_source": self.model_source,
            "seed": self.seed,
            "config": self.config,
            "version": self.version,
            "extra": self.extra,
        }
