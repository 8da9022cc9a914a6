"""Stack compiled programs and random distractor heads into one transformer.

Every program keeps its own block of residual dimensions and its own MLP hidden
units (block-diagonal weights); its heads take head slots of the same layer.
All programs read the same input tokens: the token embedding writes, for each
input token, every program's own encoding of that token into its block. The
unembedding reads only the target program's output dimensions.

Random *distractor heads* fill the remaining head slots. They read a private
block (a one-hot token embedding, a one-hot position embedding and a "sink")
and write random vectors into the sink, which no program and no unembedding
reads. Hence neither the distractor programs nor the distractor heads can
change the target's output: zero-ablating any of them leaves the logits
unchanged, exactly. Head slots within a layer are shuffled with a seeded
generator so the target's heads do not always sit in slot 0.

*Paired tokens* (``paired_tokens=True``, the tracr tasks' minimal contrast): each token
id stands for a :class:`TokenPair` of input values, a public one and a private one. The
target program reads the private value; every distractor program and every random head
reads the public one. Two prompts with the same public values are then the same input
to everything but the target. A :class:`Visibility` lets a chosen share of the random
heads read the private value too (they write a sink of their own, so the heads that
cannot see it stay blind to it through the sink as well).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from sae_core.models.tracr_compile import BOS, PAD, DenseWeights, ProgramWeights
from sae_core.types import Edge, GroundTruth, HeadId

RANDOM_OWNER = "random"
"""Owner name of random distractor heads in :attr:`StackedModel.head_owner`."""
VISIBLE_OWNER = "random-visible"
"""Owner name of random distractor heads that read the private value of paired tokens
(:class:`Visibility`); like ``RANDOM_OWNER`` heads they cannot change the output."""
EMPTY_OWNER = ""
"""Owner name of all-zero head slots (only with ``fill_random=False``)."""

_ZERO_TOL = 1e-9
_VISIBILITY_STREAM = 1
"""Second seed word of the generator that picks the visible heads: a stream apart from
the one that draws the weights, so the weights do not depend on the visibility."""


class TokenPair(NamedTuple):
    """The two input values one token id stands for with paired tokens: the target
    program reads ``private``, everything else ``public``. Shown as ``"public|private"``."""

    public: Hashable
    private: Hashable

    def __str__(self) -> str:
        return f"{self.public}|{self.private}"


@dataclass(frozen=True)
class Visibility:
    """Which random distractor heads can see the private value of paired tokens.

    ``fraction``: share of the random heads that read it, in [0, 1]; exactly
    ``round(fraction * n_random)`` heads, picked by the stack's ``seed`` (one permutation
    per seed, so the visible heads at a smaller fraction are among those at a larger one).
    ``strength``: how much of it a visible head reads, in [0, 1]: its token input is the
    public one-hot plus ``strength`` x (private one-hot - public one-hot); 0 = the same
    input on both prompts of a pair, 1 = the private value alone (orthogonal inputs where
    the pair differs). The weights it draws are those it would draw if blind.
    """

    fraction: float = 0.0
    strength: float = 1.0

    def __post_init__(self) -> None:
        for name in ("fraction", "strength"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"visibility {name}={value}; give a number in [0, 1]")

    def n_visible(self, n_random: int) -> int:
        """How many of ``n_random`` random heads are visible: ``round(fraction * n_random)``."""
        return round(self.fraction * n_random)


@dataclass(frozen=True, eq=False)
class StackedModel:
    """A stacked model's dense weights and who owns which head and dimension.

    ``head_owner[layer][head]``: the program owning the slot, ``RANDOM_OWNER``,
    ``VISIBLE_OWNER`` or ``EMPTY_OWNER``. ``program_heads[name]``: the program's real
    heads in the stack. ``token_values``: the input value of each token id, a
    :class:`TokenPair` for every non-special id when the tokens are paired.
    ``residual_blocks[name]``: ``(start, stop)`` of its residual dimensions (the
    random block is under ``RANDOM_OWNER``). ``layer_offsets[name]``: the stacked
    layer of the program's layer 0.
    """

    weights: DenseWeights
    target: str
    token_values: tuple[Hashable, ...]
    output_values: tuple[Hashable, ...] | None
    head_owner: tuple[tuple[str, ...], ...]
    program_heads: dict[str, tuple[HeadId, ...]]
    residual_blocks: dict[str, tuple[int, int]]
    layer_offsets: dict[str, int]

    @property
    def target_heads(self) -> tuple[HeadId, ...]:
        return self.program_heads[self.target]

    def heads_owned_by(self, owner: str) -> list[HeadId]:
        """Every head slot owned by ``owner`` (a program name, RANDOM_OWNER or EMPTY_OWNER)."""
        return [
            HeadId(layer, head)
            for layer, row in enumerate(self.head_owner)
            for head, who in enumerate(row)
            if who == owner
        ]

    def random_heads(self) -> list[HeadId]:
        """Every random distractor head, visible or not (``RANDOM_OWNER``, ``VISIBLE_OWNER``)."""
        return sorted(self.heads_owned_by(RANDOM_OWNER) + self.heads_owned_by(VISIBLE_OWNER))

    def visible_heads(self) -> list[HeadId]:
        """The random heads that read private values (``VISIBLE_OWNER``, :class:`Visibility`)."""
        return self.heads_owned_by(VISIBLE_OWNER)

    @property
    def paired_tokens(self) -> bool:
        """Whether token ids stand for (public, private) :class:`TokenPair` values."""
        return any(isinstance(v, TokenPair) for v in self.token_values)

    def distractor_heads(self) -> list[HeadId]:
        """Every nonempty head slot not owned by the target."""
        return [
            HeadId(layer, head)
            for layer, row in enumerate(self.head_owner)
            for head, who in enumerate(row)
            if who not in (self.target, EMPTY_OWNER)
        ]

    def ground_truth(self, source: str = "") -> GroundTruth:
        """The target's heads and the edges between them (rule: :func:`head_edges`)."""
        heads = self.target_heads
        return GroundTruth(
            heads=frozenset(heads),
            edges=frozenset(head_edges(self.weights, heads)),
            source=source or f"tracr-compiled: program {self.target!r}",
        )


