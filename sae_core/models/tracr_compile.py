"""Compile RASP programs with tracr and turn them into TransformerLens models.

tracr writes a transformer's weights so that the model computes a RASP program
exactly; every residual dimension is a labelled basis direction (``tokens:3``,
``sort:2``, ...). This module compiles a small catalogue of programs, reads the
compiled weights into plain numpy arrays (:class:`DenseWeights`), and builds a
``HookedTransformer`` from such arrays.

Two details of the conversion matter for exactness:

* tracr's attention divides scores by ``sqrt(key_size)`` of *its* model. The
  converted weights fold that factor into ``W_Q`` and the HookedTransformer runs
  with ``use_attn_scale=False``, so heads padded to a wider ``d_head`` (when
  programs are stacked) keep their original attention pattern.
* The unembedding is built from the residual labels of the output space, in the
  order of tracr's output encoder (not an identity slice of the residual stream,
  which is only right when the output label happens to sort first).

Compiling is slow (seconds), so :func:`compile_program` caches per process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from sae_core.types import axis_size

if TYPE_CHECKING:  # pragma: no cover
    from transformer_lens import HookedTransformer

BOS = "BOS"
PAD = "compiler_pad"

DEFAULT_VOCAB: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
DEFAULT_MAX_SEQ_LEN = 6

_ZERO_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class DenseWeights:
    """Weights of an attention + MLP transformer with no norms and no biases.

    Shapes: ``W_E`` [d_vocab, d_model], ``W_pos`` [n_ctx, d_model],
    ``W_Q``/``W_K``/``W_V`` [n_layers, n_heads, d_model, d_head],
    ``W_O`` [n_layers, n_heads, d_head, d_model], ``W_in`` [n_layers, d_model, d_mlp],
    ``W_out`` [n_layers, d_mlp, d_model], ``W_U`` [d_model, d_vocab_out].
    Attention scores are ``(x W_Q)(x W_K)^T`` with no further scaling (any
    ``1/sqrt(d_head)`` is already inside ``W_Q``); attention is bidirectional;
    the MLP activation is ReLU.
    """

    W_E: np.ndarray
    W_pos: np.ndarray
    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    W_O: np.ndarray
    W_in: np.ndarray
    W_out: np.ndarray
    W_U: np.ndarray

    def __post_init__(self) -> None:
        n_layers, n_heads, d_model, d_head = self.W_Q.shape
        expected = {
            "W_E": (None, d_model),
            "W_pos": (None, d_model),
            "W_K": (n_layers, n_heads, d_model, d_head),
            "W_V": (n_layers, n_heads, d_model, d_head),
            "W_O": (n_layers, n_heads, d_head, d_model),
            "W_in": (n_layers, d_model, None),
            "W_out": (n_layers, None, d_model),
            "W_U": (d_model, None),
        }
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if len(actual) != len(shape) or any(
                e is not None and a != e for a, e in zip(actual, shape, strict=True)
            ):
                raise ValueError(f"{name} has shape {actual}; expected {shape} (None = any)")
        if self.W_in.shape[2] != self.W_out.shape[1]:
            raise ValueError("W_in and W_out disagree on d_mlp")

    n_layers = axis_size("W_Q", 0, "Layers (L).")
    n_heads = axis_size("W_Q", 1, "Heads per layer (H).")
    d_model = axis_size("W_Q", 2, "Residual width (D).")
    d_head = axis_size("W_Q", 3, "Head width (d).")
    d_mlp = axis_size("W_in", 2, "MLP width (M).")

    def head_is_nonzero(self) -> np.ndarray:
        """Boolean [n_layers, n_heads]: the head has any nonzero weight."""
        mats = (self.W_Q, self.W_K, self.W_V)
        reads = np.stack([np.abs(m).max(axis=(2, 3)) for m in mats]).max(axis=0)
        writes = np.abs(self.W_O).max(axis=(2, 3))
        return (reads > _ZERO_TOL) & (writes > _ZERO_TOL)


@dataclass(frozen=True, eq=False)
class ProgramWeights:
    """One compiled program as dense weights plus what its dimensions mean.

    ``token_values``: the input value of each token id (tracr's input encoder order,
    BOS and PAD included). ``output_values``: the value of each output logit, or
    ``None`` for a numerical output (one logit holding the value itself).
    ``residual_labels``: tracr's label of every residual dimension.
    ``head_mask``: bool [n_layers, n_heads], True for real (nonzero) heads; tracr pads
    layers with fewer heads, and layers without attention, with all-zero heads.
    """

    name: str
    weights: DenseWeights
    token_values: tuple[Hashable, ...]
    output_values: tuple[Hashable, ...] | None
    residual_labels: tuple[str, ...]
    head_mask: np.ndarray
    max_seq_len: int

    @property
    def bos_id(self) -> int:
        return self.token_values.index(BOS)

    def token_id(self, value: Hashable) -> int:
        """Token id of an input value (or of ``BOS``/``PAD``)."""
        return self.token_values.index(value)


@dataclass(frozen=True, eq=False)
class CompiledProgram:
    """A RASP program and its dense weights (compiled by tracr)."""

    name: str
    program: Any  # tracr.rasp.rasp.SOp
    weights: ProgramWeights
    vocab: tuple[Hashable, ...]
    max_seq_len: int

    def evaluate(self, values: Sequence[Hashable]) -> list[Any]:
        """The RASP reference: the program's output on one input (no BOS)."""
        from tracr.rasp import rasp

        return rasp.evaluate(self.program, list(values))


