"""The one door to TransformerLens' hook machinery: every hooked forward pass lives here.

Hook names are built by :func:`hook_name` and parsed by :func:`hook_layer`, nowhere else.
The rest of the package asks this module for what it needs, in tensors:

- :func:`head_outputs`: every head's pooled output, ``hook_z @ W_O`` per head without the
  output bias (TransformerLens ``blocks.{l}.attn.hook_result``). Outputs are pooled over
  positions inside the hook, batch by batch, so memory stays bounded by one batch of
  ``hook_z`` plus the pooled result.
- :func:`head_mask_gradients`: per-prompt gradients of a metric w.r.t. head masks.
- :func:`cache_activations`, :func:`head_result`: activations of one forward pass.
- :func:`mean_z_by_layer`: per-layer, per-position means of ``hook_z`` over prompts.
- :func:`logits_with_z_replaced`: a forward pass with chosen heads' ``hook_z`` replaced
  (mean or zero ablation).
- :func:`logits_with_key_input_added`: a forward pass with a change to one head's key
  input only (path patching).

Models: every function takes a ``HookedTransformer`` (TransformerLens 2.x, 3.x), the
in-house :class:`~sae_core.models.lean_transformer.LeanTransformer` or a
``TransformerBridge`` in compatibility mode (4.x): all three have HookedTransformer's hook
names and shapes, ``run_with_hooks`` / ``run_with_cache``, ``stop_at_layer`` and the
``set_use_*`` switches, so nothing here depends on the version.

Shapes: B batch, N prompts, T positions, n heads per layer, h d_head, D d_model, V d_vocab.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import torch
from tqdm.auto import tqdm

from sae_core.types import HeadId

if TYPE_CHECKING:  # pragma: no cover
    from transformer_lens import HookedTransformer

BLOCK_POINTS = frozenset(
    {
        "resid_pre", "resid_mid", "resid_post", "attn_out", "mlp_out",
        "attn_in", "mlp_in", "q_input", "k_input", "v_input",
    }
)
"""Hook points that sit on a block itself (``blocks.{l}.hook_{point}``); every other point
named by :func:`hook_name` sits on its attention layer (``blocks.{l}.attn.hook_{point}``)."""


def hook_name(layer: int, point: str = "z") -> str:
    """TransformerLens name of a hook point in block ``layer``.

    Attention points (``z``, ``q``, ``k``, ``v``, ``pattern``, ``result``, ...) give
    ``blocks.3.attn.hook_z``; block points (:data:`BLOCK_POINTS`: the residual stream and
    the block's inputs and outputs) give ``blocks.3.hook_resid_post``.
    """
    if point in BLOCK_POINTS:
        return f"blocks.{layer}.hook_{point}"
    return f"blocks.{layer}.attn.hook_{point}"


def hook_layer(name: str) -> int:
    """The block index in a hook name: ``hook_layer("blocks.3.attn.hook_z") == 3``."""
    parts = name.split(".")
    if len(parts) < 3 or parts[0] != "blocks" or not parts[1].isdigit():
        raise ValueError(f"{name!r} is not a block hook name; build names with hook_name()")
    return int(parts[1])


def _device(model: HookedTransformer) -> torch.device:
    return next(model.parameters()).device


@contextlib.contextmanager
def _points_enabled(model: HookedTransformer, names: Iterable[str]) -> Iterator[None]:
    """Switch on the TransformerLens options some hook points need; restore them after.

    ``attn.hook_result`` exists only with ``use_attn_result`` and ``hook_{q,k,v}_input``
    only with ``use_split_qkv_input``; both change how the forward pass is computed, so
    they stay on for this pass only.
    """
    names = list(names)
    wanted: list[str] = []
    if any(name.endswith("attn.hook_result") for name in names):
        wanted.append("use_attn_result")
    if any(name.endswith(("hook_q_input", "hook_k_input", "hook_v_input")) for name in names):
        wanted.append("use_split_qkv_input")
    previous = {flag: getattr(model.cfg, flag) for flag in wanted}
    for flag in wanted:
        getattr(model, f"set_{flag}")(True)
    try:
        yield
    finally:
        for flag, value in previous.items():
            getattr(model, f"set_{flag}")(value)


def _pool_z(z_BTnh: torch.Tensor, pooling: str) -> torch.Tensor:
    """Pool hook_z over positions before W_O (pooling commutes with the linear map)."""
    if pooling == "mean":
        return z_BTnh.mean(dim=1)  # (B, nh, dh)
    if pooling == "last":
        return z_BTnh[:, -1]  # (B, nh, dh)
    if pooling == "positions":
        return z_BTnh.flatten(0, 1)  # (B*T, nh, dh): every position its own row
    raise ValueError(f"pooling={pooling!r}; use 'mean', 'last' or 'positions'")


@torch.no_grad()
def head_outputs(
    model: HookedTransformer,
    tokens_NT: torch.Tensor,
    *,
    pooling: str = "mean",
    batch_size: int = 64,
    progress: bool = False,
) -> torch.Tensor:
    """Every head's pooled output for every prompt.

    Returns float32 [rows, H, d_model] on CPU, H = n_layers * n_heads (layer-major);
    rows = N for "mean" and "last", N * T (prompt-major) for "positions".
    """
    if tokens_NT.ndim != 2:
        raise ValueError(
            f"tokens have shape {tuple(tokens_NT.shape)}; expected [N, T] with one token "
            "length for all prompts (pad or filter prompts of unequal length)"
        )
    cfg = model.cfg
    n_layers, n_heads = cfg.n_layers, cfg.n_heads
    device = _device(model)
    pooled_batches: list[torch.Tensor] = []
    starts = range(0, tokens_NT.shape[0], batch_size)
    for start in tqdm(starts, desc="caching head outputs", disable=not progress, leave=False):
        batch_BT = tokens_NT[start : start + batch_size].to(device)
        per_layer: list[torch.Tensor | None] = [None] * n_layers

        def grab(z_BTnh: torch.Tensor, hook, per_layer=per_layer) -> None:
            layer = hook_layer(hook.name)
            z_Rnh = _pool_z(z_BTnh.float(), pooling)
            W_O_nhD = model.blocks[layer].attn.W_O.float()
            per_layer[layer] = torch.einsum("rnh,nhd->rnd", z_Rnh, W_O_nhD)

        hooks = [(hook_name(layer, "z"), grab) for layer in range(n_layers)]
        # stop before ln_final and the unembedding: W_U is most of the FLOPs at GPT-2 size
        model.run_with_hooks(batch_BT, fwd_hooks=hooks, stop_at_layer=n_layers)
        result_RLnD = torch.stack(per_layer, dim=1)  # (R, n_layers, n_heads, D)
        pooled_batches.append(result_RLnD.flatten(1, 2).cpu())
    out = torch.cat(pooled_batches, dim=0)
    assert out.shape[1] == n_layers * n_heads
    return out


def head_mask_gradients(
    model: HookedTransformer,
    tokens_NT: torch.Tensor,
    metric: Callable[[torch.Tensor, int, int], torch.Tensor],
    *,
    batch_size: int = 64,
) -> torch.Tensor:
    """Per-prompt gradient of ``metric`` w.r.t. a mask scaling each head's output.

    Every head's ``hook_z`` (hence its output ``hook_z @ W_O``, which has no bias) is
    multiplied by a mask ``xi[prompt, layer, head]``, evaluated at ``xi = 1`` (the clean
    run). ``metric(logits_BTV, start, stop)`` returns one value per prompt [B] of the
    batch holding prompts ``start:stop``. Because prompt b's mask row touches only prompt
    b, one backward pass per batch gives every prompt's own gradient.

    Returns float32 [N, n_layers, n_heads] on CPU: d metric(prompt n) / d xi[n, l, h].
    """
    if tokens_NT.ndim != 2:
        raise ValueError(f"tokens have shape {tuple(tokens_NT.shape)}; expected [N, T]")
    n_layers, n_heads = model.cfg.n_layers, model.cfg.n_heads
    device = _device(model)
    grads: list[torch.Tensor] = []
    for start in range(0, tokens_NT.shape[0], batch_size):
        batch_BT = tokens_NT[start : start + batch_size].to(device)
        n_batch = batch_BT.shape[0]
        xi_BLn = torch.ones(n_batch, n_layers, n_heads, device=device, requires_grad=True)

        def scale(z_BTnh: torch.Tensor, hook, xi_BLn=xi_BLn) -> torch.Tensor:
            layer = hook_layer(hook.name)
            return z_BTnh * xi_BLn[:, layer, None, :, None].to(z_BTnh.dtype)

        hooks = [(hook_name(layer, "z"), scale) for layer in range(n_layers)]
        with torch.enable_grad():
            logits_BTV = model.run_with_hooks(batch_BT, fwd_hooks=hooks, return_type="logits")
            values_B = metric(logits_BTV, start, start + n_batch)
            if values_B.shape != (n_batch,):
                raise ValueError(
                    f"metric returned shape {tuple(values_B.shape)}; expected [{n_batch}], "
                    "one value per prompt"
                )
            (grad_BLn,) = torch.autograd.grad(values_B.sum(), xi_BLn)
        grads.append(grad_BLn.detach().float().cpu())
    return torch.cat(grads, dim=0)


@torch.no_grad()
def cache_activations(
    model: HookedTransformer, tokens_BT: torch.Tensor, names: Sequence[str]
) -> dict[str, torch.Tensor]:
    """Activations at the hook points ``names`` (see :func:`hook_name`) of one forward pass.

    Points that need a TransformerLens option (``attn.hook_result``, ``hook_k_input``, ...)
    get it for this pass only. Returns name -> tensor as TransformerLens shapes it, e.g.
    ``attn.hook_z`` [B, T, n, h], ``attn.hook_pattern`` [B, n, T, T],
    ``hook_resid_post`` [B, T, D].
    """
    names = list(names)
    with _points_enabled(model, names):
        _, cache = model.run_with_cache(tokens_BT, names_filter=names)
    missing = [name for name in names if name not in cache]
    if missing:
        raise ValueError(
            f"this model has no hook points {missing}; build names with hook_name(layer, point) "
            f"for layers 0..{model.cfg.n_layers - 1}"
        )
    return {name: cache[name] for name in names}


@torch.no_grad()
def head_result(model: HookedTransformer, tokens_BT: torch.Tensor, head: HeadId) -> torch.Tensor:
    """float [B, T, D]: what ``head`` writes to the residual stream at every position.

    ``hook_z[:, :, head] @ W_O[head]``, without the output bias: the head's slice of
    TransformerLens ``attn.hook_result``.
    """
    layer, index = HeadId(*head)
    name = hook_name(layer, "z")
    z_BTh = cache_activations(model, tokens_BT, [name])[name][:, :, index]
    return z_BTh @ model.blocks[layer].attn.W_O[index]


@torch.no_grad()
def mean_z_by_layer(
    model: HookedTransformer, tokens_NT: torch.Tensor, *, batch_size: int = 64
) -> dict[int, torch.Tensor]:
    """Per-layer mean of ``hook_z`` over prompts: layer -> float32 z_Tnh [T, n, h].

    Summed in float64 batch by batch (``batch_size`` prompts), so the result does not
    depend on the batch size beyond float32 rounding of the final division.
    """
    if tokens_NT.ndim != 2 or tokens_NT.shape[0] == 0:
        raise ValueError(f"tokens have shape {tuple(tokens_NT.shape)}; expected [N >= 1, T]")
    n_layers = model.cfg.n_layers
    sums: dict[int, torch.Tensor] = {}

    def accumulate(z_BTnh: torch.Tensor, hook) -> None:
        layer = hook_layer(hook.name)
        batch_sum_Tnh = z_BTnh.double().sum(dim=0)
        sums[layer] = sums[layer] + batch_sum_Tnh if layer in sums else batch_sum_Tnh

    hooks = [(hook_name(layer, "z"), accumulate) for layer in range(n_layers)]
    device = _device(model)
    for start in range(0, tokens_NT.shape[0], batch_size):
        batch_BT = tokens_NT[start : start + batch_size].to(device)
        model.run_with_hooks(batch_BT, fwd_hooks=hooks, stop_at_layer=n_layers)
    n_prompts = tokens_NT.shape[0]
    return {layer: (s / n_prompts).float() for layer, s in sums.items()}


def _replace_z_hooks(
    model: HookedTransformer,
    n_tokens: int,
    heads: Iterable[HeadId],
    z_by_layer: Mapping[int, torch.Tensor],
) -> list[tuple[str, Callable]]:
    """One ``hook_z`` hook per layer that writes ``z_by_layer[layer]`` into its chosen heads."""
    n_heads, d_head = model.cfg.n_heads, model.cfg.d_head
    device = _device(model)
    by_layer: dict[int, list[int]] = {}
    for layer, head in sorted(HeadId(*h) for h in heads):
        by_layer.setdefault(layer, []).append(head)
    hooks = []
    for layer, layer_heads in by_layer.items():
        if layer not in z_by_layer:
            raise ValueError(
                f"no replacement hook_z for layer {layer}; z_by_layer must hold every layer "
                "of the replaced heads (e.g. mean_z_by_layer(model, reference_tokens))"
            )
        value = z_by_layer[layer]
        per_position = (n_tokens, n_heads, d_head)
        if tuple(value.shape) not in (per_position, (n_heads, d_head)):
            raise ValueError(
                f"z_by_layer[{layer}] has shape {tuple(value.shape)}; expected {per_position} "
                f"or {(n_heads, d_head)}. Per-position values must come from prompts of the "
                "same token length as the evaluated ones"
            )
        value_Tkh = value[..., layer_heads, :].to(device)  # (T, k, h) or (k, h)
        index = torch.tensor(layer_heads, device=device)

        def replace(z_BTnh: torch.Tensor, hook, index=index, value_Tkh=value_Tkh):
            z_BTnh[:, :, index] = value_Tkh.to(z_BTnh.dtype)
            return z_BTnh

        hooks.append((hook_name(layer, "z"), replace))
    return hooks


@torch.no_grad()
def logits_with_z_replaced(
    model: HookedTransformer,
    tokens_BT: torch.Tensor,
    heads: Iterable[HeadId],
    z_by_layer: Mapping[int, torch.Tensor],
    *,
    last_position_only: bool = False,
) -> torch.Tensor:
    """Logits of a forward pass in which each head in ``heads`` has its ``hook_z`` replaced.

    ``heads``: (layer, head) pairs; none runs the clean model. Head (l, k) gets
    ``z_by_layer[l][..., k, :]`` at every position of every prompt: ``z_by_layer[l]`` is
    [T, n, h] (one value per position, e.g. from :func:`mean_z_by_layer`: mean ablation)
    or [n, h] (one for all positions, e.g. zeros: zero ablation).
    Returns logits_BTV, or with ``last_position_only`` logits_BV of the last position
    only (the unembedding is applied to that position alone).
    """
    hooks = _replace_z_hooks(model, tokens_BT.shape[1], heads, z_by_layer)
    if not last_position_only:
        return model.run_with_hooks(tokens_BT, fwd_hooks=hooks, return_type="logits")
    resid_BTD = model.run_with_hooks(tokens_BT, fwd_hooks=hooks, stop_at_layer=model.cfg.n_layers)
    if resid_BTD.shape[-1] != model.cfg.d_model:
        # TransformerBridge (TransformerLens 4) runs stop_at_layer=n_layers to the logits
        return resid_BTD[:, -1]
    resid_B1D = resid_BTD[:, -1:]
    if getattr(model, "ln_final", None) is not None:
        resid_B1D = model.ln_final(resid_B1D)
    return model.unembed(resid_B1D)[:, 0]


@torch.no_grad()
def logits_with_key_input_added(
    model: HookedTransformer, tokens_BT: torch.Tensor, head: HeadId, delta_BTD: torch.Tensor
) -> torch.Tensor:
    """logits_BTV with ``delta_BTD`` added to ``head``'s key input only (path patching).

    ``delta_BTD`` (broadcastable to [B, T, D]) is added to ``hook_k_input`` of ``head``
    alone: its queries and values, the other heads and later layers still read the
    unchanged residual stream. E.g. ``mean - output`` of an upstream head's
    :func:`head_result` removes that head from this head's keys only.
    """
    layer, index = HeadId(*head)
    name = hook_name(layer, "k_input")

    def add(k_in_BTnD: torch.Tensor, hook) -> torch.Tensor:
        k_in_BTnD[:, :, index] = k_in_BTnD[:, :, index] + delta_BTD
        return k_in_BTnD

    with _points_enabled(model, [name]):
        return model.run_with_hooks(tokens_BT, fwd_hooks=[(name, add)], return_type="logits")
