"""A small in-house transformer with HookedTransformer's hook names, state-dict names and numerics.

TransformerLens 4 removed ``HookedTransformer`` but keeps ``HookedRootModule`` and
``HookPoint`` (and the numerical helpers in ``transformer_lens.utilities``). The models
this package builds from a config (the induction toy, compiled tracr programs, random
stand-ins, test models) need only a small part of HookedTransformer, written here on those
kept pieces so it runs on every TransformerLens version:

- embeddings: token, learned absolute positions (``standard``), ``shortformer`` positions
  (added to the query and key inputs only), ``rotary`` (GPT-NeoX half-split or GPT-J
  adjacent pairs);
- blocks: pre-LN (``LN``, ``LNPre`` or no normalization), attention (causal or
  bidirectional, scaled by ``attn_scale`` or unscaled as tracr needs), an MLP (any of
  TransformerLens's activation functions but the layer-norm ones) or none (``attn_only``),
  sequential or parallel attention and MLP;
- the unembedding, and ``forward(tokens, return_type=..., stop_at_layer=...)``.

Every hook point of those parts has HookedTransformer's name (``blocks.{l}.attn.hook_z``,
``blocks.{l}.hook_resid_pre``, ...), every parameter its state-dict name
(``blocks.{l}.attn.W_Q``, ...) and shape, and the forward pass performs the same
operations in the same order, so a state dict moves between the two unchanged and the
outputs are equal (``tests/unit/models/test_lean_transformer.py`` checks both, bit for
bit, against HookedTransformer where it exists). ``init_weights`` draws the same random
weights from the same seed (GPT-2 init, parameters in HookedTransformer's order).

Not here (raise ValueError naming the field): other normalizations, layer-norm
activations (``solu_ln``), grouped-query, local or ALiBi attention, key-value caching,
string inputs (no tokenizer: give token ids). Pretrained checkpoints load through
TransformerBridge on 4.x, not through this module.

Shapes: B batch, T positions, n heads, h d_head, D d_model, M d_mlp, V vocabulary.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import einops
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from transformer_lens.hook_points import HookPoint
from transformer_lens.utilities.activation_functions import SUPPORTED_ACTIVATIONS
from transformer_lens.utilities.addmm import batch_addmm
from transformer_lens.utilities.attention import complex_attn_linear, simple_attn_linear

try:  # 3.x and 4.x (4.x refuses the 2.x path)
    from transformer_lens.HookedRootModule import HookedRootModule
except ImportError:  # 2.x
    from transformer_lens.hook_points import HookedRootModule

POSITIONAL = ("standard", "shortformer", "rotary")
NORMALIZATIONS = ("LN", "LNPre", None)


@dataclass
class LeanConfig:
    """HookedTransformerConfig's fields that :class:`LeanTransformer` reads, same defaults.

    Mutable like HookedTransformerConfig: the ``use_*`` hook switches are flipped at run
    time (``set_use_attn_result`` ...). ``__post_init__`` fills the derived defaults as
    HookedTransformerConfig does (``d_vocab_out``, ``attn_scale``, ``initializer_range``)
    and rejects what this model does not implement.
    """

    n_layers: int
    d_model: int
    n_ctx: int
    d_head: int
    n_heads: int = -1
    d_mlp: int | None = None
    d_vocab: int = -1
    d_vocab_out: int = -1
    act_fn: str | None = None
    normalization_type: str | None = "LN"
    eps: float = 1e-5
    attn_only: bool = False
    parallel_attn_mlp: bool = False
    positional_embedding_type: str = "standard"
    rotary_dim: int | None = None
    rotary_adjacent_pairs: bool = False
    rotary_base: int | float = 10000
    attention_dir: str = "causal"
    use_attn_scale: bool = True
    attn_scale: float = -1.0
    use_attn_result: bool = False
    use_split_qkv_input: bool = False
    use_hook_mlp_in: bool = False
    use_attn_in: bool = False
    init_weights: bool = True
    init_mode: str = "gpt2"
    initializer_range: float = -1.0
    seed: int | None = None
    device: str | torch.device | None = None
    dtype: torch.dtype = torch.float32
    default_prepend_bos: bool = True
    model_name: str = "custom"
    original_architecture: str | None = None
    tokenizer_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.n_heads == -1:
            self.n_heads = self.d_model // self.d_head
        if self.d_vocab <= 0:
            raise ValueError("d_vocab must be given (the lean model has no tokenizer to infer it)")
        if self.d_vocab_out == -1:
            self.d_vocab_out = self.d_vocab
        if self.use_attn_scale and self.attn_scale == -1.0:
            self.attn_scale = float(np.sqrt(self.d_head))
        if self.initializer_range < 0:
            self.initializer_range = float(0.8 / np.sqrt(self.d_model))
        if self.positional_embedding_type not in POSITIONAL:
            raise ValueError(
                f"positional_embedding_type={self.positional_embedding_type!r}: the lean model "
                f"implements {POSITIONAL}"
            )
        if self.positional_embedding_type == "rotary" and self.rotary_dim is None:
            raise ValueError("rotary positions need rotary_dim")
        if self.normalization_type not in NORMALIZATIONS:
            raise ValueError(
                f"normalization_type={self.normalization_type!r}: the lean model implements "
                f"{NORMALIZATIONS}"
            )
        if self.attention_dir not in ("causal", "bidirectional"):
            raise ValueError(f"attention_dir={self.attention_dir!r}: causal or bidirectional")
        if self.init_mode != "gpt2":
            raise ValueError(f"init_mode={self.init_mode!r}: the lean model implements 'gpt2'")
        if not self.attn_only:
            if self.d_mlp is None:
                raise ValueError("an MLP needs d_mlp (or attn_only=True)")
            if self.act_fn not in SUPPORTED_ACTIVATIONS or self.act_fn.endswith("_ln"):
                raise ValueError(
                    f"act_fn={self.act_fn!r}: the lean model implements "
                    f"{sorted(a for a in SUPPORTED_ACTIVATIONS if not a.endswith('_ln'))}"
                )
        if self.extra:
            raise ValueError(
                f"HookedTransformerConfig fields the lean model does not implement: "
                f"{sorted(self.extra)}; build this model with TransformerLens < 4"
            )

    @classmethod
    def from_fields(cls, **fields: Any) -> LeanConfig:
        """A config from HookedTransformerConfig keyword fields; unknown ones are refused
        (ValueError naming them) unless they hold HookedTransformerConfig's default."""
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        harmless = {"n_devices": 1, "use_hook_tokens": False, "final_rms": False}
        extra = {
            k: v for k, v in fields.items() if k not in known and harmless.get(k, object()) != v
        }
        return cls(**{k: v for k, v in fields.items() if k in known}, extra=extra)