# ---------------------------------------------------------------------------
# The program catalogue. Each maker takes max_seq_len and returns a fresh SOp.


def _make_reverse(max_seq_len: int):
    from tracr.compiler import lib
    from tracr.rasp import rasp

    return lib.make_reverse(rasp.tokens)


def _make_sort(max_seq_len: int):
    from tracr.compiler import lib
    from tracr.rasp import rasp

    return lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=max_seq_len, min_key=1)


def _make_sort_freq(max_seq_len: int):
    from tracr.compiler import lib

    return lib.make_sort_freq(max_seq_len)


def _make_hist(max_seq_len: int):
    """Count of counts: at each position, how many positions hold a token that
    occurs as often as this one (two selector-width heads, the second reading the first)."""
    from tracr.rasp import rasp

    same_tok = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same_tok")
    count = rasp.SelectorWidth(same_tok).named("token_count")
    same_count = rasp.Select(count, count, rasp.Comparison.EQ).named("same_count")
    return rasp.SelectorWidth(same_count).named("count_of_counts")


def _make_frac_prevs(max_seq_len: int):
    """Fraction of positions up to here whose token equals the sequence's first token."""
    from tracr.compiler import lib
    from tracr.rasp import rasp

    at_start = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("at_start")
    first = rasp.categorical(rasp.Aggregate(at_start, rasp.tokens)).named("first_token")
    is_first = rasp.categorical(
        rasp.SequenceMap(lambda t, f: t == f, rasp.tokens, first)
    ).named("is_first")
    as_number = rasp.numerical(rasp.Map(lambda b: 1 if b else 0, is_first)).named("is_first_num")
    return lib.make_frac_prevs(as_number)


PROGRAM_MAKERS: dict[str, Callable[[int], Any]] = {
    "reverse": _make_reverse,
    "sort": _make_sort,
    "hist": _make_hist,
    "frac_prevs": _make_frac_prevs,
    "sort_freq": _make_sort_freq,
}
"""Programs by name. ``hist`` and ``frac_prevs`` are two-head variants of the
RASP-paper programs (a one-head program has no head-to-head edges to score)."""


@functools.cache
def compile_program(
    name: str,
    vocab: tuple[Hashable, ...] = DEFAULT_VOCAB,
    max_seq_len: int = DEFAULT_MAX_SEQ_LEN,
) -> CompiledProgram:
    """Compile catalogue program ``name`` (cached per process).

    Runs tracr's compiler down to its craft model (the labelled weight blocks), then
    lays the blocks out as numpy weights here: tracr's own assembly step initialises a
    Haiku model through JAX, which costs seconds of XLA compilation per program and
    whose parameters it then overwrites. :func:`assemble_with_tracr` runs that step
    for comparison (tests check both agree).
    """
    if name not in PROGRAM_MAKERS:
        raise KeyError(f"unknown tracr program {name!r}; choose from {sorted(PROGRAM_MAKERS)}")
    program = PROGRAM_MAKERS[name](max_seq_len)
    craft_model, spaces = _compile_to_craft(program, vocab, max_seq_len)
    weights = _craft_to_weights(name, program, craft_model, spaces, max_seq_len)
    return CompiledProgram(
        name=name,
        program=program,
        weights=weights,
        vocab=tuple(vocab),
        max_seq_len=max_seq_len,
    )


