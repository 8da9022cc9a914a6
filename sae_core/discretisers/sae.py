"""The sparse autoencoder and its batched-seed trainer, over plain tensors.

Architecture (FACTS.md, "Pipeline" 2). For one seed, with rows x [R, D]::

    f = ReLU((x - b_pre) @ W_enc + b_enc)        # features [R, F]
    x_hat = f @ W_dec + b_pre                      # reconstruction [R, D]
    loss = mean((x_hat - x)^2) + l1 * mean(|f|)    # means over all elements

``b_pre`` (init 0) is the tied pre-encoder / post-decoder bias; each feature's encoder
weight vector (a column of ``W_enc`` [D, F], a row of the paper's ``nn.Linear`` weight)
is kept unit-norm: normalised at init and after every optimiser step. The decoder has no
bias. Training is full-batch Adam (torch.optim.Adam, defaults betas/eps) for ``steps``
steps.

Initialisation (our choice; the paper does not state one): what ``nn.Linear`` would
give - encoder weight uniform(-1/sqrt(D), 1/sqrt(D)) then normalised (only its
direction survives), encoder bias uniform(-1/sqrt(D), 1/sqrt(D)), decoder weight
uniform(-1/sqrt(F), 1/sqrt(F)), ``b_pre`` zero.

How a step is computed (``_loss_and_grads``; same maths as autograd on the loss above,
checked in the tests). The batch is full and fixed, so x never changes, and the
reconstruction error ``err = f @ W_dec + b_pre - x`` [R, D] need never be formed: every
product with it expands into products with x, plus [F, F] Gram matrices::

    err @ W_dec^T  = f @ (W_dec W_dec^T) - (x - b_pre) @ W_dec^T
    f^T @ err      = (f^T f) @ W_dec - (x - b_pre)^T @ f
    |err|^2        = <f^T f, W_dec W_dec^T> - 2 <(x - b_pre)^T f, W_dec^T> + |x - b_pre|^2

So the four products with x (encoder forward, ``x @ W_dec^T``, ``x^T @ f`` and the
encoder weight gradient ``x^T @ dpre``) are each ONE GEMM over all seeds at once: the
seeds' weights sit side by side as columns, ``W_E2SF`` [D + 1, 2, S, F] (slot 0 the
encoders, slot 1 the decoders transposed), and x carries a column of ones so that the
extra row holds each seed's bias terms (its ``b_pre`` shift, computed per step) and the
backward GEMM's extra row gives the column sums (bias gradients) for free. The only
per-seed products are [R, F] x [F, F] and [D, F] x [F, F] (``bmm``). The [R, D] error,
its elementwise passes and its memory traffic are gone; per seed-step this is
8*R*D*F + 4*R*F^2 + 4*F^2*D FLOPs against the plain form's 10*R*D*F.

Several seeds train in one run; seed k's initial parameters come from a CPU
``torch.Generator`` seeded with k (then moved to the device). The gradients are those
of the SUM of the per-seed losses, so each seed's gradient is exactly its own, and Adam
is elementwise, so each seed's update is its own too. A seed's numbers are the same
alone or in a batch whenever the BLAS computes each output column the same way whatever
the number of columns: MKL does on one CPU thread (the tests check that, atol 1e-6);
with several threads it may split a reduction differently for different widths, and
Adam can grow such last-bit differences to ~lr-sized parameter differences.

Early stopping (``stop_when_codes_stable``): every ``code_check_every`` steps each
seed's argmax codes on the training rows are compared with the previous check's; a
seed whose codes have not changed for ``code_patience`` checks in a row stops there:
its parameters are frozen (those that produced the stable codes), it leaves the batch
(the remaining seeds train on, unchanged), and its losses after that step repeat its
last loss. ``SAETrainResult.steps_S`` records the updates each seed got.

Device: "auto" trains on CUDA when present, else on the CPU. The code is
device-agnostic (tensors created on the device, float32), but it was developed and
tested on a machine without a GPU: the CUDA path is unexercised by the tests here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from sae_core.device import resolve_device
from sae_core.types import axis_size

CHECK_EVERY = 50  # steps between finite-loss checks (each check syncs the device)


@dataclass(frozen=True, eq=False)
class SAEParams:
    """Trained parameters of S SAEs, one per seed, stacked on axis 0 (float32, CPU).

    W_enc_SDF: encoder weights; ``W_enc_SDF[k, :, j]`` is feature j's unit-norm vector.
    b_enc_SF: encoder bias. W_dec_SFD: decoder weights. b_pre_SD: tied pre/post bias.
    seeds: the seed of each slice along S.
    """

    W_enc_SDF: torch.Tensor
    b_enc_SF: torch.Tensor
    W_dec_SFD: torch.Tensor
    b_pre_SD: torch.Tensor
    seeds: tuple[int, ...]

    def __post_init__(self) -> None:
        S, D, F = self.W_enc_SDF.shape
        expected = {
            "b_enc_SF": (S, F),
            "W_dec_SFD": (S, F, D),
            "b_pre_SD": (S, D),
        }
        for name, shape in expected.items():
            got = tuple(getattr(self, name).shape)
            if got != shape:
                raise ValueError(f"SAEParams.{name} has shape {got}; expected {shape}")
        if len(self.seeds) != S:
            raise ValueError(f"SAEParams has {S} parameter sets but {len(self.seeds)} seeds")

    n_seeds = axis_size("W_enc_SDF", 0, "Number of SAEs (S).")
    d_model = axis_size("W_enc_SDF", 1, "Width of the input rows (D).")
    n_features = axis_size("W_enc_SDF", 2, "Dictionary size (F).")


@dataclass(frozen=True, eq=False)
class SAETrainResult:
    """What ``train_saes`` returns.

    params: the trained SAEs. losses_ST: total loss (MSE + l1 term) of every seed at
    every step, before that step's update, float32 [S, steps]; after an early stop a
    seed's entries repeat its loss at the stop. seconds: wall time of the whole call
    (init, transfers, training). device: where it trained, e.g. "cpu". steps_S: Adam
    updates each seed's returned parameters had, int64 [S] (``steps`` unless it stopped
    early; None only for results built by hand).
    """

    params: SAEParams
    losses_ST: np.ndarray
    seconds: float
    device: str
    steps_S: np.ndarray | None = None


def _init_params(seed: int, d_model: int, n_features: int) -> tuple[torch.Tensor, ...]:
    """One seed's initial (W_enc [D, F], b_enc [F], W_dec [F, D], b_pre [D]), float32 CPU."""
    gen = torch.Generator().manual_seed(seed)
    enc_bound = 1.0 / math.sqrt(d_model)
    dec_bound = 1.0 / math.sqrt(n_features)
    W_enc_FD = torch.empty(n_features, d_model).uniform_(-enc_bound, enc_bound, generator=gen)
    W_enc_FD /= W_enc_FD.norm(dim=1, keepdim=True).clamp_min(1e-12)
    b_enc_F = torch.empty(n_features).uniform_(-enc_bound, enc_bound, generator=gen)
    W_dec_FD = torch.empty(n_features, d_model).uniform_(-dec_bound, dec_bound, generator=gen)
    return W_enc_FD.T.contiguous(), b_enc_F, W_dec_FD, torch.zeros(d_model)


