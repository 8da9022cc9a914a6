"""The SAE trainer over plain tensors: shapes, the spec, batched seeds, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sae_core.discretisers import sae

R, D, F = 48, 16, 12
STEPS = 60
LR = 1e-2  # above the paper's 1e-3 so that 60 steps show a clear decrease


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny tensors: threads only add OpenMP overhead (large on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def toy_rows(n_rows: int = R, d_model: int = D, seed: int = 0) -> torch.Tensor:
    """Rows that are sparse non-negative mixes of 6 directions plus a common offset."""
    gen = torch.Generator().manual_seed(seed)
    dirs_KD = torch.randn(6, d_model, generator=gen)
    mask_RK = torch.rand(n_rows, 6, generator=gen) < 0.3
    coef_RK = torch.rand(n_rows, 6, generator=gen) * 3 * mask_RK
    return coef_RK @ dirs_KD + 0.5


@pytest.fixture(scope="module")
def x_RD() -> torch.Tensor:
    return toy_rows()


@pytest.fixture(scope="module")
def batched(x_RD) -> sae.SAETrainResult:
    return sae.train_saes(
        x_RD, n_features=F, lr=LR, steps=STEPS, seeds=(0, 1, 2), device="cpu"
    )


def test_shapes_and_types(batched, x_RD):
    p = batched.params
    assert p.W_enc_SDF.shape == (3, D, F)
    assert p.b_enc_SF.shape == (3, F)
    assert p.W_dec_SFD.shape == (3, F, D)
    assert p.b_pre_SD.shape == (3, D)
    assert (p.n_seeds, p.d_model, p.n_features) == (3, D, F)
    assert p.seeds == (0, 1, 2)
    for t in (p.W_enc_SDF, p.b_enc_SF, p.W_dec_SFD, p.b_pre_SD):
        assert t.device.type == "cpu" and t.dtype == torch.float32 and not t.requires_grad
    assert batched.losses_ST.shape == (3, STEPS)
    assert batched.device == "cpu" and batched.seconds > 0
    assert sae.encode(p, x_RD).shape == (3, R, F)
    c = sae.codes(p, x_RD)
    assert c.shape == (3, R) and c.dtype == np.int64


def test_encoder_rows_unit_norm(batched):
    norms_SF = batched.params.W_enc_SDF.norm(dim=1)
    torch.testing.assert_close(norms_SF, torch.ones_like(norms_SF), atol=1e-5, rtol=0)


def test_loss_decreases(batched):
    losses_ST = batched.losses_ST
    assert np.isfinite(losses_ST).all()
    assert (losses_ST[:, -1] < 0.5 * losses_ST[:, 0]).all()


def test_batched_seeds_equal_sequential(batched, x_RD):
    codes_batched = sae.codes(batched.params, x_RD)
    for k, seed in enumerate((0, 1, 2)):
        alone = sae.train_saes(
            x_RD, n_features=F, lr=LR, steps=STEPS, seeds=(seed,), device="cpu"
        )
        for name in ("W_enc_SDF", "b_enc_SF", "W_dec_SFD", "b_pre_SD"):
            torch.testing.assert_close(
                getattr(alone.params, name)[0], getattr(batched.params, name)[k],
                atol=1e-6, rtol=0,
            )
        np.testing.assert_allclose(alone.losses_ST[0], batched.losses_ST[k], atol=1e-6, rtol=0)
        np.testing.assert_array_equal(sae.codes(alone.params, x_RD)[0], codes_batched[k])


def test_same_seed_is_deterministic_and_seeds_differ(x_RD):
    a = sae.train_saes(x_RD, n_features=F, steps=20, seeds=(5, 6), device="cpu")
    b = sae.train_saes(x_RD, n_features=F, steps=20, seeds=(5, 6), device="cpu")
    for name in ("W_enc_SDF", "b_enc_SF", "W_dec_SFD", "b_pre_SD"):
        assert torch.equal(getattr(a.params, name), getattr(b.params, name))
    np.testing.assert_array_equal(a.losses_ST, b.losses_ST)
    assert not torch.equal(a.params.W_enc_SDF[0], a.params.W_enc_SDF[1])


def _reference_train(x_RD, seed, n_features, l1, lr, steps):
    """The spec written plainly for one seed, with unfused torch Adam."""
    W_enc, b_enc, W_dec, b_pre = (
        t.clone().requires_grad_(True) for t in sae._init_params(seed, x_RD.shape[1], n_features)
    )
    opt = torch.optim.Adam([W_enc, b_enc, W_dec, b_pre], lr=lr, foreach=False, fused=False)
    losses = []
    for _ in range(steps):
        f = torch.relu((x_RD - b_pre) @ W_enc + b_enc)
        x_hat = f @ W_dec + b_pre
        loss = torch.nn.functional.mse_loss(x_hat, x_RD) + l1 * f.abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            W_enc /= W_enc.norm(dim=0, keepdim=True)
        losses.append(loss.item())
    return (W_enc.detach(), b_enc.detach(), W_dec.detach(), b_pre.detach()), np.array(losses)


def test_matches_plain_reference(x_RD):
    steps, l1, lr = 30, 0.05, 3e-3
    got = sae.train_saes(x_RD, n_features=F, l1=l1, lr=lr, steps=steps, seeds=(3,), device="cpu")
    ref_params, ref_losses = _reference_train(x_RD, 3, F, l1, lr, steps)
    p = got.params
    for mine, ref in zip((p.W_enc_SDF, p.b_enc_SF, p.W_dec_SFD, p.b_pre_SD), ref_params,
                         strict=True):
        torch.testing.assert_close(mine[0], ref, atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(got.losses_ST[0], ref_losses, rtol=1e-5)


@pytest.mark.parametrize("l1", [0.0, 0.1])
def test_hand_gradients_equal_autograd(x_RD, l1):
    gen = torch.Generator().manual_seed(1)
    S = 2
    params = [
        torch.randn(S, D, F, generator=gen),
        torch.randn(S, F, generator=gen),
        torch.randn(S, F, D, generator=gen) * 0.3,
        torch.randn(S, D, generator=gen),
    ]
    packed = sae._pack([tuple(p[s] for p in params) for s in range(S)], torch.device("cpu"))
    grads = sae._Packed.zeros(S, D, F, torch.device("cpu"))
    rows = sae._Rows.of(x_RD, torch.device("cpu"))
    act_R2SF = torch.empty(R, 2, S, F)
    loss_S = sae._loss_and_grads(rows, packed, grads, act_R2SF, l1)
    g_W_D2SF, g_b_enc, g_b_pre = grads.W_E2SF[:D], grads.b_enc_SF, grads.b_pre_SD
    leaves = [p.clone().requires_grad_(True) for p in params]
    ref_S = sae._losses_S(x_RD, *leaves, l1)
    ref_S.sum().backward()
    torch.testing.assert_close(loss_S, ref_S.detach(), atol=1e-5, rtol=1e-5)
    mine = [g_W_D2SF[:, 0].permute(1, 0, 2), g_b_enc, g_W_D2SF[:, 1].permute(1, 2, 0), g_b_pre]
    for g, leaf in zip(mine, leaves, strict=True):
        torch.testing.assert_close(g, leaf.grad, atol=1e-5, rtol=1e-4)
    # the work buffer holds the features of the parameters the gradients are for
    torch.testing.assert_close(
        act_R2SF[:, 0].permute(1, 0, 2), sae._features_SRF(x_RD, *params[:2], params[3]),
        atol=1e-5, rtol=1e-5,
    )


def test_pack_unpack_round_trip_and_select():
    inits = [sae._init_params(s, D, F) for s in (0, 1, 2)]
    packed = sae._pack(inits, torch.device("cpu"))
    assert packed.flat.numel() % sae._ALIGN == 0
    W_enc, b_enc, W_dec, b_pre = sae._unpack(packed)
    for s, init in enumerate(inits):
        for got, want in zip((W_enc[s], b_enc[s], W_dec[s], b_pre[s]), init, strict=True):
            assert torch.equal(got, want)
    picked = sae._unpack(packed.select(torch.tensor([2, 0])))
    for got, want in zip(picked, (W_enc, b_enc, W_dec, b_pre), strict=True):
        assert torch.equal(got, want[[2, 0]])


def test_init_is_unit_norm_and_per_seed():
    W_enc_DF, b_enc_F, W_dec_FD, b_pre_D = sae._init_params(7, D, F)
    torch.testing.assert_close(W_enc_DF.norm(dim=0), torch.ones(F))
    assert torch.equal(b_pre_D, torch.zeros(D))
    assert torch.equal(W_dec_FD, sae._init_params(7, D, F)[2])
    assert not torch.equal(W_dec_FD, sae._init_params(8, D, F)[2])


def test_codes_in_range_chunked_and_match_encode(batched, x_RD):
    c_SR = sae.codes(batched.params, x_RD)
    assert c_SR.min() >= 0 and c_SR.max() < F
    np.testing.assert_array_equal(sae.codes(batched.params, x_RD, batch_rows=7), c_SR)
    np.testing.assert_array_equal(sae.encode(batched.params, x_RD).argmax(dim=2).numpy(), c_SR)
    assert sae.codes(batched.params, x_RD[:0]).shape == (3, 0)


def test_progress_bar_runs(x_RD):
    out = sae.train_saes(x_RD, n_features=F, steps=3, device="cpu", progress=True)
    assert out.losses_ST.shape == (1, 3)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (torch.zeros(D), r"expected \[rows, d_model\]"),
        (torch.zeros(2, 3, D), r"expected \[rows, d_model\]"),
        (torch.zeros(R, D, dtype=torch.int64), r"expected float \[rows, d_model\]"),
        (np.zeros((R, D), dtype=np.float32), r"expected a float torch.Tensor"),
        (torch.zeros(0, D), "empty"),
    ],
)
def test_bad_input_shapes_raise(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        sae.train_saes(bad, n_features=F, steps=2, device="cpu")


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_input_raises(x_RD, value):
    x = x_RD.clone()
    x[3, 4] = value
    with pytest.raises(ValueError, match=r"NaN or inf; check the cached activations"):
        sae.train_saes(x, n_features=F, steps=2, device="cpu")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"seeds": (1, 1)}, "repeat; give distinct seeds"),
        ({"seeds": ()}, "at least one"),
        ({"n_features": 0}, "n_features"),
        ({"steps": 0}, "steps"),
        ({"lr": 0.0}, "positive learning rate"),
        ({"l1": -1.0}, "non-negative"),
    ],
)
def test_bad_settings_raise(x_RD, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sae.train_saes(x_RD, **{"n_features": F, "steps": 2, "device": "cpu", **kwargs})


def test_divergence_raises_naming_seed_and_step():
    # Finite float32 input whose squared error overflows to inf at the first step.
    x = torch.full((8, 4), 1e30)
    with pytest.raises(FloatingPointError, match=r"seed 4 .*step 0 .*lower lr"):
        sae.train_saes(x, n_features=3, steps=5, seeds=(4,), device="cpu")


def test_divergence_found_at_periodic_check(monkeypatch, x_RD):
    real = sae._loss_and_grads
    calls = {"n": 0}

    def nan_at_step_7(*args):
        loss_S = real(*args)
        calls["n"] += 1
        return loss_S * float("nan") if calls["n"] == 8 else loss_S

    monkeypatch.setattr(sae, "_loss_and_grads", nan_at_step_7)
    with pytest.raises(FloatingPointError, match=r"seed 2 has a non-finite loss at step 7"):
        sae.train_saes(x_RD, n_features=F, steps=sae.CHECK_EVERY + 5, seeds=(2, 9),
                       device="cpu")
    assert calls["n"] == sae.CHECK_EVERY  # stopped at the first periodic check


def test_encode_rejects_other_width(batched):
    with pytest.raises(ValueError, match="d_model"):
        sae.encode(batched.params, torch.zeros(3, D + 1))


def test_params_validate_shapes(batched):
    p = batched.params
    with pytest.raises(ValueError, match="b_enc_SF"):
        sae.SAEParams(p.W_enc_SDF, p.b_enc_SF[:, :-1], p.W_dec_SFD, p.b_pre_SD, p.seeds)
    with pytest.raises(ValueError, match="seeds"):
        sae.SAEParams(p.W_enc_SDF, p.b_enc_SF, p.W_dec_SFD, p.b_pre_SD, (0,))


def test_early_stop_freezes_each_seed_at_its_stop(x_RD):
    """A stopped seed's parameters equal plain training for exactly its recorded steps;
    the seeds still training are unaffected by their neighbours leaving the batch."""
    steps = 200
    early = sae.train_saes(
        x_RD, n_features=F, lr=LR, steps=steps, seeds=(0, 1, 2), device="cpu",
        stop_when_codes_stable=True, code_check_every=10, code_patience=2,
    )
    assert early.steps_S.shape == (3,)
    assert (early.steps_S <= steps).all()
    assert (early.steps_S < steps).any(), "no seed stopped; the test shows nothing"
    for k, seed in enumerate((0, 1, 2)):
        n = int(early.steps_S[k])
        plain = sae.train_saes(x_RD, n_features=F, lr=LR, steps=n, seeds=(seed,), device="cpu")
        for name in ("W_enc_SDF", "b_enc_SF", "W_dec_SFD", "b_pre_SD"):
            torch.testing.assert_close(
                getattr(plain.params, name)[0], getattr(early.params, name)[k],
                atol=1e-6, rtol=0,
            )
        # losses after the stop repeat the loss at the stop
        if n < steps:
            assert np.all(early.losses_ST[k, n:] == early.losses_ST[k, n])
        np.testing.assert_allclose(early.losses_ST[k, :n], plain.losses_ST[0], atol=1e-6, rtol=0)


def test_early_stop_off_trains_every_step(batched):
    assert batched.steps_S.tolist() == [STEPS] * 3


def test_early_stop_bad_settings_raise(x_RD):
    with pytest.raises(ValueError, match="code_check_every"):
        sae.train_saes(x_RD, n_features=F, steps=5, device="cpu",
                       stop_when_codes_stable=True, code_check_every=0)
