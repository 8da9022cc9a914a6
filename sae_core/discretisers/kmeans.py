"""A cheaper discretiser than the SAE: k-means codes, over plain tensors.

The SAE method only ever uses an SAE through its codes: the argmax feature of each row
(:func:`sae_core.discretisers.sae.codes`). Any map from a vector to one of F integers can stand in.
Here: k-means with F centroids, fitted on the same training rows, and the code of a row
is the index of its nearest centroid (squared Euclidean distance). Like the SAE trainer
it takes plain tensors and knows nothing of language models.

Fitting is k-means++ seeding then Lloyd iterations, several seeds at once:

- seed k draws its random numbers from a CPU ``torch.Generator`` seeded with k, all
  before the first iteration, so its result does not depend on the other seeds;
- distances to every seed's centroids are one GEMM, ``x @ C^T`` over [D, S*F] columns
  (``|x|^2`` is the same for every centroid of a row and is left out of the argmin);
- centroid sums are a one-hot ``bmm`` (deterministic, unlike a scatter-add on CUDA);
- a centroid that loses all its rows keeps its place (no relocation), so there may be
  fewer than F codes in use, as with an SAE's dead features;
- a seed has converged when no row changes cluster; a converged seed is a fixed point,
  so iterating it further changes nothing. The loop ends when every seed converged, or
  after ``max_iters``.

Ties (equal distances) go to the lowest centroid index, as ``sae.codes`` breaks ties.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from sae_core.device import resolve_device


@dataclass(frozen=True, eq=False)
class KMeansResult:
    """Fitted k-means of S seeds.

    centroids_SFD: float32 [S, F, D] (CPU). seeds: the seed of each slice along S.
    n_iters_S: Lloyd iterations until seed k's assignment stopped changing (``max_iters``
    if it never did), int64 [S]. inertia_S: final sum of squared distances of the
    training rows to their centroids, float64 [S]. seconds: wall time of the fit.
    device: where it ran.
    """

    centroids_SFD: torch.Tensor
    seeds: tuple[int, ...]
    n_iters_S: np.ndarray
    inertia_S: np.ndarray
    seconds: float
    device: str

    @property
    def n_clusters(self) -> int:
        """Number of centroids per seed (F)."""
        return int(self.centroids_SFD.shape[1])


def _check_rows(x_RD: torch.Tensor) -> None:
    """Raise an error naming the fix unless x_RD is a finite 2-D float tensor."""
    if not isinstance(x_RD, torch.Tensor) or x_RD.ndim != 2 or not x_RD.is_floating_point():
        raise TypeError(
            f"k-means input must be a float torch.Tensor [rows, d_model]; got "
            f"{type(x_RD).__name__} {tuple(getattr(x_RD, 'shape', ()))}"
        )
    if not torch.isfinite(x_RD).all():
        raise ValueError("k-means input holds NaN or inf; check the cached activations")


def _nearest_SR(x_RD: torch.Tensor, C_SFD: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Index of each row's nearest centroid [S, R] and |c|^2 - 2 x.c at it [S, R]."""
    S, F, D = C_SFD.shape
    score_RSF = torch.mm(x_RD, C_SFD.reshape(S * F, D).T).view(-1, S, F)  # one GEMM
    score_RSF.mul_(-2.0).add_(C_SFD.square().sum(dim=2))
    best_RS, idx_RS = score_RSF.min(dim=2)  # ties -> lowest index
    return idx_RS.T, best_RS.T


def _plus_plus_init(x_RD: torch.Tensor, n_clusters: int, uniforms_SF: torch.Tensor) -> torch.Tensor:
    """k-means++ seeding of every seed at once; ``uniforms_SF`` are its random draws.

    Centroid 0 is row floor(u * R); centroid j is row r with probability proportional
    to r's squared distance to the nearest centroid so far (picked by inverse CDF).
    """
    R, D = x_RD.shape
    S = uniforms_SF.shape[0]
    sq_x_R = x_RD.square().sum(dim=1)
    C_SFD = torch.empty(S, n_clusters, D, device=x_RD.device)
    pick_S = (uniforms_SF[:, 0] * R).long().clamp_(max=R - 1)
    C_SFD[:, 0] = x_RD[pick_S]
    d2_SR = torch.full((S, R), float("inf"), device=x_RD.device)
    for j in range(1, n_clusters):
        c_SD = C_SFD[:, j - 1]
        new_SR = sq_x_R - 2.0 * (c_SD @ x_RD.T) + c_SD.square().sum(dim=1, keepdim=True)
        d2_SR = torch.minimum(d2_SR, new_SR.clamp_(min=0.0))
        cdf_SR = d2_SR.double().cumsum(dim=1)
        target_S1 = uniforms_SF[:, j : j + 1].double() * cdf_SR[:, -1:]
        # first row whose cumulative weight exceeds the target (all-zero weights: row 0)
        pick_S = torch.searchsorted(cdf_SR, target_S1, right=True).squeeze(1)
        C_SFD[:, j] = x_RD[pick_S.clamp_(max=R - 1)]
    return C_SFD


