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
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from sae_core.models.tracr_compile import DenseWeights, ProgramWeights
from sae_core.types import Edge, GroundTruth, HeadId

RANDOM_OWNER = "random"
"""Owner name of random distractor heads in :attr:`StackedModel.head_owner`."""
EMPTY_OWNER = ""
"""Owner name of all-zero head slots (only with ``fill_random=False``)."""

_ZERO_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class StackedModel:
    """A stacked model's dense weights and who owns which head and dimension.

    ``head_owner[layer][head]``: the program owning the slot, ``RANDOM_OWNER`` or
    ``EMPTY_OWNER``. ``program_heads[name]``: the program's real heads in the stack.
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
) -> StackedModel:
    """Stack ``target`` with ``distractors`` (and random heads) into one model.

    ``n_layers``/``n_heads``: at least the programs' need; ``None`` = exactly that.
    ``target_layer_offset``: stacked layer of the target's layer 0 (distractor programs
    start at layer 0). ``fill_random``: fill free head slots with random distractor heads
    (else leave them all-zero). ``qk_scale``: sharpness of random heads' attention.
    ``seed``: random heads' weights and the slot shuffle.
    """
    programs = [target, *distractors]
    offsets = _layer_offsets(target, distractors, target_layer_offset)
    n_layers_total = _n_layers_total(programs, offsets, n_layers)
    layer_heads = _program_heads_per_layer(programs, offsets, n_layers_total)
    need = max(1, max(len(h) for h in layer_heads))
    if n_heads is not None and n_heads < need:
        raise ValueError(f"n_heads={n_heads} is below the {need} heads one layer needs")
    n_heads_total = n_heads or need

    layout = _Layout.of(programs, d_sink)
    d_head = max(p.weights.d_head for p in programs)
    weights = _zero_weights(layout, n_layers_total, n_heads_total, d_head, target)
    _write_embeddings_and_mlps(weights, layout, programs, offsets)
    owner, program_heads = _write_heads(
        weights, layout, programs, offsets, layer_heads, fill_random, qk_scale, seed
    )
    # The unembedding reads only the target's output dimensions.
    r0, r1 = layout.blocks[target.name]
    weights.W_U[r0:r1] = target.weights.W_U
    return StackedModel(
        weights=weights,
        target=target.name,
        token_values=target.token_values,
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
    a one-hot token embedding from ``tok0``, a one-hot position embedding from ``pos0``
    and the sink from ``sink0``. ``mlp_blocks``: program name -> ``(start, stop)`` hidden
    units. ``d_vocab``, ``n_ctx``: the target's (every program shares them).
    """

    blocks: dict[str, tuple[int, int]]
    mlp_blocks: dict[str, tuple[int, int]]
    tok0: int
    pos0: int
    sink0: int
    d_model: int
    d_mlp: int
    d_vocab: int
    n_ctx: int

    @staticmethod
    def of(programs: Sequence[ProgramWeights], d_sink: int) -> _Layout:
        """Programs' blocks side by side in order, then the random heads' block."""
        d_vocab = len(programs[0].token_values)
        n_ctx = programs[0].weights.W_pos.shape[0]
        starts = np.cumsum([0] + [p.weights.d_model for p in programs])
        blocks = {p.name: (int(starts[i]), int(starts[i + 1])) for i, p in enumerate(programs)}
        tok0 = int(starts[-1])
        pos0 = tok0 + d_vocab
        sink0 = pos0 + n_ctx
        d_model = sink0 + d_sink
        blocks[RANDOM_OWNER] = (tok0, d_model)
        mlp_starts = np.cumsum([0] + [p.weights.d_mlp for p in programs])
        mlp_blocks = {
            p.name: (int(mlp_starts[i]), int(mlp_starts[i + 1])) for i, p in enumerate(programs)
        }
        d_mlp = max(1, int(mlp_starts[-1]))
        return _Layout(blocks, mlp_blocks, tok0, pos0, sink0, d_model, d_mlp, d_vocab, n_ctx)


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
) -> None:
    """Write each program's embeddings and MLPs into its blocks, and the random heads'
    one-hot token and position embeddings, in place."""
    token_values = programs[0].token_values
    for p in programs:
        w, (r0, r1), off = p.weights, layout.blocks[p.name], offsets[p.name]
        m0, m1 = layout.mlp_blocks[p.name]
        for tok_id, value in enumerate(token_values):
            weights.W_E[tok_id, r0:r1] = w.W_E[p.token_id(value)]
        weights.W_pos[:, r0:r1] = w.W_pos
        weights.W_in[off : off + w.n_layers, r0:r1, m0:m1] = w.W_in
        weights.W_out[off : off + w.n_layers, m0:m1, r0:r1] = w.W_out
    d_vocab, n_ctx = layout.d_vocab, layout.n_ctx
    weights.W_E[np.arange(d_vocab), layout.tok0 + np.arange(d_vocab)] = 1.0
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
) -> tuple[tuple[tuple[str, ...], ...], dict[str, tuple[HeadId, ...]]]:
    """Shuffle each layer's head slots and write the program and random heads, in place.

    Returns the owner of every slot, per layer, and each program's heads in the stack.
    """
    rng = np.random.default_rng(seed)
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
                    _write_random_head(weights, layout, layer, slot, qk_scale, rng)
                continue
            i, head = item
            p = programs[i]
            _copy_program_head(weights, layout, p, layer - offsets[p.name], head, layer, slot)
            row.append(p.name)
            program_heads[p.name].append(HeadId(layer, slot))
        owner.append(tuple(row))
    return tuple(owner), {k: tuple(sorted(v)) for k, v in program_heads.items()}


def _write_random_head(
    weights: DenseWeights,
    layout: _Layout,
    layer: int,
    slot: int,
    qk_scale: float,
    rng: np.random.Generator,
) -> None:
    """A random distractor head in ``(layer, slot)``: it reads the private block and
    writes only the sink (draws W_Q, W_K, W_V, W_O from ``rng``, in that order)."""
    tok0, sink0 = layout.tok0, layout.sink0
    n_read = layout.d_model - tok0
    d_head = weights.d_head
    d_sink = layout.d_model - sink0
    std_qk, std_v = qk_scale / np.sqrt(n_read), 1 / np.sqrt(n_read)
    weights.W_Q[layer, slot, tok0:, :] = rng.normal(0, std_qk, (n_read, d_head))
    weights.W_K[layer, slot, tok0:, :] = rng.normal(0, std_qk, (n_read, d_head))
    weights.W_V[layer, slot, tok0:, :] = rng.normal(0, std_v, (n_read, d_head))
    std_o = 1 / np.sqrt(d_head)
    weights.W_O[layer, slot, :, sink0:] = rng.normal(0, std_o, (d_head, d_sink))


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
