"""The induction toy model: shipped weights load and are recorded; the training script works."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sae_core.models import induction_toy as toy_model
from sae_core.tasks import induction_toy as toy


def test_missing_weights_name_path_and_command(tmp_path):
    missing = tmp_path / "nope.safetensors"
    with pytest.raises(FileNotFoundError) as err:
        toy_model.load_model(missing)
    assert str(missing) in str(err.value)
    assert "train_induction_toy" in str(err.value)


def test_shipped_weights_are_small_and_recorded():
    path = toy_model.weights_path()
    assert path.is_file()
    assert path.stat().st_size < 200_000
    meta = toy_model.weights_metadata()
    assert {"seed", "steps", "final_loss_repeated"} <= set(meta)
    assert float(meta["final_loss_repeated"]) < 0.05


@pytest.mark.slow
def test_training_script_forms_induction_quickly(tmp_path):
    """A shortened run (600 of 2000 steps) already has induction; saved weights reload."""
    from sae_core.models import train_induction_toy as train

    cfg = train.TrainConfig(seed=0, n_steps=600)
    model, record = train.train(cfg, log_every=0)
    assert record["final_loss_repeated"] < 0.5  # chance is log(47) = 3.85
    path = train.save(model, cfg, record, tmp_path / "toy.safetensors")
    reloaded = toy_model.load_model(path)
    rng = np.random.default_rng(0)
    tokens = torch.from_numpy(toy.repeated_tokens(50, toy.SEQ_LEN, 48, rng))
    assert toy.repeated_half_loss(reloaded, tokens) < 0.5