def kmeans(
    x_RD: torch.Tensor,
    *,
    n_clusters: int = 200,
    seeds: Sequence[int] = (0,),
    max_iters: int = 100,
    device: str = "auto",
) -> KMeansResult:
    """Fit k-means with ``n_clusters`` centroids to rows x_RD [R, D], one fit per seed.

    See the module note for the algorithm. More clusters than distinct rows is allowed
    (the surplus centroids duplicate rows and stay empty).
    """
    seeds = tuple(int(s) for s in seeds)
    _check_rows(x_RD)
    if len(seeds) == 0 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds={seeds}; give at least one seed, no repeats")
    if n_clusters < 1 or max_iters < 1:
        raise ValueError(f"n_clusters={n_clusters}, max_iters={max_iters}; give both >= 1")
    if x_RD.shape[0] == 0:
        raise ValueError("k-means input has no rows; did the task yield any prompts?")
    dev = resolve_device(device)
    start = time.perf_counter()
    x = x_RD.detach().to(dev, torch.float32)
    R, D = x.shape
    S, F = len(seeds), n_clusters
    uniforms_SF = torch.stack(
        [torch.rand(F, generator=torch.Generator().manual_seed(s)) for s in seeds]
    ).to(dev)
    C_SFD = _plus_plus_init(x, F, uniforms_SF)

    x_SRD = x.expand(S, R, D)
    n_iters_S = torch.full((S,), max_iters, dtype=torch.int64, device=dev)
    done_S = torch.zeros(S, dtype=torch.bool, device=dev)
    codes_SR, _ = _nearest_SR(x, C_SFD)
    for it in range(1, max_iters + 1):
        onehot_SFR = torch.zeros(S, F, R, device=dev).scatter_(1, codes_SR.unsqueeze(1), 1.0)
        counts_SF1 = onehot_SFR.sum(dim=2, keepdim=True)
        sums_SFD = torch.bmm(onehot_SFR, x_SRD)
        C_SFD = torch.where(counts_SF1 > 0, sums_SFD / counts_SF1.clamp(min=1.0), C_SFD)
        new_codes_SR, _ = _nearest_SR(x, C_SFD)
        settled_S = (new_codes_SR == codes_SR).all(dim=1) & ~done_S
        n_iters_S = torch.where(settled_S, it, n_iters_S)
        done_S |= settled_S
        codes_SR = new_codes_SR
        if bool(done_S.all()):
            break

    _, best_SR = _nearest_SR(x, C_SFD)
    inertia_S = (best_SR.double() + x.double().square().sum(dim=1)).sum(dim=1)
    return KMeansResult(
        C_SFD.cpu(),
        seeds,
        n_iters_S.cpu().numpy(),
        inertia_S.clamp(min=0.0).cpu().numpy(),
        time.perf_counter() - start,
        str(dev),
    )


@torch.no_grad()
def codes(fitted: KMeansResult, x_RD: torch.Tensor, batch_rows: int = 4096) -> np.ndarray:
    """Nearest-centroid code of every row under every seed: int64 [S, R] in [0, F).

    Rows go ``batch_rows`` at a time (memory S * batch_rows * F floats).
    """
    if batch_rows < 1:
        raise ValueError(f"batch_rows={batch_rows}; give at least 1")
    _check_rows(x_RD)
    if x_RD.shape[1] != fitted.centroids_SFD.shape[2]:
        raise ValueError(
            f"rows have width {x_RD.shape[1]} but k-means was fitted on width "
            f"{fitted.centroids_SFD.shape[2]}; use rows from the same model and hook"
        )
    S = fitted.centroids_SFD.shape[0]
    if x_RD.shape[0] == 0:
        return np.zeros((S, 0), dtype=np.int64)
    x = x_RD.detach().to("cpu", torch.float32)
    parts = [
        _nearest_SR(x[i : i + batch_rows], fitted.centroids_SFD)[0]
        for i in range(0, x.shape[0], batch_rows)
    ]
    return torch.cat(parts, dim=1).numpy().astype(np.int64)
