"""Wall time of the SAE method by model size, stage by stage (the paper's runtime claim).

The paper reports the whole method at 2.7 s (GPT-2 small), 3.5 s (medium), 5.1 s (large)
and 9.9 s (xl) on one GPU with 10 training examples (FACTS.md, Headline numbers;
:data:`sae_core.paper.numbers.RUNTIME_GPU_S`). Time depends on the architecture, not on
what the weights learned, so :func:`time_model_sizes` times random-weight stand-ins
(``load_model(name, model_source="random")``: no download) on a synthetic task whose
positive and negative prompts are uniformly random token ids of one fixed length.
Its scores mean nothing; its timings are the method's.

Stages: ``load`` (building the model, timed here), then the stages
:func:`sae_core.discover.discover_seeds` times itself (``Discovery.timings``):
``cache`` (forward passes + pooled head outputs of every prompt), ``sae`` (training the
SAE on ``n_train`` positives + as many negatives), ``codes`` (argmax codes of every
counted head vector), ``node_scores`` and ``edge_scores`` (the numba kernels).
``total`` is the method's own total (cache through edge scores, as the paper times the
method on a loaded model); ``total_with_load`` adds the load.

Each model is built afresh and freed before the next (the authors' runtime script reused
one loaded model across sizes, FACTS.md Quirks). Before the first model, a warm-up runs
the whole pipeline once on a tiny model so that one-time costs (numba's kernel cache,
the CUDA context, torch's first-call setup) are not charged to GPT-2 small.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from sae_core.config import SAEConfig
from sae_core.device import describe_device, resolve_device
from sae_core.discover import discover_seeds
from sae_core.models.pretrained import architecture_config, load_model, model_from_config
from sae_core.types import Task
from sae_core.version import __version__

RUNTIME_MODELS = ("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl")
"""The model sizes of the paper's runtime figure, smallest first."""

STAGES = ("load", "cache", "sae", "codes", "node_scores", "edge_scores")
"""Timed stages, in pipeline order (``load`` ours, the rest ``Discovery.timings``)."""

DEFAULT_N_PROMPTS = 50
"""Prompts per set (positives and as many negatives): the paper's 10 SAE training prompts
plus 40 more whose codes are counted. The paper's AUC runs count codes on 250 + 250
prompts; that multiplies the ``cache`` and ``codes`` stages by about 5 and takes ~25 min
for the four sizes on a 2-core CPU (``n_prompts=250`` to measure it)."""

DEFAULT_PROMPT_LENGTH = 16
"""Tokens per synthetic prompt: about an IOI prompt (15 GPT-2 tokens)."""

SYNTHETIC_TASK = "random-tokens"


def synthetic_task(
    model, n_prompts: int = DEFAULT_N_PROMPTS, prompt_length: int = DEFAULT_PROMPT_LENGTH,
    seed: int = 0,
) -> Task:
    """A task of uniformly random token prompts for ``model``: for timing only, no truth.

    Positives and negatives are ``n_prompts`` x ``prompt_length`` token ids each, drawn
    independently from a CPU generator seeded with ``seed``.
    """
    if n_prompts < 1 or prompt_length < 1:
        raise ValueError(
            f"n_prompts={n_prompts}, prompt_length={prompt_length}; both must be >= 1"
        )
    gen = torch.Generator().manual_seed(seed)
    d_vocab = int(model.cfg.d_vocab)
    positive = torch.randint(0, d_vocab, (n_prompts, prompt_length), generator=gen)
    negative = torch.randint(0, d_vocab, (n_prompts, prompt_length), generator=gen)
    return Task(
        name=SYNTHETIC_TASK,
        model=model,
        positive=positive,
        negative=negative,
        model_source="random",
        description="uniformly random token prompts, for timing (scores mean nothing)",
    )


