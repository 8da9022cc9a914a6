"""k-means codes (the cheaper discretiser): correctness, batched seeds, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sae_core.config import SAEConfig
from sae_core.discretisers import kmeans as discretise


def blobs(n_per: int = 30, n_blobs: int = 5, d_model: int = 8, seed: int = 0):
    """Well-separated Gaussian blobs: rows [n_per * n_blobs, D] and their blob labels."""
    gen = torch.Generator().manual_seed(seed)
    centres_KD = torch.randn(n_blobs, d_model, generator=gen) * 20
    labels_R = torch.arange(n_blobs).repeat_interleave(n_per)
    x_RD = centres_KD[labels_R] + 0.1 * torch.randn(len(labels_R), d_model, generator=gen)
    return x_RD, labels_R.numpy()


def test_recovers_separated_blobs():
    x_RD, labels = blobs()
    fit = discretise.kmeans(x_RD, n_clusters=5, seeds=(0, 1, 2), device="cpu")
    codes_SR = discretise.codes(fit, x_RD)
    assert codes_SR.shape == (3, x_RD.shape[0])
    for codes_R in codes_SR:
        # a partition equal to the blobs, up to renaming of the clusters
        pairs = set(zip(labels.tolist(), codes_R.tolist(), strict=True))
        assert len(pairs) == 5 and len({c for _, c in pairs}) == 5
    assert (fit.n_iters_S < 100).all()


def test_codes_are_nearest_centroids_and_in_range():
    x_RD, _ = blobs(seed=1)
    fit = discretise.kmeans(x_RD, n_clusters=7, seeds=(4,), device="cpu")
    got_R = discretise.codes(fit, x_RD, batch_rows=13)[0]
    d2_RF = torch.cdist(x_RD.double(), fit.centroids_SFD[0].double()).square()
    np.testing.assert_array_equal(got_R, d2_RF.argmin(dim=1).numpy())
    assert got_R.min() >= 0 and got_R.max() < 7
    # inertia comes from the float32 expansion |x|^2 - 2 x.c + |c|^2, which cancels
    # (|x|^2 ~ 3e3 here against squared distances ~ 0.05): a few % of the exact value
    inertia = float(d2_RF.min(dim=1).values.sum())
    assert fit.inertia_S[0] == pytest.approx(inertia, rel=5e-2)


def test_batched_seeds_equal_one_by_one():
    x_RD, _ = blobs(n_per=12, n_blobs=6, seed=2)
    together = discretise.kmeans(x_RD, n_clusters=9, seeds=(0, 1, 2), device="cpu")
    for k, seed in enumerate((0, 1, 2)):
        alone = discretise.kmeans(x_RD, n_clusters=9, seeds=(seed,), device="cpu")
        np.testing.assert_array_equal(
            discretise.codes(alone, x_RD)[0], discretise.codes(together, x_RD)[k]
        )
        assert alone.n_iters_S[0] == together.n_iters_S[k]


def test_more_clusters_than_rows_is_allowed():
    x_RD, _ = blobs(n_per=2, n_blobs=3)
    fit = discretise.kmeans(x_RD, n_clusters=10, device="cpu")
    codes_R = discretise.codes(fit, x_RD)[0]
    assert len(set(codes_R.tolist())) <= 6


@pytest.mark.parametrize(
    "bad, err, match",
    [
        (np.zeros((4, 3)), TypeError, "float torch.Tensor"),
        (torch.zeros(4), TypeError, "float torch.Tensor"),
        (torch.tensor([[0.0, float("nan")]]), ValueError, "NaN"),
        (torch.zeros(0, 3), ValueError, "no rows"),
    ],
)
def test_bad_input_raises(bad, err, match):
    with pytest.raises(err, match=match):
        discretise.kmeans(bad, n_clusters=2, device="cpu")


def test_bad_settings_raise():
    x_RD, _ = blobs()
    with pytest.raises(ValueError, match="no repeats"):
        discretise.kmeans(x_RD, seeds=(1, 1), device="cpu")
    with pytest.raises(ValueError, match="n_clusters"):
        discretise.kmeans(x_RD, n_clusters=0, device="cpu")
    fit = discretise.kmeans(x_RD, n_clusters=3, device="cpu")
    with pytest.raises(ValueError, match="width"):
        discretise.codes(fit, torch.zeros(2, 5))


def test_config_validates_discretiser():
    assert SAEConfig(discretiser="kmeans").discretiser == "kmeans"
    with pytest.raises(ValueError, match="discretiser"):
        SAEConfig(discretiser="pca")
