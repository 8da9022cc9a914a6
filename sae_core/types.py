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

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import torch

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    from transformer_lens import HookedTransformer

    from sae_core.config import SAEConfig  # a type only: the vocabulary imports nothing

MODEL_SOURCES = ("user", "pretrained", "random", "compiled", "trained")
"""Where a task's weights come from.

``user`` (the default of :class:`Task`): a model the user built or loaded; its numbers
are the user's, neither the paper's nor a stand-in's. ``pretrained``: a published
checkpoint from the local cache, loaded by this package's own loader (never a default).
``random``: the same architecture with random weights (a *random-weight stand-in*:
numbers made with it are never the paper's). ``compiled``: weights written by tracr
(exact truth). ``trained``: a small model trained by this package with a shipped seed.
"""

CONTRASTS = ("minimal", "rearranged")
"""How a task's negatives differ from its positives (``Task.contrast``).

``minimal``: a minimal pair, as the paper builds them (IOI: one name changed). A
positive and its negative differ only in what the circuit reads; every head outside
the circuit sees the same input on both (on the compiled tracr tasks, bit-identical,
tested). This is the regime the method assumes. ``rearranged``: the negative is the
positive's own tokens rearranged (sorted, palindromic, reordered): every head that
reads token order sees the contrast, circuit or not. A stress test of the method's
assumption, not the regime it claims.
"""

TASK_METRICS = ("logit_diff", "kl", "mse")
"""The behaviour a patching or gradient baseline measures on a task (``Task.metric``,
``BaselineConfig.metric``; computed in :mod:`sae_core.methods.common`).

``logit_diff``: logit[correct] - logit[wrong] at the last position (needs
``Task.answers``). ``kl``: the model's own clean prediction at every position but the
first, for models with a vocabulary of outputs (``d_vocab_out > 1``). ``mse``: the one
numerical output at every position but the first (``d_vocab_out == 1``).
"""


def check_task_metric(task: Task, metric: str, name: str) -> None:
    """ValueError unless ``metric`` (one of :data:`TASK_METRICS`, given as ``name``) can
    be measured on ``task``: the logit difference needs answers, "kl" a vocabulary of
    outputs, "mse" one numerical output."""
    n_out = int(task.model.cfg.d_vocab_out)
    if metric not in TASK_METRICS:
        raise ValueError(f"{name}={metric!r}; use one of {TASK_METRICS}")
    if metric == "logit_diff" and task.answers is None:
        raise ValueError(
            f"{name}='logit_diff' needs the task's answers; build the task with "
            "answers=Answers(correct=..., wrong=...) (the correct and wrong next token of "
            "each positive), or choose 'kl' or 'mse'"
        )
    if metric == "kl" and n_out == 1:
        raise ValueError(
            f"{name}='kl' on a model with one output (d_vocab_out=1): a KL divergence over "
            "one logit is always zero; use 'mse'"
        )
    if metric == "mse" and n_out != 1:
        raise ValueError(
            f"{name}='mse' compares one numerical output, but the model has "
            f"d_vocab_out={n_out} outputs; use 'kl' (or 'logit_diff' with answers)"
        )

STAND_IN_LABEL = "random-weight stand-in"
"""How every table, title and record names a model with ``model_source="random"``."""


def is_stand_in(model_source: str) -> bool:
    """True for ``model_source="random"``: a random-weight stand-in, never the paper's."""
    return model_source == "random"


def label_source(name: str, model_source: str) -> str:
    """``name``, marked ``"name (random-weight stand-in)"`` when ``model_source`` is
    "random" (numbers made with it are never the paper's); unchanged otherwise."""
    return f"{name} ({STAND_IN_LABEL})" if is_stand_in(model_source) else name


@dataclass(frozen=True)
class FileRecord:
    """One file read from the Hugging Face cache: its name in the snapshot and its SHA-256."""

    name: str
    sha256: str


