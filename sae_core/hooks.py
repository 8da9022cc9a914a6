"""Per-head outputs of a HookedTransformer: the one module that runs hooks.

A head's output is what it writes to the residual stream, ``hook_z @ W_O`` per
head without the output bias (TransformerLens ``blocks.{l}.attn.hook_result``).
Outputs are pooled over positions inside the hook, batch by batch, so memory
stays bounded by one batch of ``hook_z`` plus the pooled result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from tqdm.auto import tqdm

if TYPE_CHECKING:  # pragma: no cover
    from transformer_lens import HookedTransformer


def hook_name(layer: int, point: str = "z") -> str:
    """TransformerLens name of an attention hook point, e.g. ``blocks.3.attn.hook_z``."""
    return f"blocks.{layer}.attn.hook_{point}"


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
    device = next(model.parameters()).device
    pooled_batches: list[torch.Tensor] = []
    starts = range(0, tokens_NT.shape[0], batch_size)
    for start in tqdm(starts, desc="caching head outputs", disable=not progress, leave=False):
        batch_BT = tokens_NT[start : start + batch_size].to(device)
        per_layer: list[torch.Tensor | None] = [None] * n_layers

        def grab(z_BTnh: torch.Tensor, hook, per_layer=per_layer) -> None:
            layer = int(hook.name.split(".")[1])
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
    device = next(model.parameters()).device
    grads: list[torch.Tensor] = []
    for start in range(0, tokens_NT.shape[0], batch_size):
        batch_BT = tokens_NT[start : start + batch_size].to(device)
        n_batch = batch_BT.shape[0]
        xi_BLn = torch.ones(n_batch, n_layers, n_heads, device=device, requires_grad=True)

        def scale(z_BTnh: torch.Tensor, hook, xi_BLn=xi_BLn) -> torch.Tensor:
            layer = int(hook.name.split(".")[1])
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