def _check_input(x_RD: torch.Tensor, allow_empty: bool = False) -> None:
    """Raise an error naming the fix unless x_RD is a finite (non-empty) 2-D float tensor."""
    if not isinstance(x_RD, torch.Tensor):
        raise TypeError(
            f"SAE input is a {type(x_RD).__name__}; expected a float torch.Tensor "
            "[rows, d_model] (wrap arrays with torch.as_tensor)"
        )
    if x_RD.ndim != 2:
        raise ValueError(
            f"SAE input has shape {tuple(x_RD.shape)}; expected [rows, d_model] "
            "(flatten prompts x heads into rows)"
        )
    if not x_RD.is_floating_point():
        raise TypeError(f"SAE input has dtype {x_RD.dtype}; expected float [rows, d_model]")
    if (x_RD.shape[0] == 0 and not allow_empty) or x_RD.shape[1] == 0:
        raise ValueError(
            f"SAE input has shape {tuple(x_RD.shape)}: it is empty; expected at least one "
            "row [rows, d_model] (did the task yield any prompts?)"
        )
    if not torch.isfinite(x_RD).all():
        raise ValueError(
            "SAE input holds NaN or inf; check the cached activations "
            "(model weights, prompts, dtype overflow)"
        )


def _check_settings(
    seeds: tuple[int, ...], n_features: int, l1: float, lr: float, steps: int
) -> None:
    """Raise an error naming the fix for an unusable hyperparameter or seed list."""
    if len(seeds) == 0:
        raise ValueError("no seeds given; give at least one, e.g. seeds=(0,)")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds {seeds} repeat; give distinct seeds (a repeat adds nothing)")
    if n_features < 1:
        raise ValueError(f"n_features={n_features}; give at least 1 (paper: 200)")
    if steps < 1:
        raise ValueError(f"steps={steps}; give at least 1 (paper: 500)")
    if not lr > 0 or not math.isfinite(lr):
        raise ValueError(f"lr={lr}; give a positive learning rate (paper: 1e-3)")
    if not l1 >= 0 or not math.isfinite(l1):
        raise ValueError(f"l1={l1}; give a non-negative sparsity weight (paper: 0.02)")


