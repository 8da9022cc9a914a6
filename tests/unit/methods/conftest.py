"""Fixtures shared by the method tests."""

import pytest
import torch

from sae_core.types import GroundTruth, Task
from tests.conftest import tiny_model


@pytest.fixture(scope="module")
def tiny_task():
    """A random-weight 2x3 model, unlabelled (it declares the KL metric), with head and
    edge truth."""
    gen = torch.Generator().manual_seed(0)
    return Task(
        name="tiny",
        model=tiny_model(),
        positive=torch.randint(0, 20, (8, 6), generator=gen),
        negative=torch.randint(0, 20, (8, 6), generator=gen),
        ground_truth=GroundTruth(heads={(0, 1), (1, 2)}, edges={((0, 1), (1, 2))}),
        model_source="random",
        metric="kl",
    )
