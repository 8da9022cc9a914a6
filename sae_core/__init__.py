"""sae-core: circuit discovery with discrete sparse autoencoders.

Data flows one way: task -> cache -> SAE -> codes -> scores -> metrics / plots.
"""

from sae_core import kernels
from sae_core.config import SAEConfig
from sae_core.discover import discover, discover_seeds
from sae_core.faithfulness import FaithfulnessResult, faithfulness
from sae_core.metrics import evaluate
from sae_core.tasks import available_tasks, load_task
from sae_core.types import Answers, Discovery, GroundTruth, HeadId, Task
from sae_core.version import __version__

__all__ = [
    "Answers",
    "Discovery",
    "FaithfulnessResult",
    "GroundTruth",
    "HeadId",
    "SAEConfig",
    "Task",
    "__version__",
    "available_tasks",
    "discover",
    "discover_seeds",
    "evaluate",
    "faithfulness",
    "kernels",
    "load_task",
]