def assemble_with_tracr(compiled: CompiledProgram) -> Any:
    """tracr's own ``AssembledTransformerModel`` of the same program (slow; for checks)."""
    from tracr.compiler import compiling

    return compiling.compile_rasp_to_model(
        compiled.program,
        vocab=set(compiled.vocab),
        max_seq_len=compiled.max_seq_len,
        compiler_bos=BOS,
        compiler_pad=PAD,
    )


def _compile_to_craft(program: Any, vocab: tuple[Hashable, ...], max_seq_len: int):
    """tracr's compiler pipeline up to the craft model, plus the embedding spaces."""
    from tracr.compiler import (
        basis_inference,
        craft_graph_to_model,
        expr_to_craft_graph,
        nodes,
        rasp_to_graph,
        validating,
    )
    from tracr.craft import bases
    from tracr.rasp import rasp

    if BOS in vocab or PAD in vocab:
        raise ValueError(f"the vocab must not contain {BOS!r} or {PAD!r}")
    unsupported = validating.static_validate(program)
    if unsupported:
        reasons = "; ".join(f"{u.expr.name}: {u.reason}" for u in unsupported)
        raise NotImplementedError(f"tracr cannot compile this program: {reasons}")
    extracted = rasp_to_graph.extract_rasp_graph(program)
    graph, sources, sink = extracted.graph, extracted.sources, extracted.sink
    basis_inference.infer_bases(graph, sink, set(vocab), max_seq_len)
    expr_to_craft_graph.add_craft_components_to_rasp_graph(
        graph, bos_dir=bases.BasisDirection(rasp.tokens.label, BOS), mlp_exactness=100
    )
    craft_model = craft_graph_to_model.craft_graph_to_model(graph, sources)
    token_set = graph.nodes[rasp.tokens.label][nodes.VALUE_SET] | {BOS, PAD}
    spaces = {
        "tokens": bases.VectorSpaceWithBasis.from_values(rasp.tokens.label, token_set),
        "indices": bases.VectorSpaceWithBasis.from_values(rasp.indices.label, range(max_seq_len)),
        "output": bases.VectorSpaceWithBasis(sink[nodes.OUTPUT_BASIS]),
    }
    return craft_model, spaces


def _layer_slots(blocks: Sequence[Any]) -> list[int]:
    """tracr's layout: layer l = attention slot 2l then MLP slot 2l+1; each block takes
    the next free slot of its kind (skipped slots stay empty, i.e. zero)."""
    from tracr.craft import transformers

    slots, nxt = [], 0
    for block in blocks:
        want = 1 if isinstance(block, transformers.MLP) else 0
        if nxt % 2 != want:
            nxt += 1
        slots.append(nxt)
        nxt += 1
    return slots


def _craft_to_weights(
    name: str, program: Any, craft_model: Any, spaces: dict[str, Any], max_seq_len: int
) -> ProgramWeights:
    """Lay a craft model's blocks out as dense weights (what tracr's assembly computes)."""
    from tracr.craft import bases

    residual = _Residual.of(
        bases.join_vector_spaces(
            craft_model.residual_space, spaces["tokens"], spaces["indices"], spaces["output"]
        )
    )
    W_Q, W_K, W_V, W_O, W_in, W_out = _block_weights(list(craft_model.blocks), residual)
    W_E, W_pos = _embeddings(residual, spaces)
    W_U, output_values = _unembedding(name, program, residual, spaces["output"])
    dense = DenseWeights(
        *(_readonly(a) for a in (W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, W_out, W_U))
    )
    head_mask = dense.head_is_nonzero()
    head_mask.setflags(write=False)
    return ProgramWeights(
        name=name,
        weights=dense,
        token_values=tuple(d.value for d in spaces["tokens"].basis),
        output_values=output_values,
        residual_labels=tuple(str(d) for d in residual.space.basis),
        head_mask=head_mask,
        max_seq_len=max_seq_len,
    )