@dataclass(frozen=True)
class ModelProvenance:
    """What exactly a pretrained model was loaded from (``models.pretrained.load_pretrained``).

    ``model``: our name (e.g. "gpt2"); ``repo_id`` / ``commit``: the hub repository and the
    snapshot's commit; ``weights``: every weight file read, with SHA-256; ``config``: the
    config file read; ``tokenizer_repo`` / ``tokenizer_commit`` / ``tokenizer_files``: the
    same for the tokenizer (the weights' repo unless the model keeps it elsewhere);
    ``cache``: the hub cache directory.
    """

    model: str
    repo_id: str
    commit: str
    weights: tuple[FileRecord, ...]
    config: FileRecord
    tokenizer_repo: str
    tokenizer_commit: str
    tokenizer_files: tuple[FileRecord, ...]
    cache: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (file records as ``{"name", "sha256"}``)."""
        return asdict(self)

    def summary(self) -> str:
        """One line: repo@commit, the SHA-256 of each weight file, the tokenizer's repo@commit."""
        weights = ", ".join(f"{w.name} sha256 {w.sha256}" for w in self.weights)
        return (
            f"{self.model}: pretrained {self.repo_id}@{self.commit} ({weights}); tokenizer "
            f"{self.tokenizer_repo}@{self.tokenizer_commit}"
        )


NO_PROVENANCE_LABEL = "pretrained (no provenance)"
"""How tables name ``model_source="pretrained"`` when no :class:`ModelProvenance` was
recorded (a user's own model): "pretrained" alone is kept for recorded checkpoints."""


def source_label(model_source: str, provenance: ModelProvenance | None) -> str:
    """How tables name a model's weights: :data:`STAND_IN_LABEL` for "random",
    "pretrained" only with a provenance record (else :data:`NO_PROVENANCE_LABEL`), otherwise
    ``model_source`` itself."""
    if is_stand_in(model_source):
        return STAND_IN_LABEL
    if model_source == "pretrained" and provenance is None:
        return NO_PROVENANCE_LABEL
    return model_source


def describe_model(model_source: str, provenance: ModelProvenance | None) -> str:
    """What a model is, in one line: its checkpoint (:meth:`ModelProvenance.summary`) when
    recorded, else its source as tables name it (:func:`source_label`)."""
    return provenance.summary() if provenance is not None else source_label(model_source, None)


def _check_provenance(model_source: str, provenance: ModelProvenance | None) -> None:
    if provenance is None:
        return
    if not isinstance(provenance, ModelProvenance):
        raise TypeError(
            f"provenance must be a ModelProvenance, got {type(provenance).__name__}; "
            "take it from sae_core.models.pretrained.load_pretrained"
        )
    if model_source != "pretrained":
        raise ValueError(
            f"a provenance record ({provenance.repo_id}) belongs to model_source='pretrained', "
            f"not {model_source!r}; drop the record or fix the source"
        )


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

    def check_inside(self, n_layers: int, n_heads: int) -> None:
        """ValueError naming the first head or edge that lies outside an
        ``n_layers`` x ``n_heads`` model."""
        edge_heads = [(f"edge {a}->{b}", h) for a, b in self.edges or () for h in (a, b)]
        for what, h in [(f"head {h}", h) for h in self.heads] + edge_heads:
            if not (0 <= h.layer < n_layers and 0 <= h.head < n_heads):
                raise ValueError(
                    f"ground-truth {what} names head {h}, which lies outside a "
                    f"{n_layers}x{n_heads} model (layers 0..{n_layers - 1}, heads "
                    f"0..{n_heads - 1}); check that the truth belongs to this model"
                )

    def head_labels(self, n_layers: int, n_heads: int) -> np.ndarray:
        """Boolean [n_layers, n_heads] mask of the circuit's heads."""
        self.check_inside(n_layers, n_heads)
        labels = np.zeros((n_layers, n_heads), dtype=bool)
        for h in self.heads:
            labels[h.layer, h.head] = True
        return labels

    def edge_labels(self, n_layers: int, n_heads: int) -> np.ndarray | None:
        """Symmetric boolean [H, H] matrix of edges (None without edge truth)."""
        if self.edges is None:
            return None
        self.check_inside(n_layers, n_heads)
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


def _check_token_ids(label: str, ids: torch.Tensor, n_ids: int, width: str) -> None:
    """ValueError unless every id in ``ids`` indexes the model's ``n_ids`` tokens."""
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= n_ids):
        raise ValueError(
            f"{label} hold token ids from {int(ids.min())} to {int(ids.max())}, outside "
            f"[0, {n_ids}) (model.cfg.{width}={n_ids}); every id must index the model's "
            "vocabulary. Likely causes: a tokenizer other than the model's, padding or "
            "masking ids such as -1 or -100, or ids of a larger vocabulary"
        )


