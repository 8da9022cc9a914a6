"""Shared fixtures: tiny random-weight models built from a config (no hub)."""

from __future__ import annotations

import pytest
import torch

from sae_core.models.pretrained import model_from_config


def tiny_model(n_layers: int = 2, n_heads: int = 3, d_model: int = 16, seed: int = 0):
    """A random-weight HookedTransformer small enough for unit tests."""
    return model_from_config(
        n_layers=n_layers,
        n_heads=n_heads,
        d_model=d_model,
        d_head=d_model // 4,
        d_mlp=32,
        d_vocab=20,
        n_ctx=16,
        act_fn="relu",
        normalization_type="LN",
        seed=seed,
        device="cpu",
    )


@pytest.fixture(scope="session")
def model():
    return tiny_model()


@pytest.fixture
def tokens():
    gen = torch.Generator().manual_seed(0)
    return torch.randint(0, 20, (7, 6), generator=gen)