def stack_programs(
    target: ProgramWeights,
    distractors: Sequence[ProgramWeights] = (),
    *,
    n_layers: int | None = None,
    n_heads: int | None = None,
    target_layer_offset: int = 0,
    fill_random: bool = True,
    d_sink: int = 16,
    qk_scale: float = 3.0,
    seed: int = 0,
    paired_tokens: bool = False,
    visibility: Visibility | None = None,
) -> StackedModel:
    """Stack ``target`` with ``distractors`` (and random heads) into one model.

    ``n_layers``/``n_heads``: at least the programs' need; ``None`` = exactly that.
    ``target_layer_offset``: stacked layer of the target's layer 0 (distractor programs
    start at layer 0). ``fill_random``: fill free head slots with random distractor heads
    (else leave them all-zero). ``qk_scale``: sharpness of random heads' attention.
    ``seed``: random heads' weights, the slot shuffle and the visible heads.
    ``paired_tokens``: token ids stand for (public, private) :class:`TokenPair` values;
    the target reads the private value, everything else the public one (the random
    heads' draws are the same either way). ``visibility``: with paired tokens, which
    random heads read the private value too (None: none of them).
    """
    visibility = visibility or Visibility()
    if visibility.fraction > 0 and not paired_tokens:
        raise ValueError(
            f"visibility fraction={visibility.fraction} needs paired_tokens=True: without "
            "paired tokens every random head already reads the one value each token has"
        )
    programs = [target, *distractors]
    offsets = _layer_offsets(target, distractors, target_layer_offset)
    n_layers_total = _n_layers_total(programs, offsets, n_layers)
    layer_heads = _program_heads_per_layer(programs, offsets, n_layers_total)
    need = max(1, max(len(h) for h in layer_heads))
    if n_heads is not None and n_heads < need:
        raise ValueError(f"n_heads={n_heads} is below the {need} heads one layer needs")
    n_heads_total = n_heads or need

    token_values = _paired_values(target.token_values) if paired_tokens else target.token_values
    layout = _Layout.of(programs, d_sink, len(token_values), paired_tokens)
    d_head = max(p.weights.d_head for p in programs)
    weights = _zero_weights(layout, n_layers_total, n_heads_total, d_head, target)
    _write_embeddings_and_mlps(weights, layout, programs, offsets, token_values)
    owner, program_heads, draws = _write_heads(
        weights, layout, programs, offsets, layer_heads, fill_random, qk_scale, seed
    )
    visible = _pick_visible(len(draws), visibility, seed)
    for i, draw in enumerate(draws):
        _place_random_head(weights, layout, draw, visibility.strength if i in visible else None)
    owner = _mark_visible(owner, [draws[i] for i in visible])
    # The unembedding reads only the target's output dimensions.
    r0, r1 = layout.blocks[target.name]
    weights.W_U[r0:r1] = target.weights.W_U
    return StackedModel(
        weights=weights,
        target=target.name,
        token_values=token_values,
        output_values=target.output_values,
        head_owner=owner,
        program_heads=program_heads,
        residual_blocks=layout.blocks,
        layer_offsets=offsets,
    )


