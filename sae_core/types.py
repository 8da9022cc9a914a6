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

    from sae_core.config import SAEConfig  # a type only: the vocabulary imports nothing

MODEL_SOURCES = ("pretrained", "random", "compiled", "trained")
"""Where a task's weights come from.

``pretrained``: a published checkpoint from the local cache. ``random``: the
same architecture with random weights (a *random-weight stand-in*: numbers made
with it are never the paper's). ``compiled``: weights written by tracr (exact
truth). ``trained``: a small model trained by this package with a shipped seed.
"""

STAND_IN_LABEL = "random-weight stand-in"
"""How every table, title and record names a model with ``model_source="random"``."""


def is_stand_in(model_source: str) -> bool:
    """True for ``model_source="random"``: a random-weight stand-in, never the paper's."""
    return model_source == "random"


def label_source(name: str, model_source: str) -> str:
    """``name``, marked ``"name (random-weight stand-in)"`` when ``model_source`` is
    "random" (numbers made with it are never the paper's); unchanged otherwise."""
    return f"{name} ({STAND_IN_LABEL})" if is_stand_in(model_source) else name


def axis_size(array_field: str, axis: int, doc: str) -> property:
    """A read-only ``int`` property: the length of the array field ``array_field`` along
    ``axis`` (shape-named sizes such as ``n_layers``, kept in one place per class)."""

    def size(self) -> int:
        return int(getattr(self, array_field).shape[axis])

    return property(size, doc=doc)


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
class Answers:
    """The next token each positive prompt asks for, and a wrong one to contrast it with.

    ``correct``: LongTensor [N_pos], the token the model should predict after the last
    position of positive prompt i (e.g. IOI's indirect object); ``wrong``: LongTensor
    [N_pos], a wrong token for the same prompt (e.g. IOI's subject). The task's behaviour
    is then ``logit[correct] - logit[wrong]`` at the last position.
    """

    correct: torch.Tensor
    wrong: torch.Tensor

    def __post_init__(self) -> None:
        for label, tokens_N in (("correct", self.correct), ("wrong", self.wrong)):
            if not isinstance(tokens_N, torch.Tensor) or tokens_N.dtype != torch.int64:
                raise TypeError(
                    f"Answers.{label} must be a LongTensor [N_pos] of token ids, got "
                    f"{getattr(tokens_N, 'dtype', type(tokens_N).__name__)}; convert it with "
                    "torch.as_tensor(ids, dtype=torch.long)"
                )
            if tokens_N.ndim != 1:
                raise ValueError(
                    f"Answers.{label} has shape {tuple(tokens_N.shape)}; expected [N_pos], "
                    "one token per positive prompt"
                )
        if self.correct.shape != self.wrong.shape:
            raise ValueError(
                f"Answers.correct has {self.correct.shape[0]} tokens, Answers.wrong "
                f"{self.wrong.shape[0]}; give one of each per positive prompt"
            )


@dataclass(frozen=True, eq=False)
class Task:
    """A model, its positive and negative prompts, and the truth to score against.

    ``positive``: LongTensor [N_pos, T] - prompts on which the model needs the circuit.
    ``negative``: LongTensor [N_neg, T'] - prompts on which it does not.
    All prompts of one set share one token length; the two sets may differ.
    Build one for any HookedTransformer; ``load_task`` builds the registered ones.

    Optional facts about the task, each read by other modules:

    * ``answers``: :class:`Answers` (correct / wrong token per positive, [N_pos] each,
      ids below ``d_vocab_out``), or None where the task names no answers. Present, it
      makes the task's metric the logit difference (``methods.common.metric_kind``: the
      baselines ACDC, EAP, EAP-IG, SP, HISP) and it is what ``faithfulness`` measures.
    * ``negatives_keep_output``: True where a negative gives the same output as its
      positive (tracr sort / sort_freq), so patching baselines resample positives as
      their corruption instead (``methods.common.corrupt_source``).
    * ``head_owner``: for models stacked from tracr programs, ``head_owner[layer][head]``
      is the program owning the head, ``"random"`` for a random distractor head, ``""``
      for an empty slot; [n_layers][n_heads] strings, or None. Read by
      ``experiments.sweeps.head_roles`` and ``head_code_table``.
    * ``token_values``: for tasks over an abstract vocabulary (tracr), the value of each
      token id as text, ``d_vocab`` strings, or None; ``tokenizer_name``: the text
      encoder that tokenized the prompts (``models.tokenizers.TextEncoder.name``, e.g.
      ``"tiktoken:gpt2"``), or None. Both tell ``analysis.code_interpretability.decoder_for``
      how to show prompts as text.
    * ``positive_texts`` / ``negative_texts``: for tasks built from text (IOI,
      greater-than, docstring), prompt i as text before tokenization, N_pos / N_neg
      strings, or None. Shown by ``paper.task_report.task_summary``.

    ``metadata``: free-form provenance (seed, per-pair info, thresholds, training record);
    no module other than the one that builds the task reads it.
    """

    name: str
    model: HookedTransformer
    positive: torch.Tensor
    negative: torch.Tensor
    ground_truth: GroundTruth | None = None
    model_source: str = "pretrained"
    description: str = ""
    answers: Answers | None = None
    negatives_keep_output: bool = False
    head_owner: tuple[tuple[str, ...], ...] | None = None
    token_values: tuple[str, ...] | None = None
    tokenizer_name: str | None = None
    positive_texts: tuple[str, ...] | None = None
    negative_texts: tuple[str, ...] | None = None
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
        self._check_answers()
        self._check_head_owner()
        if self.token_values is not None and len(self.token_values) != self.model.cfg.d_vocab:
            raise ValueError(
                f"token_values holds {len(self.token_values)} values for a vocabulary of "
                f"{self.model.cfg.d_vocab} tokens; give one value per token id"
            )
        for label, texts, prompts in (
            ("positive", self.positive_texts, self.positive),
            ("negative", self.negative_texts, self.negative),
        ):
            if texts is not None and len(texts) != prompts.shape[0]:
                raise ValueError(
                    f"{label}_texts holds {len(texts)} texts for {prompts.shape[0]} {label} "
                    "prompts; give the text of every prompt, in order"
                )

    def _check_answers(self) -> None:
        if self.answers is None:
            return
        if not isinstance(self.answers, Answers):
            raise TypeError(
                f"answers must be an Answers, got {type(self.answers).__name__}; "
                "wrap the tokens: Answers(correct=..., wrong=...)"
            )
        n_pos, d_vocab_out = self.positive.shape[0], int(self.model.cfg.d_vocab_out)
        if self.answers.correct.shape[0] != n_pos:
            raise ValueError(
                f"answers hold {self.answers.correct.shape[0]} tokens for {n_pos} positive "
                "prompts; give one correct and one wrong token per positive prompt"
            )
        for label, tokens_N in (("correct", self.answers.correct), ("wrong", self.answers.wrong)):
            if int(tokens_N.min()) < 0 or int(tokens_N.max()) >= d_vocab_out:
                raise ValueError(
                    f"answers.{label} holds token ids outside [0, {d_vocab_out}); "
                    "they were tokenized for another model"
                )

    def _check_head_owner(self) -> None:
        if self.head_owner is None:
            return
        shape = (len(self.head_owner), *{len(row) for row in self.head_owner})
        if shape != (self.n_layers, self.n_heads):
            raise ValueError(
                f"head_owner has rows of shape {shape}; expected one owner per head, "
                f"[n_layers={self.n_layers}][n_heads={self.n_heads}]"
            )

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
        return is_stand_in(self.model_source)

    @property
    def label(self) -> str:
        """Task name, marked when the model is a random-weight stand-in."""
        return label_source(self.name, self.model_source)


