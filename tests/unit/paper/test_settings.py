"""The paper's per-task settings come from one place."""

import pytest

from sae_core.config import SAEConfig
from sae_core.paper.numbers import HEADLINE_AUC
from sae_core.paper.settings import PAPER_SETTINGS, PaperSettings, paper_config, paper_settings


def test_paper_l1_per_task():
    assert paper_config("ioi").l1 == 0.02
    assert paper_config("greater-than").l1 == 0.02
    assert paper_config("docstring").l1 == 0.05
    assert paper_settings("docstring").sae.l1 == 0.05


def test_other_settings_are_the_paper_defaults():
    cfg = paper_config("docstring")
    assert (cfg.n_features, cfg.lr, cfg.steps, cfg.n_train) == (200, 1e-3, 500, 10)
    assert paper_config("induction-toy") == SAEConfig()
    for name in ("ioi", "docstring", "induction-toy"):
        settings = paper_settings(name)
        assert (settings.task, settings.n_examples, settings.n_seeds) == (name, 250, 10)


def test_overrides_are_validated():
    assert paper_config("ioi", steps=50).steps == 50
    with pytest.raises(ValueError, match="steps"):
        paper_config("ioi", steps=0)
    with pytest.raises(ValueError, match="n_seeds"):
        PaperSettings("ioi", SAEConfig(), n_seeds=0)


def test_every_paper_task_has_numbers():
    assert set(PAPER_SETTINGS) == set(HEADLINE_AUC)
    assert all(settings.task == name for name, settings in PAPER_SETTINGS.items())