def _layer_offsets(
    target: ProgramWeights, distractors: Sequence[ProgramWeights], target_layer_offset: int
) -> dict[str, int]:
    """Stacked layer of each program's layer 0, after checking the programs can stack:
    unique names, the target's vocab and ``max_seq_len``, a non-negative offset."""
    programs = [target, *distractors]
    names = [p.name for p in programs]
    if len(set(names)) != len(names):
        raise ValueError(f"program names must be unique, got {names}")
    token_values = target.token_values
    n_ctx = target.weights.W_pos.shape[0]
    for p in distractors:
        if set(p.token_values) != set(token_values):
            raise ValueError(
                f"program {p.name!r} was compiled for tokens {p.token_values}, the target for "
                f"{token_values}; compile every stacked program with the same vocab"
            )
        if p.weights.W_pos.shape[0] != n_ctx:
            raise ValueError(f"program {p.name!r} has another max_seq_len than the target")
    if target_layer_offset < 0:
        raise ValueError("target_layer_offset must be >= 0")
    return {p.name: (target_layer_offset if p is target else 0) for p in programs}


def _n_layers_total(
    programs: Sequence[ProgramWeights], offsets: dict[str, int], n_layers: int | None
) -> int:
    """Layers of the stack: the programs' depth, or ``n_layers`` when that is more."""
    depth = max(offsets[p.name] + p.weights.n_layers for p in programs)
    if n_layers is not None and n_layers < depth:
        raise ValueError(f"n_layers={n_layers} is below the programs' depth {depth}")
    return max(depth, n_layers or 0)


def _program_heads_per_layer(
    programs: Sequence[ProgramWeights], offsets: dict[str, int], n_layers_total: int
) -> list[list[tuple[int, int]]]:
    """Real heads per stacked layer: (program index, head in the program's layer)."""
    layer_heads: list[list[tuple[int, int]]] = [[] for _ in range(n_layers_total)]
    for i, p in enumerate(programs):
        for layer, head in zip(*np.nonzero(p.head_mask), strict=True):
            layer_heads[offsets[p.name] + int(layer)].append((i, int(head)))
    return layer_heads


@dataclass(frozen=True)
class _Layout:
    """Where everything sits in the stacked residual stream and MLP hidden units.

    ``blocks``: program name -> ``(start, stop)`` residual dimensions, then
    ``RANDOM_OWNER`` -> the random heads' private block ``(tok0, d_model)``, which holds
    a one-hot embedding of each token's (public) value from ``tok0``, a one-hot position
    embedding from ``pos0`` and the sink from ``sink0``; with paired tokens also a
    one-hot of the private value from ``priv0`` and the visible heads' sink from
    ``vsink0`` (else both None). ``mlp_blocks``: program name -> ``(start, stop)`` hidden
    units. ``n_values``: input values (the programs' vocabulary with BOS and PAD);
    ``d_vocab``: token ids (``n_values``, or one per pair with paired tokens); ``n_ctx``:
    the target's (every program shares them).
    """

    blocks: dict[str, tuple[int, int]]
    mlp_blocks: dict[str, tuple[int, int]]
    tok0: int
    priv0: int | None
    pos0: int
    sink0: int
    vsink0: int | None
    d_sink: int
    d_model: int
    d_mlp: int
    n_values: int
    d_vocab: int
    n_ctx: int

    @staticmethod
    def of(
        programs: Sequence[ProgramWeights], d_sink: int, d_vocab: int, paired_tokens: bool
    ) -> _Layout:
        """Programs' blocks side by side in order, then the random heads' block."""
        n_values = len(programs[0].token_values)
        n_ctx = programs[0].weights.W_pos.shape[0]
        starts = np.cumsum([0] + [p.weights.d_model for p in programs])
        blocks = {p.name: (int(starts[i]), int(starts[i + 1])) for i, p in enumerate(programs)}
        tok0 = int(starts[-1])
        priv0 = tok0 + n_values if paired_tokens else None
        pos0 = tok0 + n_values * (2 if paired_tokens else 1)
        sink0 = pos0 + n_ctx
        vsink0 = sink0 + d_sink if paired_tokens else None
        d_model = sink0 + d_sink * (2 if paired_tokens else 1)
        blocks[RANDOM_OWNER] = (tok0, d_model)
        mlp_starts = np.cumsum([0] + [p.weights.d_mlp for p in programs])
        mlp_blocks = {
            p.name: (int(mlp_starts[i]), int(mlp_starts[i + 1])) for i, p in enumerate(programs)
        }
        d_mlp = max(1, int(mlp_starts[-1]))
        return _Layout(blocks, mlp_blocks, tok0, priv0, pos0, sink0, vsink0, d_sink, d_model,
                       d_mlp, n_values, d_vocab, n_ctx)

    @property
    def n_read(self) -> int:
        """Rows a random head draws read weights for: one token one-hot, positions, a sink."""
        return self.n_values + self.n_ctx + self.d_sink


