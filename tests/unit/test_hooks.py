"""The one door to TransformerLens: hook names, cached runs, replaced and patched passes."""

import pytest
import torch

from sae_core.hooks import (
    _pool_z,
    cache_activations,
    head_outputs,
    head_result,
    hook_layer,
    hook_name,
    logits_with_key_input_added,
    logits_with_z_replaced,
    mean_z_by_layer,
)
from sae_core.types import HeadId


def _reference_results(model, tokens):
    """hook_result from TransformerLens' own cache: [N, T, H, D] (layer-major heads)."""
    names = [hook_name(layer, "result") for layer in range(model.cfg.n_layers)]
    cache = cache_activations(model, tokens, names)
    return torch.cat([cache[name] for name in names], dim=2)


def _z(model, tokens, layer):
    return cache_activations(model, tokens, [hook_name(layer, "z")])[hook_name(layer, "z")]


# --- names -------------------------------------------------------------------------


def test_hook_names_round_trip():
    assert hook_name(3) == "blocks.3.attn.hook_z"
    assert hook_name(0, "pattern") == "blocks.0.attn.hook_pattern"
    assert hook_name(11, "k_input") == "blocks.11.hook_k_input"
    assert hook_name(2, "resid_post") == "blocks.2.hook_resid_post"
    for name in (hook_name(7, "z"), hook_name(7, "q_input"), hook_name(7, "result")):
        assert hook_layer(name) == 7
    with pytest.raises(ValueError, match="hook_name"):
        hook_layer("hook_embed")


# --- head outputs ------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_mean_pooling_equals_hook_result_mean(model, tokens, batch_size):
    expected = _reference_results(model, tokens).mean(dim=1)
    got = head_outputs(model, tokens, pooling="mean", batch_size=batch_size)
    assert got.shape == (7, model.cfg.n_layers * model.cfg.n_heads, model.cfg.d_model)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)


def test_last_and_positions_pooling(model, tokens):
    expected = _reference_results(model, tokens)
    last = head_outputs(model, tokens, pooling="last")
    torch.testing.assert_close(last, expected[:, -1], atol=1e-5, rtol=1e-4)
    rows = head_outputs(model, tokens, pooling="positions", batch_size=2)
    assert rows.shape[0] == tokens.shape[0] * tokens.shape[1]
    torch.testing.assert_close(rows, expected.flatten(0, 1), atol=1e-5, rtol=1e-4)


def test_mean_pooling_is_blind_to_a_permutation_of_head_rows(model, tokens):
    """Why mean pooling hides order: permuting positions of z leaves the mean unchanged."""
    z = torch.randn(2, 5, 3, 4)
    perm = torch.randperm(5)
    torch.testing.assert_close(_pool_z(z, "mean"), _pool_z(z[:, perm], "mean"))
    assert not torch.allclose(_pool_z(z, "positions"), _pool_z(z[:, perm], "positions"))


def test_bad_shapes_and_pooling(model, tokens):
    with pytest.raises(ValueError, match=r"expected \[N, T\]"):
        head_outputs(model, tokens[0])
    with pytest.raises(ValueError, match="pooling"):
        head_outputs(model, tokens, pooling="max")


# --- cached runs -------------------------------------------------------------------


def test_cache_restores_the_options_it_needs(model, tokens):
    assert not model.cfg.use_attn_result
    _reference_results(model, tokens)
    assert not model.cfg.use_attn_result  # switched on for that pass only
    with pytest.raises(ValueError, match="no hook points"):
        cache_activations(model, tokens, [hook_name(model.cfg.n_layers, "z")])


def test_head_result_is_its_slice_of_hook_result(model, tokens):
    expected = _reference_results(model, tokens)
    head = HeadId(1, 2)
    got = head_result(model, tokens, head)
    index = head.layer * model.cfg.n_heads + head.head
    assert got.shape == (*tokens.shape, model.cfg.d_model)
    torch.testing.assert_close(got, expected[:, :, index], atol=1e-5, rtol=1e-4)


def test_mean_z_matches_the_cached_mean(model, tokens):
    means = mean_z_by_layer(model, tokens, batch_size=3)
    assert set(means) == set(range(model.cfg.n_layers))
    for layer, mean_Tnh in means.items():
        expected = _z(model, tokens, layer).double().mean(dim=0).float()
        assert mean_Tnh.shape == (tokens.shape[1], model.cfg.n_heads, model.cfg.d_head)
        torch.testing.assert_close(mean_Tnh, expected, atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match=r"N >= 1"):
        mean_z_by_layer(model, tokens[:0])


