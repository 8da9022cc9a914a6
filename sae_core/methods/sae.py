"""The SAE method (ours) on the common signature ``sae(task, config) -> HeadScores``.

:func:`sae_core.discover.discover_seeds` already returns :class:`Discovery` objects, which
are HeadScores: node scores are unique positive-only codes per head, edge scores
positive-only code pairs per head pair (symmetric), ``selected`` is
``Discovery.head_mask()`` (softmax of node scores above the uniform level 1/H) and
``seconds`` is ``timings["total"]``: with several seeds run together the shared stages
(cache, batched SAE training, codes) are split evenly between the seeds. This wrapper
picks the SAE settings (the task's paper settings unless ``config.sae`` is given) and
records the method's config beside them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sae_core.discover import discover_seeds
from sae_core.methods.config import SAEMethodConfig
from sae_core.methods.registry import register_method
from sae_core.paper.settings import paper_settings
from sae_core.types import Discovery, Task


def run_sae_seeds(
    task: Task, config: SAEMethodConfig | None, seeds: Sequence[int]
) -> list[Discovery]:
    """Every seed in one batched run (one cache, one batched SAE training)."""
    config = config or SAEMethodConfig()
    sae_config = config.sae if config.sae is not None else paper_settings(task.name).sae
    found = discover_seeds(task, sae_config, seeds=seeds)
    return [
        dataclasses.replace(d, config={**config.to_dict(), "sae": dataclasses.asdict(sae_config)})
        for d in found
    ]


@register_method(
    "sae",
    SAEMethodConfig,
    stochastic=True,
    description="SAE codes (ours): positive-only codes per head and head pair",
    run_seeds=run_sae_seeds,
)
def sae(task: Task, config: SAEMethodConfig | None = None) -> Discovery:
    """The SAE method with one seed (``config.seed``); see the module docstring."""
    config = config or SAEMethodConfig()
    return run_sae_seeds(task, config, (config.seed,))[0]