@dataclass(frozen=True, eq=False)
class Task:
    """A model, its positive and negative prompts, and the truth to score against.

    ``positive``: LongTensor [N_pos, T] - prompts on which the model needs the circuit.
    ``negative``: LongTensor [N_neg, T'] - prompts on which it does not.
    All prompts of one set share one token length (at most the model's ``n_ctx``); the
    two sets may differ. The SAE method trains on ``SAEConfig.n_train`` prompts of each
    set and counts codes on the rest: with the defaults, at least 11 per set.
    ``model_source``: where the weights come from (:data:`MODEL_SOURCES`); "user" (the
    default) for a model of one's own.
    Build one for any HookedTransformer; ``load_task`` builds the registered ones.

    Optional facts about the task, each read by other modules:

    * ``answers``: :class:`Answers` (correct / wrong token per positive, [N_pos] each,
      ids below ``d_vocab_out``), or None where the task names no answers. Present, it
      makes the task's metric the logit difference (``methods.common.metric_kind``: the
      baselines ACDC, EAP, EAP-IG, SP, HISP) and it is what ``faithfulness`` measures.
      Without it (and without ``metric``), those baselines stop with an error naming the
      fix unless their config names a metric (``BaselineConfig.metric``).
    * ``metric``: the behaviour the baselines measure when their config says "auto",
      one of :data:`TASK_METRICS`, or None (the logit difference where ``answers`` are
      given). The tracr tasks, which name no answers, declare "kl" or "mse".
    * ``negatives_keep_output``: True where a negative gives the same output as its
      positive (tracr sort / sort_freq), so patching baselines resample positives as
      their corruption instead (``methods.common.corrupt_source``).
    * ``head_owner``: for models stacked from tracr programs, ``head_owner[layer][head]``
      is the program owning the head, ``"random"`` for a random distractor head
      (``"random-visible"`` for one that reads what a minimal pair changes), ``""``
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
    * ``contrast``: how the negatives differ from the positives, one of
      :data:`CONTRASTS` ("minimal" pairs, as the paper builds them, or "rearranged"
      tokens, a stress test), or None where the task does not say. Shown in every table
      beside the task (the regime a number was measured in).
    * ``provenance``: for ``model_source="pretrained"``, the :class:`ModelProvenance` of
      the checkpoint (repo, commit, SHA-256 of every file read, tokenizer), set by the
      package's loaders; None for other sources and for a user's own model (whose tables
      then say :data:`NO_PROVENANCE_LABEL`). Copied into every result and record.

    ``metadata``: free-form provenance (seed, per-pair info, thresholds, training record);
    no module other than the one that builds the task reads it.
    """

    name: str
    model: HookedTransformer
    positive: torch.Tensor
    negative: torch.Tensor
    ground_truth: GroundTruth | None = None
    model_source: str = "user"
    description: str = ""
    answers: Answers | None = None
    metric: str | None = None
    negatives_keep_output: bool = False
    head_owner: tuple[tuple[str, ...], ...] | None = None
    token_values: tuple[str, ...] | None = None
    tokenizer_name: str | None = None
    positive_texts: tuple[str, ...] | None = None
    negative_texts: tuple[str, ...] | None = None
    contrast: str | None = None
    provenance: ModelProvenance | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.contrast is not None and self.contrast not in CONTRASTS:
            raise ValueError(
                f"contrast={self.contrast!r}; use one of {CONTRASTS} (or None where the "
                "negatives follow neither design)"
            )
        if self.model_source not in MODEL_SOURCES:
            raise ValueError(
                f"model_source={self.model_source!r}; use one of {MODEL_SOURCES}"
            )
        _check_provenance(self.model_source, self.provenance)
        if not hasattr(self.model, "cfg"):
            raise TypeError(
                f"model has type {type(self.model).__name__}; give a "
                "transformer_lens.HookedTransformer"
            )
        for label, prompts in (("positive", self.positive), ("negative", self.negative)):
            if not isinstance(prompts, torch.Tensor):
                raise TypeError(
                    f"{label} prompts must be a LongTensor [N, T] of token ids, got "
                    f"{type(prompts).__name__}; tokenize them with the model's tokenizer "
                    "(model.to_tokens(texts) where the model has one), or pass token ids: "
                    "torch.tensor(ids, dtype=torch.long)"
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
            _check_token_ids(f"{label} prompts", prompts, int(self.model.cfg.d_vocab), "d_vocab")
            n_ctx = int(self.model.cfg.n_ctx)
            if prompts.shape[1] > n_ctx:
                raise ValueError(
                    f"{label} prompts are {prompts.shape[1]} tokens long; the model reads at "
                    f"most n_ctx={n_ctx} (model.cfg.n_ctx): shorten or filter them to "
                    f"{n_ctx} tokens"
                )
        if self.ground_truth is not None:
            if not isinstance(self.ground_truth, GroundTruth):
                raise TypeError(
                    f"ground_truth has type {type(self.ground_truth).__name__}; wrap the "
                    "heads: GroundTruth(heads={(layer, head), ...}, edges=None)"
                )
            self.ground_truth.check_inside(self.n_layers, self.n_heads)
        self._check_answers()
        if self.metric is not None:
            check_task_metric(self, self.metric, "metric")
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
            _check_token_ids(f"answers.{label}", tokens_N, d_vocab_out, "d_vocab_out")

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

    def result_fields(self) -> dict[str, Any]:
        """What every method's :class:`HeadScores` copies from its task: ``task_name``,
        ``model_source`` and ``provenance`` (keyword arguments of the result)."""
        return {
            "task_name": self.name,
            "model_source": self.model_source,
            "provenance": self.provenance,
        }


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
    ``provenance``: the task's :class:`ModelProvenance` (pretrained checkpoints), else None.
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
    provenance: ModelProvenance | None = None

    def __post_init__(self) -> None:
        _check_provenance(self.model_source, self.provenance)
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
            "provenance": None if self.provenance is None else self.provenance.to_dict(),
        }