def softmax(x: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over all entries (the paper's temperature 1)."""
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(x - x.max())
    return z / z.sum()


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
    Our SAE method returns the subclass :class:`Discovery`, which adds its codes,
    stage timings and typed SAE settings.
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

    n_layers = axis_size("node_scores", 0, "Layers of the scored model.")
    n_heads = axis_size("node_scores", 1, "Heads per layer of the scored model.")

    @property
    def is_stand_in(self) -> bool:
        """True for random-weight stand-ins, whose numbers are never the paper's."""
        return is_stand_in(self.model_source)

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


@dataclass(frozen=True, eq=False, kw_only=True)
class Discovery(HeadScores):
    """What one seed of the SAE method found: a :class:`HeadScores` with the method's extras.

    Higher scores = more likely in the circuit. ``method`` is "sae".
    ``node_scores``: float [n_layers, n_heads], unique positive-only codes per head.
    ``edge_scores``: float [H, H], symmetric, positive-only code pairs per head pair.
    ``edge_node_scores``: float [n_layers, n_heads], a head score from the edge matrix
    (rule: ``sae_config.effective_edge_head_score``).
    ``codes_pos`` int [N_pos_rows, H], ``codes_neg`` int [N_neg_rows, H]: argmax codes of the
    counted rows (prompts, or prompt x position with ``pooling="positions"``).
    ``timings``: seconds per stage, "total" their sum (``timings["sae_steps"]`` is a count).
    ``sae_config``: the settings of the run; ``config`` is their JSON-ready record.
    ``sae_losses``: float [steps] training loss of this seed's SAE (None for k-means).

    Derived, never passed (``dataclasses.replace`` recomputes them, so they cannot go
    stale): ``selected = head_mask()`` (softmax of node score above 1/H) and
    ``seconds = timings["total"]``.
    """

    method: str = "sae"
    edge_scores: np.ndarray
    edge_node_scores: np.ndarray
    codes_pos: np.ndarray
    codes_neg: np.ndarray
    timings: dict[str, float]
    sae_config: SAEConfig
    sae_losses: np.ndarray | None = None
    seconds: float = field(init=False, default=0.0)
    selected: np.ndarray | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.edge_scores is None:
            raise ValueError("a Discovery needs its edge scores [H, H]")
        if "total" not in self.timings:
            raise ValueError(f"timings {sorted(self.timings)} lack 'total', the run's seconds")
        super().__post_init__()
        edge_node = np.asarray(self.edge_node_scores, dtype=np.float64)
        if edge_node.shape != self.node_scores.shape:
            raise ValueError(
                f"edge_node_scores have shape {edge_node.shape}; expected "
                f"{self.node_scores.shape}, the shape of node_scores"
            )
        object.__setattr__(self, "edge_node_scores", edge_node)
        # selected and seconds are derived: set here so that they always match the scores
        object.__setattr__(self, "selected", self.head_mask())
        object.__setattr__(self, "seconds", float(self.timings["total"]))

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
        """:meth:`HeadScores.to_dict` plus the head scores from edges (and the rule that
        made them: ``paper_quirks`` overrides ``config["edge_head_score"]``) and the timings."""
        return {
            **super().to_dict(),
            "edge_head_score": self.sae_config.effective_edge_head_score,
            "edge_node_scores": self.edge_node_scores.tolist(),
            "timings": self.timings,
        }