def _features_SRF(
    x_RD: torch.Tensor,
    W_enc_SDF: torch.Tensor,
    b_enc_SF: torch.Tensor,
    b_pre_SD: torch.Tensor,
) -> torch.Tensor:
    """ReLU features [S, R, F] of every row under every seed's encoder.

    (x - b_pre) @ W = x @ W - b_pre @ W: x is shared, so it enters the batched GEMM as
    a stride-0 view (no copy per seed), and the per-seed shift is an [S, F] correction.
    """
    S = W_enc_SDF.shape[0]
    pre_SRF = torch.bmm(x_RD.expand(S, *x_RD.shape), W_enc_SDF)
    shift_SF = b_enc_SF - torch.bmm(b_pre_SD.unsqueeze(1), W_enc_SDF).squeeze(1)
    return torch.relu(pre_SRF + shift_SF.unsqueeze(1))


def _losses_S(
    x_RD: torch.Tensor,
    W_enc_SDF: torch.Tensor,
    b_enc_SF: torch.Tensor,
    W_dec_SFD: torch.Tensor,
    b_pre_SD: torch.Tensor,
    l1: float,
) -> torch.Tensor:
    """Per-seed loss [S]: mean squared error + l1 * mean |features| (autograd version).

    The trainer uses ``_loss_and_grads`` (same maths, gradients by hand); this plain
    form documents the loss and is what tests differentiate to check those gradients.
    """
    feats_SRF = _features_SRF(x_RD, W_enc_SDF, b_enc_SF, b_pre_SD)
    recon_SRD = torch.bmm(feats_SRF, W_dec_SFD) + b_pre_SD.unsqueeze(1)
    mse_S = (recon_SRD - x_RD).square().mean(dim=(1, 2))
    return mse_S + l1 * feats_SRF.abs().mean(dim=(1, 2))


# ---- the trainer's packed layout --------------------------------------------------------
# E = D + 1: x carries a column of ones, the weights an extra row (module docstring).


