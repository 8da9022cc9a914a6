"""The CLI's SAE settings: the task's paper settings, flags override (no model run)."""

from sae_core.cli import build_parser, discover_config
from sae_core.config import SAEConfig
from sae_core.paper.settings import DEFAULT_SEEDS


def test_discover_uses_the_tasks_paper_settings():
    assert discover_config(build_parser().parse_args(["discover", "docstring"])).l1 == 0.05
    assert discover_config(build_parser().parse_args(["discover", "ioi"])).l1 == 0.02
    assert discover_config(build_parser().parse_args(["discover", "induction-toy"])) == SAEConfig()


def test_discover_flags_override_the_paper_settings():
    args = build_parser().parse_args(
        ["discover", "docstring", "--l1", "0.1", "--steps", "7", "--pooling", "last"]
    )
    config = discover_config(args)
    assert (config.l1, config.steps, config.pooling, config.n_features) == (0.1, 7, "last", 200)


def test_seed_counts_default_to_one_constant():
    parser = build_parser()
    for argv in (["demo"], ["figures"], ["compare", "ioi"]):
        assert parser.parse_args(argv).seeds == len(DEFAULT_SEEDS) == 5
