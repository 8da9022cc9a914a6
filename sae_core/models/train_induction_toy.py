"""Train the induction toy: ``python -m sae_core.models.train_induction_toy --out PATH --seed 0``.

Each training sequence is a random prefix of random length followed by a random
segment of random period that repeats to the end of the context (tokens drawn
with replacement; the loss we report skips ambiguous repeats). Drawing the period
and the prefix per sequence matters: a fixed period would teach "copy the token p
positions back" through positions instead of induction. A share of sequences never
repeats, so the model stays at chance where induction has nothing to find.

Deterministic given the seed (model init and data both come from it) on one
machine and library version. Weights are written as float32 safetensors with the
training record (seed, steps, final losses, config) in the file's metadata.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from sae_core.models.induction_toy import BOS, MODEL_CONFIG, new_model
from sae_core.models.weights_file import save_parameters


@dataclass(frozen=True)
class TrainConfig:
    """Training settings. Defaults produce the shipped weights with ``seed=0``."""

    seed: int = 0
    n_steps: int = 2000
    batch_size: int = 64
    lr: float = 1e-2
    weight_decay: float = 0.01
    max_prefix: int = 4
    min_period: int = 10
    max_period: int = 20
    p_no_repeat: float = 0.15

    def __post_init__(self) -> None:
        if self.n_steps < 1 or self.batch_size < 1:
            raise ValueError("n_steps and batch_size must be positive")
        if not 1 <= self.min_period <= self.max_period:
            raise ValueError("need 1 <= min_period <= max_period")
        if self.max_prefix + self.max_period > MODEL_CONFIG["n_ctx"] - 1:
            raise ValueError("max_prefix + max_period must fit in the context (after BOS)")


def sample_batch(
    cfg: TrainConfig, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Tokens int64 [B, n_ctx] (BOS first) and a bool [B, n_ctx - 1] mask of predictable targets.

    Every token is drawn with replacement, so wherever the next token is not a repeat it
    is uniform whatever came before: a model trained on distinct tokens instead learns
    to suppress tokens already seen, which fights induction on a first repeat. The
    prediction made at position t counts as predictable when t lies in the repeated part
    and every earlier occurrence of the current token was followed by the target.
    """
    n_ctx, d_vocab, B = MODEL_CONFIG["n_ctx"], MODEL_CONFIG["d_vocab"], cfg.batch_size
    n_content = n_ctx - 1
    prefix_B = rng.integers(0, cfg.max_prefix + 1, size=B)
    period_B = rng.integers(cfg.min_period, cfg.max_period + 1, size=B)
    no_repeat_B = rng.random(B) < cfg.p_no_repeat
    period_B = np.where(no_repeat_B, n_content, period_B)  # one segment filling the context
    segment_BC0 = rng.integers(1, d_vocab, size=(B, n_content))  # never BOS
    prefix_BC = rng.integers(1, d_vocab, size=(B, n_content))
    c_C = np.arange(n_content)
    offset_BC = c_C[None, :] - prefix_B[:, None]
    in_segment_BC = offset_BC >= 0
    seg_idx_BC = np.where(in_segment_BC, offset_BC % period_B[:, None], 0)
    segment_BC = np.take_along_axis(segment_BC0, seg_idx_BC, axis=1)
    content_BC = np.where(in_segment_BC, segment_BC, prefix_BC)
    tokens_BT = np.concatenate([np.full((B, 1), BOS), content_BC], axis=1)
    # predictable: current token (position t) seen before, always followed by token t+1
    cur_BT, nxt_BT = tokens_BT[:, :-1], tokens_BT[:, 1:]  # queries t, targets t+1
    t_T = np.arange(n_ctx - 1)
    earlier_TT = t_T[None, :] < t_T[:, None]  # [t, j]: j < t
    match_BTT = (cur_BT[:, :, None] == cur_BT[:, None, :]) & earlier_TT
    agree_BTT = nxt_BT[:, :, None] == nxt_BT[:, None, :]
    repeated_BT = (t_T[None, :] - 1) >= (prefix_B + period_B)[:, None]
    predictable_BT = repeated_BT & ~(match_BTT & ~agree_BTT).any(axis=2)
    return torch.from_numpy(tokens_BT.astype(np.int64)), torch.from_numpy(predictable_BT)


def train(cfg: TrainConfig, log_every: int = 200):
    """Train a toy model; returns (model, record) where record holds the final losses.

    Runs on one CPU thread: the model is too small to gain from more, and on a busy
    machine extra threads made steps ~10x slower. One thread also fixes the order of
    floating-point sums, so a seed reproduces the shipped weights bit for bit.
    """
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _train(cfg, log_every)
    finally:
        torch.set_num_threads(n_threads)


def _train(cfg: TrainConfig, log_every: int):
    torch.manual_seed(cfg.seed)
    model = new_model(seed=cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=cfg.n_steps, pct_start=0.1
    )
    start = time.perf_counter()
    model.train()
    for step in range(cfg.n_steps):
        tokens_BT, predictable_BT = sample_batch(cfg, rng)
        logits_BTV = model(tokens_BT, return_type="logits")[:, :-1]
        loss_BT = torch.nn.functional.cross_entropy(
            logits_BTV.transpose(1, 2), tokens_BT[:, 1:], reduction="none"
        )
        loss = loss_BT.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if log_every and (step % log_every == 0 or step == cfg.n_steps - 1):
            rep = float(loss_BT.detach()[predictable_BT].mean())
            print(f"step {step:5d}  loss {loss.item():.4f}  repeated {rep:.4f}", flush=True)
    seconds = time.perf_counter() - start
    model.eval()
    eval_rng = np.random.default_rng(cfg.seed + 1_000_003)
    eval_cfg = TrainConfig(**{**asdict(cfg), "batch_size": 512})
    tokens_BT, predictable_BT = sample_batch(eval_cfg, eval_rng)
    with torch.no_grad():
        logits_BTV = model(tokens_BT, return_type="logits")[:, :-1]
        loss_BT = torch.nn.functional.cross_entropy(
            logits_BTV.transpose(1, 2), tokens_BT[:, 1:], reduction="none"
        )
    record = {
        "final_loss_repeated": float(loss_BT[predictable_BT].mean()),
        "final_loss_unpredictable": float(loss_BT[~predictable_BT].mean()),
        "train_seconds": seconds,
    }
    return model, record


def save(model, cfg: TrainConfig, record: dict, out: str | Path) -> Path:
    """Write the model's parameters (float32) and the training record to ``out``."""
    metadata = {
        "seed": str(cfg.seed),
        "steps": str(cfg.n_steps),
        "final_loss_repeated": f"{record['final_loss_repeated']:.6f}",
        "final_loss_unpredictable": f"{record['final_loss_unpredictable']:.6f}",
        "train_config": json.dumps(asdict(cfg), sort_keys=True),
        "model_config": json.dumps(MODEL_CONFIG, sort_keys=True),
    }
    return save_parameters(model, out, metadata)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="path of the .safetensors file to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=TrainConfig.n_steps)
    args = parser.parse_args(argv)
    cfg = TrainConfig(seed=args.seed, n_steps=args.steps)
    model, record = train(cfg)
    path = save(model, cfg, record, args.out)
    print(
        f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB) in {record['train_seconds']:.1f} s: "
        f"repeated-token loss {record['final_loss_repeated']:.4f}, "
        f"unpredictable {record['final_loss_unpredictable']:.4f}"
    )


if __name__ == "__main__":
    main()