@dataclass(frozen=True, eq=False)
class _Residual:
    """The compiled model's residual space: one dimension per labelled basis direction."""

    space: Any  # tracr.craft.bases.VectorSpaceWithBasis
    index: dict[Any, int]  # residual dimension of each basis direction

    @staticmethod
    def of(space: Any) -> _Residual:
        """The residual space ``space`` with its directions numbered in basis order."""
        return _Residual(space, {d: i for i, d in enumerate(space.basis)})

    @property
    def d_model(self) -> int:
        return len(self.index)

    def inclusion(self, space: Any) -> np.ndarray:
        """[space dims, d_model]: 1 where a direction of ``space`` is a residual direction."""
        m = np.zeros((space.num_dims, self.d_model))
        for i, d in enumerate(space.basis):
            if d in self.index:
                m[i, self.index[d]] = 1.0
        return m


def _block_weights(blocks: Sequence[Any], residual: _Residual) -> tuple[np.ndarray, ...]:
    """Attention and MLP weights (W_Q, W_K, W_V, W_O, W_in, W_out) of the craft blocks.

    Layers follow :func:`_layer_slots`; heads are as wide as tracr's key_size (the widest
    bilinear form of any head), which is also tracr's attention scale, folded into W_Q.
    """
    from tracr.craft import transformers

    into = residual.inclusion
    slots = _layer_slots(blocks)
    n_layers = slots[-1] // 2 + 1 if slots else 1
    heads_per_block = [
        list(b.as_multi().heads()) for b in blocks if not isinstance(b, transformers.MLP)
    ]
    all_heads = [h for hs in heads_per_block for h in hs]
    n_heads = max([len(hs) for hs in heads_per_block], default=1)
    key_size = max([max(h.w_qk.matrix.shape) for h in all_heads], default=1)
    mlps = [b for b in blocks if isinstance(b, transformers.MLP)]
    d_mlp = max([m.fst.output_space.num_dims for m in mlps], default=1)
    d_model = residual.d_model

    W_Q = np.zeros((n_layers, n_heads, d_model, key_size))
    W_K, W_V = np.zeros_like(W_Q), np.zeros_like(W_Q)
    W_O = np.zeros((n_layers, n_heads, key_size, d_model))
    W_in = np.zeros((n_layers, d_model, d_mlp))
    W_out = np.zeros((n_layers, d_mlp, d_model))
    for block, slot in zip(blocks, slots, strict=True):
        layer = slot // 2
        if isinstance(block, transformers.MLP):
            hidden = block.fst.output_space.num_dims
            W_in[layer, :, :hidden] = into(block.fst.input_space).T @ block.fst.matrix
            W_out[layer, :hidden, :] = block.snd.matrix @ into(block.snd.output_space)
            continue
        for h, head in enumerate(block.as_multi().heads()):
            qk, ov = head.w_qk, head.w_ov
            k, v = qk.matrix.shape[1], ov.matrix.shape[1]
            W_Q[layer, h, :, :k] = into(qk.left_space).T @ qk.matrix
            W_K[layer, h, :, :k] = into(qk.right_space).T
            W_V[layer, h, :, :v] = into(ov.input_space).T @ ov.matrix
            W_O[layer, h, :v, :] = into(ov.output_space)
    # tracr's MultiHeadAttention divides scores by sqrt(key_size); fold it into W_Q.
    W_Q /= np.sqrt(key_size)
    return W_Q, W_K, W_V, W_O, W_in, W_out


