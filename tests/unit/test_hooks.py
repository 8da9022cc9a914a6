import pytest
import torch

from sae_core.hooks import head_outputs, hook_name


def _reference_results(model, tokens):
    """hook_result straight from TransformerLens: [N, T, H, D] (layer-major heads)."""
    model.cfg.use_attn_result = True
    try:
        _, cache = model.run_with_cache(tokens)
    finally:
        model.cfg.use_attn_result = False
    per_layer = [cache[hook_name(layer, "result")] for layer in range(model.cfg.n_layers)]
    return torch.cat(per_layer, dim=2)


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
    from sae_core.hooks import _pool_z

    perm = torch.randperm(5)
    torch.testing.assert_close(_pool_z(z, "mean"), _pool_z(z[:, perm], "mean"))
    assert not torch.allclose(_pool_z(z, "positions"), _pool_z(z[:, perm], "positions"))


def test_bad_shapes_and_pooling(model, tokens):
    with pytest.raises(ValueError, match=r"expected \[N, T\]"):
        head_outputs(model, tokens[0])
    with pytest.raises(ValueError, match="pooling"):
        head_outputs(model, tokens, pooling="max")