def test_mean_z_is_batch_independent(model):
    tokens = torch.randint(0, 20, (7, 5), generator=torch.Generator().manual_seed(3))
    full = mean_z_by_layer(model, tokens)
    batched = mean_z_by_layer(model, tokens, batch_size=3)
    for layer in full:
        torch.testing.assert_close(full[layer], batched[layer], atol=1e-6, rtol=0)


# --- replaced and patched passes ---------------------------------------------------


def test_replacing_nothing_is_the_clean_run(model, tokens):
    with torch.no_grad():
        clean = model(tokens)
    assert torch.equal(logits_with_z_replaced(model, tokens, [], {}), clean)
    last = logits_with_z_replaced(model, tokens, [], {}, last_position_only=True)
    torch.testing.assert_close(last, clean[:, -1], atol=1e-5, rtol=1e-5)


def test_replacing_a_head_by_its_own_z_changes_nothing(model, tokens):
    one = tokens[:1]  # one prompt: its per-position mean is its own hook_z
    with torch.no_grad():
        clean = model(one)
    means = mean_z_by_layer(model, one)
    heads = [HeadId(0, 1), HeadId(1, 0), HeadId(1, 2)]
    torch.testing.assert_close(
        logits_with_z_replaced(model, one, heads, means), clean, atol=1e-5, rtol=1e-5
    )


def test_mean_ablation_acts_and_last_position_matches_the_full_run(model, tokens):
    means = mean_z_by_layer(model, tokens[:3])
    heads = [HeadId(1, 2), HeadId(0, 2)]
    replaced = logits_with_z_replaced(model, tokens, heads, means)
    assert not torch.allclose(replaced, logits_with_z_replaced(model, tokens, [], {}))
    assert torch.equal(replaced, logits_with_z_replaced(model, tokens, heads[::-1], means))
    last = logits_with_z_replaced(model, tokens, heads, means, last_position_only=True)
    assert last.shape == (tokens.shape[0], model.cfg.d_vocab)
    torch.testing.assert_close(last, replaced[:, -1], atol=1e-5, rtol=1e-5)


def test_zeroing_a_head_equals_zeroing_its_output_weights(model, tokens):
    """Zero ablation of hook_z is the same model as W_O[head] = 0 (the output has no bias)."""
    head = HeadId(1, 1)
    zeros_nh = torch.zeros(model.cfg.n_heads, model.cfg.d_head)
    ablated = logits_with_z_replaced(model, tokens, [head], {head.layer: zeros_nh})
    W_O = model.blocks[head.layer].attn.W_O
    saved = W_O[head.head].detach().clone()
    try:
        with torch.no_grad():
            W_O[head.head] = 0.0
            expected = model(tokens)
    finally:
        with torch.no_grad():
            W_O[head.head] = saved
    torch.testing.assert_close(ablated, expected, atol=1e-5, rtol=1e-5)


def test_replacement_errors_name_the_fix(model, tokens):
    means = mean_z_by_layer(model, tokens[:, :4])
    with pytest.raises(ValueError, match="same token length"):
        logits_with_z_replaced(model, tokens, [HeadId(0, 0)], means)
    with pytest.raises(ValueError, match="every layer"):
        logits_with_z_replaced(model, tokens, [HeadId(1, 0)], {0: means[0]})


def test_key_input_patch(model, tokens):
    with torch.no_grad():
        clean = model(tokens)
    head = HeadId(1, 0)
    zero_D = torch.zeros(model.cfg.d_model)
    torch.testing.assert_close(
        logits_with_key_input_added(model, tokens, head, zero_D), clean, atol=1e-5, rtol=1e-5
    )
    assert not model.cfg.use_split_qkv_input  # switched on for that pass only
    # removing a layer-0 head from one layer-1 head's keys changes the output, but only
    # from position 1 on: at position 0 the query attends to its own key alone
    out_BTD = head_result(model, tokens, HeadId(0, 1))
    patched = logits_with_key_input_added(model, tokens, head, -out_BTD)
    assert not torch.allclose(patched[:, 1:], clean[:, 1:], atol=1e-4)
    torch.testing.assert_close(patched[:, 0], clean[:, 0], atol=1e-5, rtol=1e-5)