@dataclass(frozen=True, eq=False)
class NullCalibration:
    """Each head's positive-only code count against a permutation null of its labels.

    Made by ``sae_core.scores.null_calibration`` (``null_calibrate(discovery)``,
    ``Discovery.null_calibration()``): the counted positive and negative rows are
    relabelled at random ``n_permutations`` times (generator seed ``seed``), keeping
    the set sizes, and each head's count is made again. Arrays are float [H], heads
    flat and layer-major (``index = layer * n_heads + head``):

    ``count_H``: the raw count (the node score). ``null_mean_H``, ``null_sd_H``: the
    null's mean and sd. ``z_H``: (count - mean) / sd (+-inf where the null never varies
    and the count differs from it, 0 where it equals it). ``p_H``: one-sided permutation
    p-value, (1 + #{null count >= count}) / (1 + n_permutations), never below
    1 / (1 + n_permutations). Small p: the head responds to the contrast beyond chance,
    not merely through having many codes.
    """

    count_H: np.ndarray
    null_mean_H: np.ndarray
    null_sd_H: np.ndarray
    z_H: np.ndarray
    p_H: np.ndarray
    n_permutations: int
    seed: int

    def __post_init__(self) -> None:
        n_heads = np.shape(self.count_H)
        for name in ("count_H", "null_mean_H", "null_sd_H", "z_H", "p_H"):
            value = np.asarray(getattr(self, name), dtype=np.float64)
            if value.ndim != 1 or value.shape != n_heads:
                raise ValueError(
                    f"NullCalibration.{name} has shape {value.shape}; expected {n_heads}, "
                    "one entry per head (flat, layer-major)"
                )
            object.__setattr__(self, name, value)

    def significant(self, alpha: float = 0.05) -> np.ndarray:
        """Bool [H]: heads whose count exceeds the null, false discovery rate <= ``alpha``.

        Benjamini-Hochberg over all heads: with p-values sorted ascending, p_(1) <= ...
        <= p_(H), keep the k smallest for the largest k with p_(k) <= k * alpha / H.
        The smallest reachable p is 1 / (1 + n_permutations), so no head can pass unless
        n_permutations >= H / alpha - 1.
        """
        alpha = _check_alpha(alpha)
        n_heads = self.p_H.size
        order = np.argsort(self.p_H, kind="stable")
        passes = self.p_H[order] <= alpha * np.arange(1, n_heads + 1) / n_heads
        keep = np.zeros(n_heads, dtype=bool)
        if passes.any():
            keep[order[: np.flatnonzero(passes)[-1] + 1]] = True
        return keep