class LayerNorm(nn.Module):
    """TransformerLens's LayerNorm (``w``, ``b``; hooks ``hook_scale``, ``hook_normalized``),
    or LayerNormPre (no weights) when ``with_weights`` is False."""

    def __init__(self, cfg: LeanConfig, with_weights: bool = True):
        super().__init__()
        self.cfg, self.eps = cfg, cfg.eps
        if with_weights:
            self.w = nn.Parameter(torch.ones(cfg.d_model, dtype=cfg.dtype))
            self.b = nn.Parameter(torch.zeros(cfg.d_model, dtype=cfg.dtype))
        self.with_weights = with_weights
        self.hook_scale = HookPoint()  # (B, T, 1)
        self.hook_normalized = HookPoint()  # (B, T, D)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.cfg.dtype not in (torch.float32, torch.float64):
            x = x.to(torch.float32)
        x = x - x.mean(-1, keepdim=True)
        scale = self.hook_scale((x.pow(2).mean(-1, keepdim=True) + self.eps).sqrt())
        x = self.hook_normalized(x / scale).to(self.cfg.dtype)
        return x * self.w + self.b if self.with_weights else x


def _norm(cfg: LeanConfig) -> nn.Module:
    if cfg.normalization_type is None:
        return nn.Identity()
    return LayerNorm(cfg, with_weights=cfg.normalization_type == "LN")