@dataclass(frozen=True, eq=False)
class _Packed:
    """All of S seeds' trainable numbers in ONE flat float32 tensor, and views into it.

    W_E2SF [D + 1, 2, S, F]: ``[:D, 0, s]`` is seed s's W_enc [D, F], ``[:D, 1, s]`` its
    W_dec^T; row D is the bias row, rewritten every step. Then b_enc_SF, b_pre_SD, then
    zero padding to a multiple of ``_ALIGN`` elements. The same layout holds the
    gradients and Adam's moments. One flat tensor is one fused Adam kernel; the padding
    keeps every element on the kernel's vectorised path whatever S is (elements in a
    ragged tail take a scalar path that rounds differently, which would make a seed's
    numbers depend on how many seeds share its run). Adam also touches the bias row;
    that is harmless, as the row is recomputed before it is read.
    """

    flat: torch.Tensor
    W_E2SF: torch.Tensor
    b_enc_SF: torch.Tensor
    b_pre_SD: torch.Tensor

    @staticmethod
    def wrap(flat: torch.Tensor, n_seeds: int, d_model: int, n_features: int) -> _Packed:
        """Views of the layout onto an existing flat tensor (no copy)."""
        S, D, F = n_seeds, d_model, n_features
        n_w = (D + 1) * 2 * S * F
        return _Packed(
            flat,
            flat[:n_w].view(D + 1, 2, S, F),
            flat[n_w : n_w + S * F].view(S, F),
            flat[n_w + S * F : n_w + S * F + S * D].view(S, D),
        )

    @staticmethod
    def zeros(n_seeds: int, d_model: int, n_features: int, dev: torch.device) -> _Packed:
        """A zero-filled packed tensor on ``dev``."""
        S, D, F = n_seeds, d_model, n_features
        n = (D + 1) * 2 * S * F + S * F + S * D
        n = -(-n // _ALIGN) * _ALIGN
        return _Packed.wrap(torch.zeros(n, device=dev), S, D, F)

    @property
    def n_seeds(self) -> int:
        return int(self.W_E2SF.shape[2])

    def select(self, keep: torch.Tensor) -> _Packed:
        """A new packed tensor holding only seed slots ``keep`` (an index tensor)."""
        E, _, _, F = self.W_E2SF.shape
        out = _Packed.zeros(len(keep), E - 1, F, self.flat.device)
        out.W_E2SF.copy_(self.W_E2SF.index_select(2, keep))
        out.b_enc_SF.copy_(self.b_enc_SF.index_select(0, keep))
        out.b_pre_SD.copy_(self.b_pre_SD.index_select(0, keep))
        return out


_ALIGN = 64  # floats; a multiple of every SIMD width torch's CPU kernels use


def _pack(inits: Sequence[tuple[torch.Tensor, ...]], dev: torch.device) -> _Packed:
    """Per-seed initial (W_enc, b_enc, W_dec, b_pre) -> one packed tensor on ``dev``."""
    D, F = inits[0][0].shape
    out = _Packed.zeros(len(inits), D, F, torch.device("cpu"))
    for s, (W_enc_DF, b_enc_F, W_dec_FD, b_pre_D) in enumerate(inits):
        out.W_E2SF[:D, 0, s] = W_enc_DF
        out.W_E2SF[:D, 1, s] = W_dec_FD.T
        out.b_enc_SF[s] = b_enc_F
        out.b_pre_SD[s] = b_pre_D
    return _Packed.wrap(out.flat.to(dev), len(inits), D, F)


def _unpack(p: _Packed) -> tuple[torch.Tensor, ...]:
    """Packed parameters -> (W_enc_SDF, b_enc_SF, W_dec_SFD, b_pre_SD), float32 CPU."""
    D = p.W_E2SF.shape[0] - 1
    return (
        p.W_E2SF[:D, 0].permute(1, 0, 2).cpu().contiguous(),
        p.b_enc_SF.cpu().clone(),
        p.W_E2SF[:D, 1].permute(1, 2, 0).cpu().contiguous(),
        p.b_pre_SD.cpu().clone(),
    )


@dataclass(frozen=True, eq=False)
class _Rows:
    """The fixed training rows and what about them is constant across steps.

    x1_RE: [x | 1], float32 [R, D + 1]. sum_x_D: column sums of x. sq_x: |x|^2 (0-dim).
    """

    x1_RE: torch.Tensor
    sum_x_D: torch.Tensor
    sq_x: torch.Tensor

    @staticmethod
    def of(x_RD: torch.Tensor, dev: torch.device) -> _Rows:
        """Move x to ``dev`` as float32 and precompute its constants."""
        x = x_RD.detach().to(dev, torch.float32)
        R, D = x.shape
        # rows padded to a multiple of 16 floats: D + 1 alone would misalign every row
        # of the GEMMs' shared operand (~8% slower backward GEMM at D = 512 on the CPU)
        x1_RE = torch.zeros(R, -(-(D + 1) // 16) * 16, device=dev)[:, : D + 1]
        x1_RE[:, :D] = x
        x1_RE[:, D] = 1.0
        return _Rows(x1_RE, x.sum(dim=0), x.square().sum())


@torch.no_grad()
def _loss_and_grads(
    rows: _Rows, params: _Packed, grads: _Packed, act_R2SF: torch.Tensor, l1: float
) -> torch.Tensor:
    """Per-seed loss [S]; writes the gradients of their sum into ``grads``.

    The maths of ``_losses_S`` by hand in the packed layout (module docstring).
    ``act_R2SF`` [R, 2, S, F] is a work buffer: afterwards ``act_R2SF[:, 0]`` holds the
    features f of ``params``. Also writes ``params``' bias row.
    """
    x1_RE = rows.x1_RE
    R, E = x1_RE.shape
    D = E - 1
    W_E2SF, b_enc_SF, b_pre_SD = params.W_E2SF, params.b_enc_SF, params.b_pre_SD
    grad_E2SF = grads.W_E2SF
    c = 2.0 / (R * D)  # d mean((x_hat - x)^2) / d x_hat = c * err
    k = l1 / (R * b_enc_SF.shape[1])  # d (l1 * mean f) / d f
    W_enc_SDF = W_E2SF[:D, 0].permute(1, 0, 2)
    W_dT_SDF = W_E2SF[:D, 1].permute(1, 0, 2)  # W_dec^T per seed
    b_pre_S1D = b_pre_SD.unsqueeze(1)

    # bias row: pre = x @ W_enc + (b_enc - b_pre @ W_enc);
    # slot 1 = x @ W_dec^T - (b_pre @ W_dec^T + k / c) = (x - b_pre) @ W_dec^T - k / c
    v_SF = torch.bmm(b_pre_S1D, W_dT_SDF).squeeze(1)
    torch.sub(b_enc_SF, torch.bmm(b_pre_S1D, W_enc_SDF).squeeze(1), out=W_E2SF[D, 0])
    torch.add(v_SF, k / c, out=W_E2SF[D, 1]).neg_()
    torch.mm(x1_RE, W_E2SF.view(E, -1), out=act_R2SF.view(R, -1))  # one GEMM, all seeds
    f_RSF = act_R2SF[:, 0].relu_()
    f_SRF = f_RSF.permute(1, 0, 2)
    gram_f_SFF = torch.bmm(f_SRF.transpose(1, 2), f_SRF)  # f^T f
    gram_d_SFF = torch.bmm(W_dT_SDF.transpose(1, 2), W_dT_SDF)  # W_dec W_dec^T
    # d loss / d pre = c * err @ W_dec^T + k where f > 0, written over slot 1
    dpre_RSF = act_R2SF[:, 1]
    dpre_RSF.permute(1, 0, 2).baddbmm_(f_SRF, gram_d_SFF, beta=-c, alpha=c)
    torch.ops.aten.threshold_backward.grad_input(dpre_RSF, f_RSF, 0, grad_input=dpre_RSF)

    # x1^T @ [dpre | f]: rows :D -> x^T dpre and x^T f; row D -> their column sums
    torch.mm(x1_RE.T, dpre_RSF.flatten(1), out=grad_E2SF[:, 0].flatten(1))
    torch.mm(x1_RE.T, f_RSF.flatten(1), out=grad_E2SF[:, 1].flatten(1))
    grad_D2SF = grad_E2SF[:D]
    g_b_enc_SF = grads.b_enc_SF.copy_(grad_E2SF[D, 0])
    sum_f_SF = grad_E2SF[D, 1]
    # slot 0 -> x^T dpre - b_pre dpre_sum^T (the shift's share);
    # slot 1 -> (x - b_pre)^T f
    grad_D2SF.addcmul_(b_pre_SD.T[:, None, :, None], grad_E2SF[D:], value=-1.0)
    # <(x - b_pre)^T f, W_dec^T> per seed, summed in an order that does not depend on S
    cross_S = (grad_D2SF[:, 1] * W_E2SF[:D, 1]).sum(dim=2).T.contiguous().sum(dim=1)
    # slot 1 -> c * (W_dec^T f^T f - (x - b_pre)^T f) = c * (f^T err)^T
    grad_D2SF[:, 1].permute(1, 0, 2).baddbmm_(W_dT_SDF, gram_f_SFF, beta=-c, alpha=c)
    # b_pre: c * sum_rows(err) through the decoder side, minus the encoder shift's share
    g_b_pre_SD = grads.b_pre_SD
    torch.bmm(W_dT_SDF, sum_f_SF.unsqueeze(2), out=g_b_pre_SD.unsqueeze(2))
    g_b_pre_SD.add_(b_pre_SD, alpha=R).sub_(rows.sum_x_D).mul_(c)
    g_b_pre_SD.sub_(torch.bmm(W_enc_SDF, g_b_enc_SF.unsqueeze(2)).squeeze(2))

    sq_err_S = (gram_f_SFF * gram_d_SFF).sum(dim=(1, 2)).sub_(cross_S, alpha=2.0)
    sq_err_S.add_(rows.sq_x).sub_((b_pre_SD * rows.sum_x_D).sum(dim=1), alpha=2.0)
    sq_err_S.add_(b_pre_SD.square().sum(dim=1), alpha=R)
    return sq_err_S.div_(R * D).add_(sum_f_SF.sum(dim=1), alpha=k)  # |f| = f


def _normalise_columns(W_DSF: torch.Tensor) -> None:
    """Scale each encoder vector W_DSF[:, s, f] to unit norm, in place.

    Squares summed over D by a per-seed ``bmm`` with a ones row: ~3.5x faster on the
    CPU than ``linalg.vector_norm`` over this strided view, and unlike a plain sum over
    dim 0 it sums each seed's column in the same order whatever S is.
    """
    D, S, _ = W_DSF.shape
    ones_S1D = torch.ones(1, 1, D, device=W_DSF.device).expand(S, 1, D)
    sq_S1F = torch.bmm(ones_S1D, W_DSF.square().permute(1, 0, 2))
    W_DSF.mul_(sq_S1F.squeeze(1).sqrt_().clamp_min_(1e-12).reciprocal_())


def _check_stopping(
    stop_when_codes_stable: bool, code_check_every: int, code_patience: int
) -> None:
    """Raise an error naming the fix for unusable early-stopping settings."""
    if stop_when_codes_stable and (code_check_every < 1 or code_patience < 1):
        raise ValueError(
            f"code_check_every={code_check_every}, code_patience={code_patience}; give "
            "both >= 1 (e.g. 25 and 2: stop once the codes hold for 50 steps)"
        )


def train_saes(
    x_RD: torch.Tensor,
    *,
    n_features: int = 200,
    l1: float = 0.02,
    lr: float = 1e-3,
    steps: int = 500,
    seeds: Sequence[int] = (0,),
    device: str = "auto",
    progress: bool = False,
    stop_when_codes_stable: bool = False,
    code_check_every: int = 25,
    code_patience: int = 2,
) -> SAETrainResult:
    """Train one SAE per seed on rows ``x_RD`` [R, D], all seeds in one batched run.

    Every seed gives the same parameters as training it alone (see the module note).
    ``device``: "auto" (CUDA when present, else CPU), "cpu", "cuda" or "cuda:N".
    ``progress`` shows a tqdm bar over steps. ``stop_when_codes_stable``: stop a seed
    once its argmax codes on ``x_RD``, checked every ``code_check_every`` steps, have
    held for ``code_patience`` checks in a row (module note); off by default (the paper
    trains all ``steps``).

    Raises ValueError/TypeError for an unusable input or setting, and FloatingPointError
    naming the seed and step when a loss turns NaN or inf (checked every
    ``CHECK_EVERY`` steps and at the end, so the device syncs rarely).
    """
    seeds = tuple(int(s) for s in seeds)
    _check_input(x_RD)
    _check_settings(seeds, n_features, l1, lr, steps)
    _check_stopping(stop_when_codes_stable, code_check_every, code_patience)
    dev = resolve_device(device)
    start = time.perf_counter()

    S, (R, D), F = len(seeds), x_RD.shape, n_features
    rows = _Rows.of(x_RD, dev)
    params = _pack([_init_params(s, D, F) for s in seeds], dev)
    grads = _Packed.zeros(S, D, F, dev)
    opt = _adam([params.flat], lr)
    act_R2SF = torch.empty(R, 2, S, F, device=dev)
    losses_ST = torch.empty(S, steps, device=dev)
    stops = _SeedStops(S, steps, code_patience, dev)

    for step in tqdm(range(steps), desc="SAE", disable=not progress, leave=False):
        # gradients of the SUM over seeds: each seed's gradient is its own
        loss_S = _loss_and_grads(rows, params, grads, act_R2SF, l1)
        losses_ST[stops.live, step] = loss_S
        stop_S = None
        if stop_when_codes_stable and step % code_check_every == 0:
            codes_RS = act_R2SF[:, 0].argmax(dim=2)
            stop_S = stops.check(codes_RS, params, loss_S, losses_ST, step)
            if stop_S is not None and bool(stop_S.all()):
                break
        params.flat.grad = grads.flat
        opt.step()
        _normalise_columns(params.W_E2SF[:D, 0])
        if stop_S is not None:  # the stopped seeds leave the batch
            keep = torch.nonzero(~stop_S).flatten()
            stops.keep(keep)
            params, opt = _select_seeds(params, opt, keep, lr)
            grads = _Packed.zeros(len(keep), D, F, dev)
            act_R2SF = torch.empty(R, 2, len(keep), F, device=dev)
        if (step + 1) % CHECK_EVERY == 0 or step + 1 == steps:
            _check_finite(losses_ST[:, : step + 1], seeds, step, lr, l1)
    _check_finite(losses_ST, seeds, steps - 1, lr, l1)

    final = stops.final_params(params)
    _check_finite_params(final, seeds, steps, lr, l1)
    result_params = SAEParams(*final, seeds=seeds)
    losses = losses_ST.cpu().numpy()
    return SAETrainResult(
        result_params, losses, time.perf_counter() - start, str(dev), stops.steps_S
    )


class _SeedStops:
    """Which seeds still train, and where the early-stopped ones froze (module note).

    live: seed indices still training, in slot order. frozen: seed index -> its
    parameters at the stop, each [1, ...]. steps_S: Adam updates each seed had, int64 [S].
    Each check compares the live seeds' codes [R, S_live] with the previous check's and
    keeps a streak of unchanged checks per seed.
    """

    def __init__(self, n_seeds: int, steps: int, patience: int, dev: torch.device):
        self.live = torch.arange(n_seeds, device=dev)
        self.frozen: dict[int, tuple[torch.Tensor, ...]] = {}
        self.steps_S = np.full(n_seeds, steps, dtype=np.int64)
        self.patience = patience
        self.last_codes_RS: torch.Tensor | None = None
        self.streak_S = torch.zeros(n_seeds, dtype=torch.int64, device=dev)

    def check(
        self,
        codes_RS: torch.Tensor,
        params: _Packed,
        loss_S: torch.Tensor,
        losses_ST: torch.Tensor,
        step: int,
    ) -> torch.Tensor | None:
        """Count this check's codes; freeze the seeds stable for ``patience`` checks.

        A frozen seed keeps ``params`` (those that made these codes), records ``step``
        updates, and its losses after ``step`` repeat ``loss_S``. Returns the stop mask
        over the live slots, or None when no seed stops.
        """
        if self.last_codes_RS is not None:
            same_S = (codes_RS == self.last_codes_RS).all(dim=0)
            self.streak_S = torch.where(same_S, self.streak_S + 1, 0)
        self.last_codes_RS = codes_RS
        if not bool((self.streak_S >= self.patience).any()):
            return None
        stop_S = self.streak_S >= self.patience
        stopped = _unpack(params.select(torch.nonzero(stop_S).flatten()))
        for i, j in enumerate(torch.nonzero(stop_S).flatten().tolist()):
            k = int(self.live[j])
            self.frozen[k] = tuple(t[i : i + 1] for t in stopped)
            self.steps_S[k] = step
            losses_ST[k, step + 1 :] = loss_S[j]
        return stop_S

    def keep(self, keep: torch.Tensor) -> None:
        """Only live slots ``keep`` (an index tensor) train on."""
        self.live, self.streak_S = self.live[keep], self.streak_S[keep]
        self.last_codes_RS = self.last_codes_RS[:, keep]

    def final_params(self, params: _Packed) -> list[torch.Tensor]:
        """(W_enc_SDF, b_enc_SF, W_dec_SFD, b_pre_SD) of every seed in seed order: the
        frozen ones as they stopped, the others from the live ``params``."""
        trained = _unpack(params)
        slot = {int(k): j for j, k in enumerate(self.live.tolist())}
        frozen, seeds = self.frozen, range(len(self.steps_S))
        return [
            torch.cat([frozen[k][i] if k in frozen else trained[i][slot[k]][None] for k in seeds])
            for i in range(4)
        ]


def _check_finite_params(
    final: Sequence[torch.Tensor], seeds: tuple[int, ...], steps: int, lr: float, l1: float
) -> None:
    """Raise FloatingPointError naming the first seed whose trained parameters are not
    finite."""
    for name, t in zip(("W_enc", "b_enc", "W_dec", "b_pre"), final, strict=True):
        if not torch.isfinite(t).all():
            bad = int(torch.nonzero((~torch.isfinite(t.flatten(1))).any(dim=1))[0])
            raise FloatingPointError(
                f"SAE training diverged: seed {seeds[bad]} has non-finite {name} after the "
                f"last step ({steps - 1}); lower lr (now {lr}) or l1 (now {l1}), or rescale "
                "the input"
            )


def _select_seeds(
    params: _Packed, opt: torch.optim.Optimizer, keep: torch.Tensor, lr: float
) -> tuple[_Packed, torch.optim.Optimizer]:
    """Keep only seed slots ``keep``: new packed parameters and an Adam with their state."""
    S, (E, _, _, F) = params.n_seeds, params.W_E2SF.shape
    new = params.select(keep)
    new_opt = _adam([new.flat], lr)
    state = opt.state[params.flat]
    new_opt.state[new.flat] = {
        "step": state["step"].clone(),
        **{
            name: _Packed.wrap(state[name], S, E - 1, F).select(keep).flat
            for name in ("exp_avg", "exp_avg_sq")
        },
    }
    return new, new_opt


def _adam(params: list[torch.Tensor], lr: float) -> torch.optim.Adam:
    """torch Adam, fused where this torch build has it for the device (same update rule).

    Fused Adam is one kernel per step instead of a Python loop over parameters; torch
    added it for CUDA in 2.0 and for the CPU in 2.4. Elsewhere: the foreach version.
    """
    try:
        return torch.optim.Adam(params, lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=lr, foreach=True)


def _check_finite(
    losses_ST: torch.Tensor, seeds: tuple[int, ...], step: int, lr: float, l1: float
) -> None:
    """Raise FloatingPointError naming the first seed and step whose loss is not finite."""
    bad_ST = ~torch.isfinite(losses_ST)
    if bool(bad_ST.any()):
        k, t = (int(i) for i in torch.nonzero(bad_ST)[0])
        bad_seeds = [seeds[i] for i in torch.nonzero(bad_ST.any(dim=1)).flatten().tolist()]
        raise FloatingPointError(
            f"SAE training diverged: seed {seeds[k]} has a non-finite loss at step {t} "
            f"(found at the check after step {step}; seeds affected: {bad_seeds}); "
            f"lower lr (now {lr}) or l1 (now {l1}), or rescale the input"
        )


@torch.no_grad()
def encode(params: SAEParams, x_RD: torch.Tensor) -> torch.Tensor:
    """Features [S, R, F] of rows x_RD [R, D] under every seed's SAE (float32, CPU)."""
    _check_input(x_RD, allow_empty=True)
    if x_RD.shape[1] != params.d_model:
        raise ValueError(
            f"rows have width {x_RD.shape[1]} but the SAE was trained on d_model="
            f"{params.d_model}; encode rows from the same model and hook"
        )
    x = x_RD.detach().to("cpu", torch.float32)
    return _features_SRF(x, params.W_enc_SDF, params.b_enc_SF, params.b_pre_SD)


@torch.no_grad()
def codes(params: SAEParams, x_RD: torch.Tensor, batch_rows: int = 4096) -> np.ndarray:
    """Code of every row under every seed: the argmax feature, int64 [S, R] in [0, F).

    Ties (e.g. a row on which every feature is 0) go to the lowest feature index.
    Rows are encoded ``batch_rows`` at a time, so memory stays at S * batch_rows * F
    floats whatever R is.
    """
    if batch_rows < 1:
        raise ValueError(f"batch_rows={batch_rows}; give at least 1")
    _check_input(x_RD, allow_empty=True)
    if x_RD.shape[0] == 0:
        return np.zeros((params.n_seeds, 0), dtype=np.int64)
    parts = [
        encode(params, x_RD[i : i + batch_rows]).argmax(dim=2)
        for i in range(0, x_RD.shape[0], batch_rows)
    ]
    return torch.cat(parts, dim=1).numpy().astype(np.int64)
