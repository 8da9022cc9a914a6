"""The SAE configuration: validation, paper defaults and quirks (config.py)."""

import dataclasses

import pytest

from sae_core.config import SAEConfig


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_features=0), "n_features"),
        (dict(l1=-1.0), "l1"),
        (dict(l1=float("nan")), "l1"),
        (dict(lr=0.0), "lr"),
        (dict(steps=0), "steps"),
        (dict(n_train=0), "n_train"),
        (dict(pooling="max"), "pooling"),
        (dict(edge_head_score="x"), "edge_head_score"),
        (dict(device="tpu"), "device"),
    ],
)
def test_config_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SAEConfig(**kwargs)


def test_config_paper_defaults_and_quirks():
    c = SAEConfig()
    paper = (200, 0.02, 1e-3, 500, 10, "mean")
    assert (c.n_features, c.l1, c.lr, c.steps, c.n_train, c.pooling) == paper
    assert not c.counts_train_examples and c.effective_edge_head_score == "row_sum"
    q = SAEConfig(paper_quirks=True)
    assert q.counts_train_examples and q.effective_edge_head_score == "paper_topk"
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.l1 = 0.5


def test_paper_quirks_override_the_edge_rule_and_discoveries_record_the_rule_used():
    from tests.unit.test_types_scores import make_discovery

    q = SAEConfig(paper_quirks=True, edge_head_score="row_sum")
    assert q.effective_edge_head_score == "paper_topk"
    assert make_discovery(sae_config=q).to_dict()["edge_head_score"] == "paper_topk"
    assert make_discovery().to_dict()["edge_head_score"] == "row_sum"