def _check_alpha(alpha: float) -> float:
    """``alpha`` as a float in (0, 1), or an error naming the fix."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.number)):
        raise TypeError(f"alpha={alpha!r}; give a false discovery rate in (0, 1), e.g. 0.05")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha}; give a false discovery rate in (0, 1), e.g. 0.05")
    return float(alpha)


DEFAULT_NULL_PERMUTATIONS = 200
"""Label permutations of a :class:`NullCalibration` unless told otherwise."""

CIRCUIT_RULES = ("null", "paper")
"""Rules of :meth:`Discovery.circuit`: "null" (the default: heads beyond a permutation
null, Benjamini-Hochberg) and "paper" (softmax of the node score above ``theta``)."""


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
    ``null_calibrator``: the function that calibrates these codes against a permutation
    null, ``f(discovery, n_permutations, seed) -> NullCalibration``
    (``sae_core.scores.null_calibrate``, set by ``discover``; this module cannot import
    it). :meth:`null_calibration` and the default :meth:`circuit` call it.

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
    null_calibrator: Callable[[Discovery, int, int], NullCalibration] | None = field(
        default=None, repr=False
    )
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
        """Boolean [n_layers, n_heads]: softmax(node score) > theta (the paper's rule).

        ``theta=None`` uses 1/H, the uniform level: heads scoring above average. A
        softmax never exceeds 1, so ``theta`` must lie in [0, 1).
        """
        probs = self.node_softmax()
        if theta is None:
            theta = 1.0 / probs.size
        if isinstance(theta, bool) or not isinstance(theta, (int, float, np.number)):
            raise TypeError(f"theta={theta!r}; give a number in [0, 1) or None (1/H)")
        if not 0 <= theta < 1:
            raise ValueError(
                f"theta={theta}; the softmax of the node scores lies in [0, 1] and sums to 1, "
                f"so give theta in [0, 1) (None: the uniform level 1/H = {1.0 / probs.size:.4g})"
            )
        return probs > theta

    def null_calibration(
        self, n_permutations: int = DEFAULT_NULL_PERMUTATIONS, seed: int = 0
    ) -> NullCalibration:
        """Each head's count against a permutation null of its codes' labels (no retraining).

        ``null_calibration().significant()``: the heads that respond to the contrast beyond
        chance. See :class:`NullCalibration` and ``sae_core.scores.null_calibration``.
        """
        if self.null_calibrator is None:
            raise ValueError(
                "this Discovery has no null_calibrator (it was not made by discover); use "
                "sae_core.scores.null_calibrate(discovery), or "
                "dataclasses.replace(discovery, null_calibrator=sae_core.scores.null_calibrate)"
            )
        return self.null_calibrator(self, n_permutations, seed)

    def circuit(
        self,
        rule: str = "null",
        *,
        alpha: float | None = None,
        theta: float | None = None,
        n_permutations: int | None = None,
        seed: int = 0,
    ) -> list[HeadId]:
        """The heads this seed calls its circuit, as HeadIds (layer-major order).

        ``rule="null"`` (default): heads whose positive-only code count exceeds a
        permutation null of the positive/negative labels (:meth:`null_calibration`), with
        the false discovery rate over heads held at ``alpha`` (default 0.05) by
        Benjamini-Hochberg (:meth:`NullCalibration.significant`). ``n_permutations``
        defaults to max(200, ceil(H / alpha)), enough for a single head to pass; ``seed``
        seeds the permutations (fixed: the same call gives the same heads).

        ``rule="paper"``: the paper's rule, softmax(node score) > ``theta`` (default 1/H;
        :meth:`head_mask`, which is also ``selected`` and what ``evaluate`` scores).
        """
        if rule not in CIRCUIT_RULES:
            raise ValueError(
                f"rule={rule!r}; use one of {CIRCUIT_RULES} (a softmax threshold goes in "
                "theta: circuit(rule='paper', theta=0.1))"
            )
        if rule == "paper":
            if alpha is not None or n_permutations is not None:
                raise ValueError("alpha and n_permutations belong to rule='null'; give theta")
            mask = self.head_mask(theta)
        else:
            if theta is not None:
                raise ValueError("theta belongs to rule='paper' (circuit(rule='paper', theta=...))")
            alpha = 0.05 if alpha is None else _check_alpha(alpha)
            if n_permutations is None:
                n_permutations = max(200, math.ceil(self.node_scores.size / alpha))
            calibration = self.null_calibration(n_permutations, seed)
            mask = calibration.significant(alpha).reshape(self.node_scores.shape)
        layers, heads = np.nonzero(mask)
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
