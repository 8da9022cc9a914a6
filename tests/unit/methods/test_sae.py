"""The SAE method on the common signature returns discover_seeds' Discovery objects."""

import dataclasses

import numpy as np

from sae_core.config import SAEConfig
from sae_core.discover import discover_seeds
from sae_core.methods import run_method, run_method_seeds
from sae_core.methods.config import SAEMethodConfig
from sae_core.paper.settings import PaperSettings
from sae_core.types import Discovery

SAE = SAEConfig(n_features=16, steps=20, n_train=2, device="cpu")


def test_the_sae_method_returns_discoveries_with_its_config_recorded(tiny_task):
    config = SAEMethodConfig(sae=SAE, seed=1)
    found = run_method("sae", tiny_task, config)
    direct = discover_seeds(tiny_task, SAE, seeds=(1,))[0]
    assert isinstance(found, Discovery) and found.method == "sae" and found.seed == 1
    np.testing.assert_array_equal(found.node_scores, direct.node_scores)
    np.testing.assert_array_equal(found.selected, direct.head_mask())
    assert found.seconds == found.timings["total"] and found.sae_config == SAE
    assert found.config == {"kind": "SAEMethodConfig", "seed": 1,
                            "sae": dataclasses.asdict(SAE)}
    assert direct.config == dataclasses.asdict(SAE)
    assert found.extra == direct.extra and set(found.extra) == {"selection", "node_from_edges"}


def test_without_sae_settings_the_method_uses_the_tasks_paper_settings(tiny_task, monkeypatch):
    import sae_core.methods.sae as sae_method

    asked = []

    def small_settings(task_name):
        asked.append(task_name)
        return PaperSettings(task_name, SAE)

    monkeypatch.setattr(sae_method, "paper_settings", small_settings)
    runs = run_method_seeds("sae", tiny_task, (0, 1), SAEMethodConfig(sae=None))
    assert asked == ["tiny"] and [d.seed for d in runs] == [0, 1]
    assert all(d.sae_config == SAE and d.config["sae"] == dataclasses.asdict(SAE) for d in runs)
