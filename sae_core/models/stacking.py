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
    offsets = {p.name: (target_layer_offset if p is target else 0) for p in programs}

    depth = max(offsets[p.name] + p.weights.n_layers for p in programs)
    if n_layers is not None and n_layers < depth:
        raise ValueError(f"n_layers={n_layers} is below the programs' depth {depth}")
    n_layers_total = max(depth, n_layers or 0)

    # Real heads per stacked layer: (program index, head in the program's layer).
    layer_heads: list[list[tuple[int, int]]] = [[] for _ in range(n_layers_total)]
    for i, p in enumerate(programs):
        for layer, head in zip(*np.nonzero(p.head_mask), strict=True):
            layer_heads[offsets[p.name] + int(layer)].append((i, int(head)))
    need = max(1, max(len(h) for h in layer_heads))
    if n_heads is not None and n_heads < need:
        raise ValueError(f"n_heads={n_heads} is below the {need} heads one layer needs")
    n_heads_total = n_heads or need

    d_head = max(p.weights.d_head for p in programs)
    d_vocab = len(token_values)
    starts = np.cumsum([0] + [p.weights.d_model for p in programs])
    blocks = {p.name: (int(starts[i]), int(starts[i + 1])) for i, p in enumerate(programs)}
    tok0 = int(starts[-1])
    pos0 = tok0 + d_vocab
    sink0 = pos0 + n_ctx
    d_model = sink0 + d_sink
    blocks[RANDOM_OWNER] = (tok0, d_model)
    mlp_starts = np.cumsum([0] + [p.weights.d_mlp for p in programs])
    d_mlp = max(1, int(mlp_starts[-1]))

    W_E = np.zeros((d_vocab, d_model))
    W_pos = np.zeros((n_ctx, d_model))
    W_Q = np.zeros((n_layers_total, n_heads_total, d_model, d_head))
    W_K, W_V = np.zeros_like(W_Q), np.zeros_like(W_Q)
    W_O = np.zeros((n_layers_total, n_heads_total, d_head, d_model))
    W_in = np.zeros((n_layers_total, d_model, d_mlp))
    W_out = np.zeros((n_layers_total, d_mlp, d_model))

    for i, p in enumerate(programs):
        w, (r0, r1), off = p.weights, blocks[p.name], offsets[p.name]
        m0, m1 = int(mlp_starts[i]), int(mlp_starts[i + 1])
        for tok_id, value in enumerate(token_values):
            W_E[tok_id, r0:r1] = w.W_E[p.token_id(value)]
        W_pos[:, r0:r1] = w.W_pos
        W_in[off : off + w.n_layers, r0:r1, m0:m1] = w.W_in
        W_out[off : off + w.n_layers, m0:m1, r0:r1] = w.W_out
    W_E[np.arange(d_vocab), tok0 + np.arange(d_vocab)] = 1.0
    W_pos[np.arange(n_ctx), pos0 + np.arange(n_ctx)] = 1.0

    rng = np.random.default_rng(seed)
    n_read = d_model - tok0
    owner: list[list[str]] = []
    program_heads: dict[str, list[HeadId]] = {p.name: [] for p in programs}
    for layer in range(n_layers_total):
        free = n_heads_total - len(layer_heads[layer])
        slots: list[tuple[int, int] | str] = list(layer_heads[layer])
        slots += [RANDOM_OWNER if fill_random else EMPTY_OWNER] * free
        slots = [slots[j] for j in rng.permutation(len(slots))]
        row: list[str] = []
        for slot, item in enumerate(slots):
            if isinstance(item, str):
                row.append(item)
                if item == RANDOM_OWNER:
                    std_qk, std_v = qk_scale / np.sqrt(n_read), 1 / np.sqrt(n_read)
                    W_Q[layer, slot, tok0:, :] = rng.normal(0, std_qk, (n_read, d_head))
                    W_K[layer, slot, tok0:, :] = rng.normal(0, std_qk, (n_read, d_head))
                    W_V[layer, slot, tok0:, :] = rng.normal(0, std_v, (n_read, d_head))
                    std_o = 1 / np.sqrt(d_head)
                    W_O[layer, slot, :, sink0:] = rng.normal(0, std_o, (d_head, d_sink))
                continue
            i, head = item
            p = programs[i]
            w, (r0, r1) = p.weights, blocks[p.name]
            src = layer - offsets[p.name]
            k = w.d_head
            W_Q[layer, slot, r0:r1, :k] = w.W_Q[src, head]
            W_K[layer, slot, r0:r1, :k] = w.W_K[src, head]
            W_V[layer, slot, r0:r1, :k] = w.W_V[src, head]
            W_O[layer, slot, :k, r0:r1] = w.W_O[src, head]
            row.append(p.name)
            program_heads[p.name].append(HeadId(layer, slot))
        owner.append(tuple(row))

    # The unembedding reads only the target's output dimensions.
    r0, r1 = blocks[target.name]
    W_U = np.zeros((d_model, target.weights.W_U.shape[1]))
    W_U[r0:r1] = target.weights.W_U

    weights = DenseWeights(W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, W_out, W_U)
    return StackedModel(
        weights=weights,
        target=target.name,
        token_values=token_values,
        output_values=target.output_values,
        head_owner=tuple(owner),
        program_heads={k: tuple(sorted(v)) for k, v in program_heads.items()},
        residual_blocks=blocks,
        layer_offsets=offsets,
    )


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
