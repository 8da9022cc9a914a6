"""The in-house LeanTransformer against HookedTransformer: same names, weights, outputs.

Equality tests build both from the same fields (``build_model(lean=False/True)``) and need
TransformerLens 3.x's HookedTransformer (the main environment); elsewhere they skip and
the rest checks the lean model alone.
"""

from __future__ import annotations

import pytest
import torch

from sae_core import hooks
from sae_core.compat import has_hooked_transformer, transformer_lens_major
from sae_core.models.build import build_model
from sae_core.models.lean_transformer import LeanConfig, LeanTransformer

CONFIGS = {
    "ln_relu": dict(
        n_layers=2, n_heads=3, d_model=16, d_head=4, d_mlp=32, d_vocab=20, n_ctx=16,
        act_fn="relu", normalization_type="LN",
    ),
    "gpt2_like": dict(
        n_layers=2, n_heads=4, d_model=32, d_head=8, d_mlp=128, d_vocab=50, n_ctx=16,
        act_fn="gelu_new", normalization_type="LN", eps=1e-5,
        positional_embedding_type="standard", original_architecture="GPT2LMHeadModel",
    ),
    "induction_toy_like": dict(
        n_layers=2, n_heads=4, d_model=64, d_head=16, d_vocab=48, n_ctx=40, attn_only=True,
        positional_embedding_type="shortformer", normalization_type=None, act_fn=None,
    ),
    "tracr_like": dict(
        n_layers=2, n_heads=2, d_model=12, d_head=3, d_mlp=8, d_vocab=7, d_vocab_out=5,
        n_ctx=6, act_fn="relu", normalization_type=None, attention_dir="bidirectional",
        use_attn_scale=False, default_prepend_bos=False,
    ),
    "pythia_like": dict(
        n_layers=2, n_heads=4, d_model=32, d_head=8, d_mlp=64, d_vocab=50, n_ctx=32,
        act_fn="gelu", normalization_type="LN", parallel_attn_mlp=True,
        positional_embedding_type="rotary", rotary_dim=4, rotary_adjacent_pairs=False,
        rotary_base=10000,
    ),
    "lnpre_adjacent_rotary": dict(
        n_layers=1, n_heads=2, d_model=16, d_head=8, d_mlp=32, d_vocab=30, n_ctx=16,
        act_fn="gelu_new", normalization_type="LNPre", positional_embedding_type="rotary",
        rotary_dim=8, rotary_adjacent_pairs=True,
    ),
}

needs_hooked = pytest.mark.skipif(
    not has_hooked_transformer() or transformer_lens_major() < 3,
    reason="the reference is TransformerLens 3.x's HookedTransformer (the main environment); "
    "4.x has none, 2.x keeps a full causal-mask buffer and a few other hook points",
)


def _tokens(d_vocab: int, n_ctx: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(1)
    return torch.randint(0, d_vocab, (3, min(n_ctx, 10)), generator=gen)


@needs_hooked
@pytest.mark.parametrize("name", list(CONFIGS))
def test_same_parameters_and_weights_from_the_same_seed(name):
    ref = build_model(lean=False, seed=3, **CONFIGS[name])
    lean = build_model(lean=True, seed=3, **CONFIGS[name])
    ref_params, lean_params = dict(ref.named_parameters()), dict(lean.named_parameters())
    assert list(lean_params) == list(ref_params)
    for key, value in ref_params.items():
        assert torch.equal(lean_params[key], value), key
    assert set(lean.state_dict()) == set(ref.state_dict())
    for stacked in ("W_Q", "W_K", "W_V", "W_O", "W_E", "W_U"):
        assert torch.equal(getattr(lean, stacked), getattr(ref, stacked)), stacked


@needs_hooked
@pytest.mark.parametrize("name", list(CONFIGS))
def test_same_hook_names_and_outputs_bit_for_bit(name):
    ref = build_model(lean=False, seed=5, **CONFIGS[name]).eval()
    lean = build_model(lean=True, seed=5, **CONFIGS[name]).eval()
    assert set(lean.hook_dict) == set(ref.hook_dict)
    tokens = _tokens(CONFIGS[name]["d_vocab"], CONFIGS[name]["n_ctx"])
    with torch.no_grad():
        assert torch.equal(lean(tokens), ref(tokens))
        for split in (False, True):  # the per-head paths hooks.py switches on
            names = [hooks.hook_name(0, "result")] + (
                [hooks.hook_name(1 % ref.cfg.n_layers, "q_input")] if split else []
            )
            ref_cache = hooks.cache_activations(ref, tokens, names)
            lean_cache = hooks.cache_activations(lean, tokens, names)
            for key in names:
                assert torch.equal(lean_cache[key], ref_cache[key]), key
        # a hook editing one head's key input in place (path patching) edits that head only
        layer = ref.cfg.n_layers - 1
        delta_D = torch.linspace(-1, 1, ref.cfg.d_model)
        torch.testing.assert_close(
            hooks.logits_with_key_input_added(lean, tokens, (layer, 0), delta_D),
            hooks.logits_with_key_input_added(ref, tokens, (layer, 0), delta_D),
            atol=0, rtol=0,
        )
        ref_heads = hooks.head_outputs(ref, tokens, batch_size=2)
        lean_heads = hooks.head_outputs(lean, tokens, batch_size=2)
    assert torch.equal(torch.as_tensor(lean_heads), torch.as_tensor(ref_heads))


@needs_hooked
def test_a_hooked_transformer_state_dict_loads_unchanged():
    ref = build_model(lean=False, seed=7, **CONFIGS["gpt2_like"]).eval()
    lean = build_model(lean=True, seed=0, **CONFIGS["gpt2_like"]).eval()
    lean.load_state_dict(ref.state_dict())
    tokens = _tokens(50, 16)
    with torch.no_grad():
        assert torch.equal(lean(tokens), ref(tokens))
        assert torch.equal(lean(tokens, stop_at_layer=1), ref(tokens, stop_at_layer=1))
        assert torch.equal(lean(tokens, return_type="loss"), ref(tokens, return_type="loss"))


def test_lean_model_runs_hooks_and_stops_at_a_layer():
    model = LeanTransformer(LeanConfig.from_fields(seed=0, **CONFIGS["ln_relu"])).eval()
    tokens = _tokens(20, 16)
    cache = hooks.cache_activations(model, tokens, [hooks.hook_name(1, "z")])
    assert cache["blocks.1.attn.hook_z"].shape == (3, 10, 3, 4)
    assert model(tokens).shape == (3, 10, 20)
    assert model(tokens, stop_at_layer=1).shape == (3, 10, 16)
    assert not model.cfg.use_attn_result  # hooks.py restores the switches it flips


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"normalization_type": "RMS"}, "normalization_type"),
        ({"act_fn": "solu_ln"}, "act_fn"),
        ({"positional_embedding_type": "alibi"}, "positional_embedding_type"),
        ({"n_key_value_heads": 1}, "n_key_value_heads"),
    ],
)
def test_unsupported_fields_are_refused_by_name(fields, message):
    with pytest.raises(ValueError, match=message):
        LeanConfig.from_fields(**{**CONFIGS["ln_relu"], **fields})