@dataclass(frozen=True)
class ModelRuntime:
    """Seconds per stage of one model size (see the module docstring for the stages).

    ``seconds``: stage -> seconds for every name in :data:`STAGES`, plus ``total``
    (cache through edge scores) and ``total_with_load``.
    """

    model: str
    n_layers: int
    n_heads: int
    d_model: int
    n_params: int
    seconds: Mapping[str, float]

    @property
    def n_heads_total(self) -> int:
        return self.n_layers * self.n_heads

    @property
    def total(self) -> float:
        """The method's wall time on a loaded model (what the paper reports)."""
        return float(self.seconds["total"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record."""
        return {
            "model": self.model,
            "n_layers": self.n_layers,
            "n_heads": self.n_heads,
            "n_heads_total": self.n_heads_total,
            "d_model": self.d_model,
            "n_params": self.n_params,
            "seconds": dict(self.seconds),
        }


@dataclass(frozen=True, eq=False)
class RuntimeResult:
    """Stage timings of the SAE method on random-weight stand-ins of several sizes.

    ``models``: one :class:`ModelRuntime` per size, in the order run. ``n_prompts``
    positives and as many negatives of ``prompt_length`` random tokens; ``config``: the
    SAEConfig used (``n_train`` of the prompts per set train the SAE). ``device``: what
    ran it, in words (e.g. "cpu (x86_64, 2 torch threads)"); ``model_source`` is always
    "random". ``load_1min``: the machine's 1-minute load average before and after.
    """

    models: tuple[ModelRuntime, ...]
    n_prompts: int
    prompt_length: int
    config: SAEConfig
    device: str
    seed: int
    model_source: str = "random"
    version: str = __version__
    torch_version: str = torch.__version__
    load_1min: tuple[float, float] | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def model_names(self) -> tuple[str, ...]:
        return tuple(m.model for m in self.models)

    @property
    def is_stand_in(self) -> bool:
        """Always True here: random weights, timings only."""
        return self.model_source == "random"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (config, versions, device and every model's stages)."""
        return {
            "task": SYNTHETIC_TASK,
            "models": [m.to_dict() for m in self.models],
            "n_prompts_per_set": self.n_prompts,
            "prompt_length": self.prompt_length,
            "config": dataclasses.asdict(self.config),
            "device": self.device,
            "seed": self.seed,
            "model_source": self.model_source,
            "version": self.version,
            "torch_version": self.torch_version,
            "load_1min": self.load_1min,
            "notes": self.notes,
        }


def mem_available_gib() -> float | None:
    """MemAvailable from /proc/meminfo in GiB (``free``'s "available"), None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def model_memory_gib(name: str) -> float:
    """Approximate GiB that building random-weight ``name`` takes (float32 parameters).

    Counts the embedding, unembedding and 12 d_model^2 per layer (attention 4, MLP 8),
    plus 25% for the initialisation's temporaries.
    """
    cfg = architecture_config(name)
    n_params = 2 * cfg.d_vocab * cfg.d_model + cfg.n_ctx * cfg.d_model
    n_params += cfg.n_layers * (4 * cfg.d_model * cfg.d_model + 2 * cfg.d_model * cfg.d_mlp)
    return 1.25 * 4 * n_params / 2**30


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _load_avg() -> float | None:
    try:
        return float(os.getloadavg()[0])
    except OSError:  # pragma: no cover - not on Linux/macOS
        return None


def time_model(
    name: str,
    *,
    n_prompts: int = DEFAULT_N_PROMPTS,
    prompt_length: int = DEFAULT_PROMPT_LENGTH,
    config: SAEConfig | None = None,
    seed: int = 0,
) -> ModelRuntime:
    """Build a random-weight ``name`` and time the SAE method on a synthetic task.

    ``config.device`` picks the device ("auto": CUDA when present). The model is freed
    before returning. No warm-up here: see :func:`time_model_sizes`.
    """
    config = config or SAEConfig()
    device = resolve_device(config.device)
    cfg = architecture_config(name, seed=seed)
    _sync(device)
    t0 = time.perf_counter()
    model = load_model(name, model_source="random", device=str(device), seed=seed)
    _sync(device)
    load_s = time.perf_counter() - t0
    try:
        task = synthetic_task(model, n_prompts, prompt_length, seed=seed)
        found = discover_seeds(task, config, seeds=(seed,))[0]
        n_params = sum(p.numel() for p in model.parameters())
    finally:
        del model
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()
    seconds = {"load": load_s, **{k: float(v) for k, v in found.timings.items()}}
    seconds["total_with_load"] = seconds["total"] + load_s
    missing = [s for s in (*STAGES, "total") if s not in seconds]
    if missing:  # pragma: no cover - guards against a change in Discovery.timings
        raise KeyError(
            f"Discovery.timings lacks stages {missing}; update sae_core.experiments.model_size"
        )
    return ModelRuntime(
        model=name,
        n_layers=cfg.n_layers,
        n_heads=cfg.n_heads,
        d_model=cfg.d_model,
        n_params=int(n_params),
        seconds=seconds,
    )


def warm_up(config: SAEConfig | None = None) -> None:
    """Run the whole pipeline once on a tiny random model (one-time costs paid here)."""
    config = config or SAEConfig()
    device = resolve_device(config.device)
    tiny = model_from_config(
        n_layers=2, n_heads=4, d_model=32, d_head=8, d_mlp=64, d_vocab=50,
        n_ctx=16, act_fn="gelu_new", normalization_type="LN", seed=0, device=str(device),
    ).eval()
    task = synthetic_task(tiny, n_prompts=config.n_train + 2, prompt_length=4)
    discover_seeds(task, dataclasses.replace(config, steps=2), seeds=(0,))


def time_model_sizes(
    names: Sequence[str] = RUNTIME_MODELS,
    *,
    n_prompts: int = DEFAULT_N_PROMPTS,
    prompt_length: int = DEFAULT_PROMPT_LENGTH,
    config: SAEConfig | None = None,
    seed: int = 0,
    progress: bool = False,
) -> RuntimeResult:
    """Time the SAE method on random-weight stand-ins of each model in ``names``.

    Args:
        names: models of :data:`sae_core.models.pretrained.MODEL_NAMES`, run in this order, one at a
            time (gpt2-xl needs about 7 GiB of memory in float32).
        n_prompts: positives (and as many negatives) per synthetic task; must exceed
            ``config.n_train`` unless ``config`` counts codes on the training prompts.
        prompt_length: tokens per prompt.
        config: the SAE settings (default: the paper's, ``SAEConfig()``: 200 features,
            500 steps, 10 training prompts per set; ``device="auto"``).
        seed: seeds the weights, the prompts and the SAE.
        progress: print one line per model as it finishes.

    Returns:
        A :class:`RuntimeResult` (model_source "random"; timings only).
    """
    names = tuple(names)
    if not names:
        raise ValueError("give at least one model name, e.g. ('gpt2',)")
    for name in names:
        architecture_config(name)  # unknown names fail before any work
    config = config or SAEConfig()
    device = resolve_device(config.device)
    load_start = _load_avg()
    warm_up(config)
    rows = []
    for name in names:
        row = time_model(
            name, n_prompts=n_prompts, prompt_length=prompt_length, config=config, seed=seed
        )
        rows.append(row)
        if progress:
            print(
                f"{name}: {row.total:.2f} s (+ load {row.seconds['load']:.2f} s)", flush=True
            )
    load_end = _load_avg()
    return RuntimeResult(
        models=tuple(rows),
        n_prompts=n_prompts,
        prompt_length=prompt_length,
        config=config,
        device=describe_device(device),
        seed=seed,
        load_1min=None if load_start is None else (load_start, load_end),
    )