def _repeat_heads(x_BTD: torch.Tensor, n_heads: int) -> torch.Tensor:
    # (B, T, D) -> (B, T, n, D), as TransformerLens's repeat_along_head_dimension: a copy,
    # not einops' expanded view, so a hook that edits one head's input edits that head only
    x_BTnD = einops.repeat(x_BTD, "batch pos d_model -> batch pos n_heads d_model", n_heads=n_heads)
    return x_BTnD.clone()


class Attention(nn.Module):
    """HookedTransformer's Attention: ``W_Q/W_K/W_V`` (n, D, h), ``W_O`` (n, h, D), biases;
    hooks ``hook_q/k/v/z/attn_scores/pattern/result`` (and ``hook_rot_q/k`` for rotary)."""

    def __init__(self, cfg: LeanConfig):
        super().__init__()
        self.cfg = cfg
        n, D, h = cfg.n_heads, cfg.d_model, cfg.d_head
        # Registration order is HookedTransformer's (the init draws weights in this order).
        self.W_Q = nn.Parameter(torch.empty(n, D, h, dtype=cfg.dtype))
        self.W_O = nn.Parameter(torch.empty(n, h, D, dtype=cfg.dtype))
        self.b_Q = nn.Parameter(torch.zeros(n, h, dtype=cfg.dtype))
        self.b_O = nn.Parameter(torch.zeros(D, dtype=cfg.dtype))
        self.register_buffer("mask", torch.empty((0, 0), dtype=torch.bool))
        self.register_buffer("IGNORE", torch.tensor(-torch.inf))
        self.attn_scale = cfg.attn_scale if cfg.use_attn_scale else 1.0
        self.hook_k = HookPoint()  # (B, T, n, h)
        self.hook_q = HookPoint()  # (B, T, n, h)
        self.hook_v = HookPoint()  # (B, T, n, h)
        self.hook_z = HookPoint()  # (B, T, n, h)
        self.hook_attn_scores = HookPoint()  # (B, n, T, T)
        self.hook_pattern = HookPoint()  # (B, n, T, T)
        self.hook_result = HookPoint()  # (B, T, n, D)
        if cfg.positional_embedding_type == "shortformer":
            self.hook_attn_input = HookPoint()  # (B, T, D), as in HookedTransformer (unused)
        elif cfg.positional_embedding_type == "rotary":
            self.hook_rot_k = HookPoint()
            self.hook_rot_q = HookPoint()
            sin, cos = self._sin_cos(min(cfg.n_ctx, 2048))
            self.register_buffer("rotary_sin", sin)
            self.register_buffer("rotary_cos", cos)
        self.W_K = nn.Parameter(torch.empty(n, D, h, dtype=cfg.dtype))
        self.W_V = nn.Parameter(torch.empty(n, D, h, dtype=cfg.dtype))
        self.b_K = nn.Parameter(torch.zeros(n, h, dtype=cfg.dtype))
        self.b_V = nn.Parameter(torch.zeros(n, h, dtype=cfg.dtype))

    def _sin_cos(self, n_ctx: int) -> tuple[torch.Tensor, torch.Tensor]:
        cfg = self.cfg
        high = torch.float32 if cfg.dtype != torch.float64 else torch.float64
        pos = torch.arange(n_ctx, dtype=high)
        dim = torch.arange(cfg.rotary_dim // 2, dtype=high)
        freq = cfg.rotary_base ** (dim / (cfg.rotary_dim / 2))
        pattern = "d -> (d 2)" if cfg.rotary_adjacent_pairs else "d -> (2 d)"
        freq = einops.repeat(freq, pattern)
        angles = pos[:, None] / freq[None, :]
        return torch.sin(angles).to(cfg.dtype), torch.cos(angles).to(cfg.dtype)

    def _rotate_every_two(self, x: torch.Tensor) -> torch.Tensor:
        rot_x = x.clone()
        if self.cfg.rotary_adjacent_pairs:
            rot_x[..., ::2] = -x[..., 1::2]
            rot_x[..., 1::2] = x[..., ::2]
        else:
            n = x.size(-1) // 2
            rot_x[..., :n] = -x[..., n:]
            rot_x[..., n:] = x[..., :n]
        return rot_x

    def _apply_rotary(self, x_BTnh: torch.Tensor) -> torch.Tensor:
        T, r = x_BTnh.size(1), self.cfg.rotary_dim
        if T > self.rotary_cos.shape[0]:
            sin, cos = self._sin_cos(self.cfg.n_ctx)
            self.rotary_sin, self.rotary_cos = sin.to(x_BTnh.device), cos.to(x_BTnh.device)
        x_rot, x_pass = x_BTnh[..., :r], x_BTnh[..., r:]
        x_flip = self._rotate_every_two(x_rot)
        cos = self.rotary_cos[None, :T, None, :]
        sin = self.rotary_sin[None, :T, None, :]
        x_rotated = x_rot * cos + x_flip * sin
        return torch.cat([x_rotated, x_pass], dim=-1)

    def forward(
        self, query_input: torch.Tensor, key_input: torch.Tensor, value_input: torch.Tensor
    ) -> torch.Tensor:
        cfg = self.cfg
        split = cfg.use_split_qkv_input or cfg.use_attn_in
        linear = complex_attn_linear if split else simple_attn_linear
        q = self.hook_q(linear(query_input, self.W_Q, self.b_Q))  # (B, T, n, h)
        k = self.hook_k(linear(key_input, self.W_K, self.b_K))
        v = self.hook_v(linear(value_input, self.W_V, self.b_V))
        if cfg.positional_embedding_type == "rotary":
            q = self.hook_rot_q(self._apply_rotary(q))
            k = self.hook_rot_k(self._apply_rotary(k))
        q_ = einops.rearrange(q, "b q n h -> b n q h")
        k_ = einops.rearrange(k, "b k n h -> b n h k")
        scores = q_ @ k_ / self.attn_scale  # (B, n, T, T)
        if cfg.attention_dir == "causal":
            T_q, T_k = scores.size(-2), scores.size(-1)
            query_pos = torch.arange(T_q, device=scores.device)
            key_pos = torch.arange(T_k, device=scores.device)
            keep = (key_pos[None, :] <= query_pos[:, None])[None, None]
            scores = torch.where(keep, scores, self.IGNORE.to(scores.device))
        scores = self.hook_attn_scores(scores)
        pattern = F.softmax(scores, dim=-1)
        pattern = torch.where(torch.isnan(pattern), torch.zeros_like(pattern), pattern)
        pattern = self.hook_pattern(pattern).to(device=v.device, dtype=v.dtype)
        v_ = einops.rearrange(v, "b k n h -> b n k h")
        z = self.hook_z(einops.rearrange(pattern @ v_, "b n q h -> b q n h"))  # (B, T, n, h)
        if not cfg.use_attn_result:
            w = einops.rearrange(self.W_O, "n h d -> d (n h)").contiguous()
            z = z.reshape(z.shape[0], z.shape[1], cfg.d_head * cfg.n_heads)
            return F.linear(z, w, self.b_O)
        w = einops.rearrange(self.W_O, "n h d -> 1 1 n h d")
        z = einops.rearrange(z, "b t n h -> b t n h 1")
        result = self.hook_result((z * w).sum(-2))  # (B, T, n, D)
        return einops.reduce(result, "b t n d -> b t d", "sum") + self.b_O


class MLP(nn.Module):
    """HookedTransformer's MLP: ``W_in`` (D, M), ``b_in``, ``W_out`` (M, D), ``b_out``;
    hooks ``hook_pre``, ``hook_post``."""

    def __init__(self, cfg: LeanConfig):
        super().__init__()
        self.cfg = cfg
        self.W_in = nn.Parameter(torch.empty(cfg.d_model, cfg.d_mlp, dtype=cfg.dtype))
        self.b_in = nn.Parameter(torch.zeros(cfg.d_mlp, dtype=cfg.dtype))
        self.W_out = nn.Parameter(torch.empty(cfg.d_mlp, cfg.d_model, dtype=cfg.dtype))
        self.b_out = nn.Parameter(torch.zeros(cfg.d_model, dtype=cfg.dtype))
        self.act_fn = SUPPORTED_ACTIVATIONS[cfg.act_fn]
        self.hook_pre = HookPoint()  # (B, T, M)
        self.hook_post = HookPoint()  # (B, T, M)

    def forward(self, x_BTD: torch.Tensor) -> torch.Tensor:
        pre = self.hook_pre(batch_addmm(self.b_in, self.W_in, x_BTD))
        post = self.hook_post(self.act_fn(pre))
        return batch_addmm(self.b_out, self.W_out, post)


class TransformerBlock(nn.Module):
    """HookedTransformer's pre-LN block, with its hook points (``hook_resid_pre``, ...)."""

    def __init__(self, cfg: LeanConfig):
        super().__init__()
        self.cfg = cfg
        self.ln1 = _norm(cfg)
        if not cfg.attn_only:
            self.ln2 = _norm(cfg)
        self.attn = Attention(cfg)
        if not cfg.attn_only:
            self.mlp = MLP(cfg)
        self.hook_attn_in = HookPoint()  # (B, T, n, D)
        self.hook_q_input = HookPoint()  # (B, T, n, D)
        self.hook_k_input = HookPoint()  # (B, T, n, D)
        self.hook_v_input = HookPoint()  # (B, T, n, D)
        self.hook_mlp_in = HookPoint()  # (B, T, D)
        self.hook_attn_out = HookPoint()  # (B, T, D)
        self.hook_mlp_out = HookPoint()  # (B, T, D)
        self.hook_resid_pre = HookPoint()  # (B, T, D)
        if not cfg.attn_only and not cfg.parallel_attn_mlp:
            self.hook_resid_mid = HookPoint()  # (B, T, D)
        self.hook_resid_post = HookPoint()  # (B, T, D)

    def forward(
        self, resid_pre: torch.Tensor, shortformer_pos_embed: torch.Tensor | None = None
    ) -> torch.Tensor:
        cfg = self.cfg
        resid_pre = self.hook_resid_pre(resid_pre)
        attn_in = resid_pre
        if cfg.use_attn_in or cfg.use_split_qkv_input:
            if shortformer_pos_embed is not None:
                shortformer_pos_embed = _repeat_heads(shortformer_pos_embed, cfg.n_heads)
        if cfg.use_attn_in:
            attn_in = self.hook_attn_in(_repeat_heads(resid_pre, cfg.n_heads))
        if cfg.use_split_qkv_input:
            query_input = self.hook_q_input(_repeat_heads(resid_pre, cfg.n_heads))
            key_input = self.hook_k_input(_repeat_heads(resid_pre, cfg.n_heads))
            value_input = self.hook_v_input(_repeat_heads(resid_pre, cfg.n_heads))
        else:
            query_input = key_input = value_input = attn_in
        pos = 0.0 if shortformer_pos_embed is None else shortformer_pos_embed
        attn_out = self.attn(
            query_input=self.ln1(query_input) + pos,
            key_input=self.ln1(key_input) + pos,
            value_input=self.ln1(value_input),
        )
        attn_out = self.hook_attn_out(attn_out)
        if not cfg.attn_only and not cfg.parallel_attn_mlp:
            resid_mid = self.hook_resid_mid(resid_pre + attn_out)
            mlp_in = resid_mid if not cfg.use_hook_mlp_in else self.hook_mlp_in(resid_mid.clone())
            mlp_out = self.hook_mlp_out(self.mlp(self.ln2(mlp_in)))
            return self.hook_resid_post(resid_mid + mlp_out)
        if cfg.parallel_attn_mlp:
            mlp_in = resid_pre if not cfg.use_hook_mlp_in else self.hook_mlp_in(resid_pre.clone())
            mlp_out = self.hook_mlp_out(self.mlp(self.ln2(mlp_in)))
            return self.hook_resid_post(resid_pre + attn_out + mlp_out)
        return self.hook_resid_post(resid_pre + attn_out)


class Embed(nn.Module):
    """``W_E`` (V, D)."""

    def __init__(self, cfg: LeanConfig):
        super().__init__()
        self.W_E = nn.Parameter(torch.empty(cfg.d_vocab, cfg.d_model, dtype=cfg.dtype))

    def forward(self, tokens_BT: torch.Tensor) -> torch.Tensor:
        return self.W_E[tokens_BT, :]


class PosEmbed(nn.Module):
    """``W_pos`` (n_ctx, D)."""

    def __init__(self, cfg: LeanConfig):
        super().__init__()
        self.W_pos = nn.Parameter(torch.empty(cfg.n_ctx, cfg.d_model, dtype=cfg.dtype))

    def forward(self, tokens_BT: torch.Tensor) -> torch.Tensor:
        pos_TD = self.W_pos[: tokens_BT.size(-1), :]
        return einops.repeat(pos_TD, "t d -> b t d", b=tokens_BT.size(0)).clone()


class Unembed(nn.Module):
    """``W_U`` (D, V_out), ``b_U``."""

    def __init__(self, cfg: LeanConfig):
        super().__init__()
        self.W_U = nn.Parameter(torch.empty(cfg.d_model, cfg.d_vocab_out, dtype=cfg.dtype))
        self.b_U = nn.Parameter(torch.zeros(cfg.d_vocab_out, dtype=cfg.dtype))
        self.hook_in = HookPoint()  # (B, T, D)
        self.hook_out = HookPoint()  # (B, T, V_out)

    def forward(self, resid_BTD: torch.Tensor) -> torch.Tensor:
        resid_BTD = self.hook_in(resid_BTD)
        return self.hook_out(F.linear(resid_BTD, self.W_U.T.contiguous(), self.b_U))


class LeanTransformer(HookedRootModule):
    """HookedTransformer's forward pass, hook names and parameters for config-built models.

    ``LeanTransformer(cfg)`` with a :class:`LeanConfig` (or a dict of its fields); weights
    drawn as HookedTransformer draws them from ``cfg.seed``. ``model(tokens_BT)`` returns
    logits (B, T, V_out); ``return_type=None`` nothing, ``"loss"`` the mean next-token
    loss; ``stop_at_layer=l`` the residual stream before block ``l``. ``run_with_hooks``,
    ``run_with_cache`` and ``hook_dict`` are HookedRootModule's.
    """

    def __init__(self, cfg: LeanConfig | dict[str, Any], move_to_device: bool = True):
        super().__init__()
        self.cfg = cfg if isinstance(cfg, LeanConfig) else LeanConfig.from_fields(**cfg)
        cfg = self.cfg
        self.tokenizer = None
        self.embed = Embed(cfg)
        self.hook_embed = HookPoint()  # (B, T, D)
        if cfg.positional_embedding_type != "rotary":
            self.pos_embed = PosEmbed(cfg)
            self.hook_pos_embed = HookPoint()  # (B, T, D)
        self.blocks = nn.ModuleList([TransformerBlock(cfg) for _ in range(cfg.n_layers)])
        if cfg.normalization_type is not None:
            self.ln_final = _norm(cfg)
        self.unembed = Unembed(cfg)
        if cfg.init_weights:
            self.init_weights()
        if move_to_device and cfg.device is not None:
            self.to(cfg.device)
        self.setup()

    def init_weights(self) -> None:
        """GPT-2 init as HookedTransformer: every ``W_*`` ~ N(0, initializer_range), in
        parameter order, after ``torch.manual_seed(cfg.seed)`` (when a seed is set)."""
        if self.cfg.seed is not None:
            torch.manual_seed(self.cfg.seed)
        for name, param in self.named_parameters():
            if "W_" in name:
                nn.init.normal_(param, std=self.cfg.initializer_range)

    def forward(
        self,
        input: torch.Tensor,
        return_type: str | None = "logits",
        stop_at_layer: int | None = None,
        **unsupported: Any,
    ) -> torch.Tensor | None:
        """Logits (B, T, V_out) of token ids ``input`` (B, T); see the class docstring."""
        if unsupported:
            raise TypeError(
                f"the lean transformer does not implement forward({', '.join(unsupported)}=...)"
            )
        if not isinstance(input, torch.Tensor) or input.dtype.is_floating_point:
            raise TypeError("the lean transformer takes token ids, a LongTensor (B, T)")
        tokens_BT = input if input.ndim == 2 else input[None]
        tokens_BT = tokens_BT.to(self.embed.W_E.device)
        residual = self.hook_embed(self.embed(tokens_BT))
        shortformer_pos = None
        if self.cfg.positional_embedding_type == "standard":
            residual = residual + self.hook_pos_embed(self.pos_embed(tokens_BT))
        elif self.cfg.positional_embedding_type == "shortformer":
            shortformer_pos = self.hook_pos_embed(self.pos_embed(tokens_BT))
        for block in self.blocks[:stop_at_layer]:
            residual = block(residual, shortformer_pos_embed=shortformer_pos)
        if stop_at_layer is not None:
            return residual
        if self.cfg.normalization_type is not None:
            residual = self.ln_final(residual)
        if return_type is None:
            return None
        logits = self.unembed(residual)
        if return_type == "logits":
            return logits
        loss = _next_token_loss(logits, tokens_BT)
        if return_type == "loss":
            return loss
        if return_type == "both":
            return logits, loss
        raise ValueError(f"return_type={return_type!r}: 'logits', 'loss', 'both' or None")

    def _stack(self, name: str) -> torch.Tensor:
        return torch.stack([getattr(block.attn, name) for block in self.blocks], dim=0)

    @property
    def W_Q(self) -> torch.Tensor:
        """Every layer's ``W_Q`` stacked: (n_layers, n, D, h), as HookedTransformer.W_Q."""
        return self._stack("W_Q")

    @property
    def W_K(self) -> torch.Tensor:
        """Every layer's ``W_K`` stacked: (n_layers, n, D, h)."""
        return self._stack("W_K")

    @property
    def W_V(self) -> torch.Tensor:
        """Every layer's ``W_V`` stacked: (n_layers, n, D, h)."""
        return self._stack("W_V")

    @property
    def W_O(self) -> torch.Tensor:
        """Every layer's ``W_O`` stacked: (n_layers, n, h, D)."""
        return self._stack("W_O")

    @property
    def W_E(self) -> torch.Tensor:
        """The token embedding (V, D)."""
        return self.embed.W_E

    @property
    def W_U(self) -> torch.Tensor:
        """The unembedding (D, V_out)."""
        return self.unembed.W_U

    def set_use_attn_result(self, use_attn_result: bool) -> None:
        """Compute each head's output (``attn.hook_result``) separately."""
        self.cfg.use_attn_result = use_attn_result

    def set_use_split_qkv_input(self, use_split_qkv_input: bool) -> None:
        """Give each head its own query, key and value inputs (``hook_{q,k,v}_input``)."""
        self.cfg.use_split_qkv_input = use_split_qkv_input

    def set_use_hook_mlp_in(self, use_hook_mlp_in: bool) -> None:
        """Expose the MLP input (``hook_mlp_in``)."""
        self.cfg.use_hook_mlp_in = use_hook_mlp_in

    def set_use_attn_in(self, use_attn_in: bool) -> None:
        """Give each head its own attention input (``hook_attn_in``)."""
        self.cfg.use_attn_in = use_attn_in

    def move_model_modules_to_device(self) -> None:
        """Move every module to ``cfg.device`` (HookedTransformer's name for it)."""
        if self.cfg.device is not None:
            self.to(self.cfg.device)


def _next_token_loss(logits_BTV: torch.Tensor, tokens_BT: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy, as TransformerLens's lm_cross_entropy_loss."""
    log_probs = logits_BTV.log_softmax(dim=-1)
    predicted = log_probs[..., :-1, :].gather(dim=-1, index=tokens_BT[..., 1:, None])[..., 0]
    return -predicted.mean()
