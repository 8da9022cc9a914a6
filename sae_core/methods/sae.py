"""The SAE method (ours) on the common signature ``sae(task, config) -> HeadScores``.

A thin wrapper of :func:`sae_core.discover.discover_seeds`: node scores are
``Discovery.node_scores`` (unique positive-only codes per head), edge scores
``Discovery.edge_scores`` (positive-only code pairs per head pair, symmetric) and the
selection is ``Discovery.head_mask()`` (softmax of node scores above the uniform level
1/H). ``seconds`` is ``Discovery.timings["total"]``: with several seeds run together the
shared stages (cache, batched SAE training, codes) are split evenly between the seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sae_core.discover import discover_seeds
from sae_core.methods.config import SAEMethodConfig
from sae_core.methods.registry import register_method
from sae_core.paper.settings import paper_config
from sae_core.types import Discovery, HeadScores, Task

SELECTION = "softmax(node score) > 1/H (Discovery.head_mask, the uniform level)"


def _as_head_scores(found: Discovery, config: SAEMethodConfig) -> HeadScores:
    return HeadScores(
        method="sae",
        task_name=found.task_name,
        node_scores=found.node_scores,
        edge_scores=found.edge_scores,
        seconds=float(found.timings["total"]),
        model_source=found.model_source,
        selected=found.head_mask(),
        seed=found.seed,
        config={**config.to_dict(), "sae": asdict(found.config)},
        version=found.version,
        extra={
            "selection": SELECTION,
            "node_from_edges": "not used: node scores are the SAE's own per-head counts",
            "timings": dict(found.timings),
            "edge_node_scores": found.edge_node_scores.tolist(),
        },
    )


def run_sae_seeds(
    task: Task, config: SAEMethodConfig | None, seeds: Sequence[int]
) -> list[HeadScores]:
    """Every seed in one batched run (one cache, one batched SAE training)."""
    config = config or SAEMethodConfig()
    sae_config = config.sae if config.sae is not None else paper_config(task.name)
    found = discover_seeds(task, sae_config, seeds=seeds)
    return [_as_head_scores(d, config) for d in found]


@register_method(
    "sae",
    SAEMethodConfig,
    stochastic=True,
    description="SAE codes (ours): positive-only codes per head and head pair",
    run_seeds=run_sae_seeds,
)
def sae(task: Task, config: SAEMethodConfig | None = None) -> HeadScores:
    """The SAE method with one seed (``config.seed``); see the module docstring."""
    config = config or SAEMethodConfig()
    return run_sae_seeds(task, config, (config.seed,))[0]