def _paired_values(values: tuple[Hashable, ...]) -> tuple[Hashable, ...]:
    """Token values with paired tokens: a :class:`TokenPair` for every (public, private)
    pair of input values, then BOS and PAD as themselves."""
    inputs = [v for v in values if v not in (BOS, PAD)]
    return (*(TokenPair(a, b) for a in inputs for b in inputs), BOS, PAD)


def _value_ids(
    token_values: tuple[Hashable, ...], program_values: tuple[Hashable, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Per token id, the index in ``program_values`` of its public and of its private
    value, int [d_vocab] each (the same index twice for an unpaired token)."""
    index = {v: i for i, v in enumerate(program_values)}
    public = [index[v.public if isinstance(v, TokenPair) else v] for v in token_values]
    private = [index[v.private if isinstance(v, TokenPair) else v] for v in token_values]
    return np.array(public), np.array(private)


def encode_pairs(
    public_NL: np.ndarray, private_NL: np.ndarray, token_values: tuple[Hashable, ...]
) -> torch.Tensor:
    """LongTensor [N, L+1]: BOS followed by the token id of each (public, private) pair of
    input values (``token_values`` of a stack with paired tokens)."""
    lookup = {v: i for i, v in enumerate(token_values)}
    public_NL, private_NL = np.asarray(public_NL), np.asarray(private_NL)
    if public_NL.shape != private_NL.shape:
        raise ValueError(
            f"public values have shape {public_NL.shape}, private {private_NL.shape}; give "
            "one of each per position"
        )
    ids = np.vectorize(lambda a, b: lookup[TokenPair(a, b)], otypes=[np.int64])(
        public_NL, private_NL
    )
    bos = np.full((ids.shape[0], 1), lookup[BOS], dtype=np.int64)
    return torch.from_numpy(np.concatenate([bos, ids], axis=1))


def _zero_weights(
    layout: _Layout, n_layers: int, n_heads: int, d_head: int, target: ProgramWeights
) -> DenseWeights:
    """All-zero (writable) weights of the stacked shape, to be filled in place."""
    d_model, d_mlp = layout.d_model, layout.d_mlp
    W_Q = np.zeros((n_layers, n_heads, d_model, d_head))
    return DenseWeights(
        W_E=np.zeros((layout.d_vocab, d_model)),
        W_pos=np.zeros((layout.n_ctx, d_model)),
        W_Q=W_Q,
        W_K=np.zeros_like(W_Q),
        W_V=np.zeros_like(W_Q),
        W_O=np.zeros((n_layers, n_heads, d_head, d_model)),
        W_in=np.zeros((n_layers, d_model, d_mlp)),
        W_out=np.zeros((n_layers, d_mlp, d_model)),
        W_U=np.zeros((d_model, target.weights.W_U.shape[1])),
    )


def _write_embeddings_and_mlps(
    weights: DenseWeights,
    layout: _Layout,
    programs: Sequence[ProgramWeights],
    offsets: dict[str, int],
    token_values: tuple[Hashable, ...],
) -> None:
    """Write each program's embeddings and MLPs into its blocks, and the random heads'
    one-hot token and position embeddings, in place.

    Every token embeds the target's encoding of its private value and every other
    program's encoding of its public value (the same value, unless tokens are paired).
    """
    target = programs[0]
    for p in programs:
        w, (r0, r1), off = p.weights, layout.blocks[p.name], offsets[p.name]
        m0, m1 = layout.mlp_blocks[p.name]
        public, private = _value_ids(token_values, p.token_values)
        weights.W_E[:, r0:r1] = w.W_E[private if p is target else public]
        weights.W_pos[:, r0:r1] = w.W_pos
        weights.W_in[off : off + w.n_layers, r0:r1, m0:m1] = w.W_in
        weights.W_out[off : off + w.n_layers, m0:m1, r0:r1] = w.W_out
    public, private = _value_ids(token_values, target.token_values)
    ids, n_ctx = np.arange(layout.d_vocab), layout.n_ctx
    weights.W_E[ids, layout.tok0 + public] = 1.0
    if layout.priv0 is not None:
        weights.W_E[ids, layout.priv0 + private] = 1.0
    weights.W_pos[np.arange(n_ctx), layout.pos0 + np.arange(n_ctx)] = 1.0


def _write_heads(
    weights: DenseWeights,
    layout: _Layout,
    programs: Sequence[ProgramWeights],
    offsets: dict[str, int],
    layer_heads: Sequence[Sequence[tuple[int, int]]],
    fill_random: bool,
    qk_scale: float,
    seed: int,
) -> tuple[tuple[tuple[str, ...], ...], dict[str, tuple[HeadId, ...]], list[_RandomDraw]]:
    """Shuffle each layer's head slots, write the program heads and draw the random ones.

    Returns the owner of every slot, per layer, each program's heads in the stack, and
    the random heads' draws in slot order (placed by :func:`_place_random_head`).
    """
    rng = np.random.default_rng(seed)
    draws: list[_RandomDraw] = []
    free_slot = RANDOM_OWNER if fill_random else EMPTY_OWNER
    owner: list[tuple[str, ...]] = []
    program_heads: dict[str, list[HeadId]] = {p.name: [] for p in programs}
    for layer, heads in enumerate(layer_heads):
        slots: list[tuple[int, int] | str] = list(heads)
        slots += [free_slot] * (weights.n_heads - len(heads))
        slots = [slots[j] for j in rng.permutation(len(slots))]
        row: list[str] = []
        for slot, item in enumerate(slots):
            if isinstance(item, str):
                row.append(item)
                if item == RANDOM_OWNER:
                    draws.append(_draw_random_head(layout, layer, slot, weights.d_head,
                                                   qk_scale, rng))
                continue
            i, head = item
            p = programs[i]
            _copy_program_head(weights, layout, p, layer - offsets[p.name], head, layer, slot)
            row.append(p.name)
            program_heads[p.name].append(HeadId(layer, slot))
        owner.append(tuple(row))
    return tuple(owner), {k: tuple(sorted(v)) for k, v in program_heads.items()}, draws


@dataclass(frozen=True, eq=False)
class _RandomDraw:
    """A random distractor head's weights before they are placed: ``W_Q``, ``W_K``,
    ``W_V`` [n_read, d_head] over the rows (token one-hot, positions, sink) it reads,
    ``W_O`` [d_head, d_sink] onto the sink it writes."""

    head: HeadId
    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    W_O: np.ndarray


def _draw_random_head(
    layout: _Layout, layer: int, slot: int, d_head: int, qk_scale: float,
    rng: np.random.Generator,
) -> _RandomDraw:
    """Draw the random head of ``(layer, slot)``: W_Q, W_K, W_V, W_O from ``rng``, in
    that order."""
    n_read = layout.n_read
    std_qk, std_v = qk_scale / np.sqrt(n_read), 1 / np.sqrt(n_read)
    W_Q = rng.normal(0, std_qk, (n_read, d_head))
    W_K = rng.normal(0, std_qk, (n_read, d_head))
    W_V = rng.normal(0, std_v, (n_read, d_head))
    W_O = rng.normal(0, 1 / np.sqrt(d_head), (d_head, layout.d_sink))
    return _RandomDraw(HeadId(layer, slot), W_Q, W_K, W_V, W_O)


def _place_random_head(
    weights: DenseWeights, layout: _Layout, draw: _RandomDraw, visible_strength: float | None
) -> None:
    """Write a drawn random head into its slot, in place. It reads the private block and
    writes only a sink. Blind (``visible_strength`` None): it reads the public token
    one-hot, the positions and the sink, and writes the sink. Visible: its token rows are
    split as ``(1 - strength)`` on the public one-hot and ``strength`` on the private one,
    and it reads and writes the visible heads' sink, which no blind head reads."""
    n_values, layer, slot = layout.n_values, draw.head.layer, draw.head.head
    tok_rows = np.arange(layout.tok0, layout.tok0 + n_values)
    sink0 = layout.sink0 if visible_strength is None else layout.vsink0
    rest = np.r_[layout.pos0 : layout.pos0 + layout.n_ctx, sink0 : sink0 + layout.d_sink]
    for W, drawn in ((weights.W_Q, draw.W_Q), (weights.W_K, draw.W_K), (weights.W_V, draw.W_V)):
        if visible_strength is None:
            W[layer, slot, tok_rows, :] = drawn[:n_values]
        else:
            W[layer, slot, tok_rows, :] = (1.0 - visible_strength) * drawn[:n_values]
            W[layer, slot, layout.priv0 + np.arange(n_values), :] = (
                visible_strength * drawn[:n_values]
            )
        W[layer, slot, rest, :] = drawn[n_values:]
    weights.W_O[layer, slot, :, sink0 : sink0 + layout.d_sink] = draw.W_O


def _pick_visible(n_random: int, visibility: Visibility, seed: int) -> set[int]:
    """Indices (in slot order) of the random heads that see private values: the first
    :meth:`Visibility.n_visible` of one permutation drawn from ``(seed, stream)``."""
    order = np.random.default_rng([seed, _VISIBILITY_STREAM]).permutation(n_random)
    return {int(i) for i in order[: visibility.n_visible(n_random)]}


def _mark_visible(
    owner: tuple[tuple[str, ...], ...], draws: Sequence[_RandomDraw]
) -> tuple[tuple[str, ...], ...]:
    """``owner`` with the slots of ``draws`` renamed ``VISIBLE_OWNER``."""
    rows = [list(row) for row in owner]
    for draw in draws:
        rows[draw.head.layer][draw.head.head] = VISIBLE_OWNER
    return tuple(tuple(row) for row in rows)


def _copy_program_head(
    weights: DenseWeights,
    layout: _Layout,
    program: ProgramWeights,
    src_layer: int,
    src_head: int,
    layer: int,
    slot: int,
) -> None:
    """Copy head ``(src_layer, src_head)`` of ``program`` into ``(layer, slot)`` of the
    stack, reading and writing the program's residual block (padded to the stack's d_head)."""
    w, (r0, r1), k = program.weights, layout.blocks[program.name], program.weights.d_head
    weights.W_Q[layer, slot, r0:r1, :k] = w.W_Q[src_layer, src_head]
    weights.W_K[layer, slot, r0:r1, :k] = w.W_K[src_layer, src_head]
    weights.W_V[layer, slot, r0:r1, :k] = w.W_V[src_layer, src_head]
    weights.W_O[layer, slot, :k, r0:r1] = w.W_O[src_layer, src_head]


def head_edges(weights: DenseWeights, heads: Iterable[HeadId]) -> list[Edge]:
    """Edges among ``heads``, read off the weights.

    Rule: ``(u, d)`` with ``u.layer < d.layer`` is an edge when a residual dimension
    that ``u`` writes (a nonzero column of ``W_O[u]``) is read by ``d``'s query, key
    or value (a nonzero row of ``W_Q/W_K/W_V[d]``), either directly or through MLPs
    of layers ``u.layer .. d.layer - 1``: an MLP hidden unit whose input row touches
    the dimensions reached so far adds the dimensions its output row writes. Paths
    through other heads are not followed (they are two edges). In tracr models every
    dimension is one labelled basis direction, so this support rule is exact; programs
    in separate residual blocks never connect.
    """
    heads = sorted(set(HeadId(*h) for h in heads))
    tol = _ZERO_TOL
    qkv = (weights.W_Q, weights.W_K, weights.W_V)
    writes = {h: np.abs(weights.W_O[h.layer, h.head]).max(axis=0) > tol for h in heads}
    reads = {
        h: np.stack([np.abs(m[h.layer, h.head]).max(axis=1) for m in qkv]).max(axis=0) > tol
        for h in heads
    }
    mlp_reads = np.abs(weights.W_in) > tol  # [L, d_model, d_mlp]
    mlp_writes = np.abs(weights.W_out) > tol  # [L, d_mlp, d_model]
    edges: list[Edge] = []
    for up in heads:
        reach = writes[up].copy()
        reach_at: dict[int, np.ndarray] = {}
        for layer in range(up.layer, weights.n_layers):
            units = mlp_reads[layer][reach].any(axis=0)
            if units.any():
                reach = reach | mlp_writes[layer][units].any(axis=0)
            reach_at[layer + 1] = reach.copy()  # what attention of layer + 1 can see
        for down in heads:
            if down.layer > up.layer and (reach_at[down.layer] & reads[down]).any():
                edges.append((up, down))
    return edges