def _embeddings(residual: _Residual, spaces: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Token and position embeddings (W_E, W_pos); position 0 (BOS) embeds to zero."""
    from tracr.craft import bases

    W_E = residual.inclusion(spaces["tokens"])
    one = bases.BasisDirection("one")
    if one in residual.index:  # tracr writes the constant "one" direction at every position
        W_E[:, residual.index[one]] = 1.0
    W_pos = np.concatenate(
        [np.zeros((1, residual.d_model)), residual.inclusion(spaces["indices"])]
    )
    return W_E, W_pos


def _unembedding(
    name: str, program: Any, residual: _Residual, output_space: Any
) -> tuple[np.ndarray, tuple[Hashable, ...] | None]:
    """W_U [d_model, n_out] (columns in the output basis order) and the value of each
    output logit, or None for a numerical output (then a single logit)."""
    from tracr.rasp import rasp

    W_U = residual.inclusion(output_space).T
    output_values = (
        tuple(d.value for d in output_space.basis) if rasp.is_categorical(program) else None
    )
    if output_values is None and W_U.shape[1] != 1:
        raise ValueError(f"numerical output of {name!r} spans {W_U.shape[1]} dimensions")
    return W_U, output_values


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float64)
    a.setflags(write=False)
    return a


def to_hooked_transformer(
    weights: DenseWeights, *, dtype: torch.dtype = torch.float32
) -> HookedTransformer:
    """A ``HookedTransformer`` computing exactly what ``weights`` describe.

    No layer norm, ReLU MLPs, bidirectional attention, ``use_attn_scale=False``
    (the scale lives in ``W_Q``), standard positional embeddings, all biases zero.
    """
    from sae_core.models.build import build_model, config_from_fields

    d_vocab, n_ctx = weights.W_E.shape[0], weights.W_pos.shape[0]
    cfg = config_from_fields(
        n_layers=weights.n_layers,
        d_model=weights.d_model,
        n_ctx=n_ctx,
        d_head=weights.d_head,
        n_heads=weights.n_heads,
        d_mlp=weights.d_mlp,
        d_vocab=d_vocab,
        d_vocab_out=weights.W_U.shape[1],
        act_fn="relu",
        normalization_type=None,
        attention_dir="bidirectional",
        use_attn_scale=False,
        positional_embedding_type="standard",
        default_prepend_bos=False,
        device="cpu",
        dtype=dtype,
        seed=0,
    )
    model = build_model(cfg)  # HookedTransformer, or its in-house twin on TransformerLens 4
    model.eval()

    def t(a: np.ndarray) -> torch.Tensor:
        return torch.tensor(np.array(a), dtype=dtype)

    with torch.no_grad():
        for param in model.parameters():
            param.zero_()
        model.embed.W_E.copy_(t(weights.W_E))
        model.pos_embed.W_pos.copy_(t(weights.W_pos))
        model.unembed.W_U.copy_(t(weights.W_U))
        for layer, block in enumerate(model.blocks):
            block.attn.W_Q.copy_(t(weights.W_Q[layer]))
            block.attn.W_K.copy_(t(weights.W_K[layer]))
            block.attn.W_V.copy_(t(weights.W_V[layer]))
            block.attn.W_O.copy_(t(weights.W_O[layer]))
            block.mlp.W_in.copy_(t(weights.W_in[layer]))
            block.mlp.W_out.copy_(t(weights.W_out[layer]))
    return model


def decode_outputs(
    logits_NTV: torch.Tensor, output_values: tuple[Hashable, ...] | None
) -> list[list[Any]]:
    """Per prompt, the decoded output at every non-BOS position.

    Categorical outputs: the value of the argmax logit. Numerical outputs
    (``output_values is None``): the single logit as a float.
    """
    body = logits_NTV[:, 1:].detach().cpu()
    if output_values is None:
        return body[..., 0].double().tolist()
    ids = body.argmax(dim=-1).tolist()
    return [[output_values[i] for i in row] for row in ids]


def encode_inputs(values_NL: np.ndarray, token_values: tuple[Hashable, ...]) -> torch.Tensor:
    """LongTensor [N, L+1]: BOS followed by the token ids of each row of input values."""
    lookup = {v: i for i, v in enumerate(token_values)}
    ids = np.vectorize(lambda v: lookup[v], otypes=[np.int64])(np.asarray(values_NL))
    bos = np.full((ids.shape[0], 1), lookup[BOS], dtype=np.int64)
    return torch.from_numpy(np.concatenate([bos, ids], axis=1))
