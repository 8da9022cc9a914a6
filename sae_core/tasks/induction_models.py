"""Induction on published models (the paper's cross-model experiment).

Positives: BOS, a random token sequence, then the same sequence again; from the
second copy on, the next token is predictable only by induction. Negatives: BOS
and twice as many random tokens with no repeat, the same length and token
distribution. The paper reports faithfulness here, not a head truth, so these
tasks carry no ground truth (``evaluate`` needs one; ``faithfulness`` does not).
``Task.answers.correct`` is the token induction predicts after the last
position; ``Task.answers.wrong`` a random token of the same range.
"""

from __future__ import annotations

import numpy as np
import torch

from sae_core.models.pretrained import ARCHITECTURES, load_model_with_provenance
from sae_core.tasks.registry import TaskInfo, register_task
from sae_core.types import Answers, Task

MODELS = {"gpt2": "gpt2", "pythia-160m": "pythia-160m", "opt-125m": "opt-125m"}
BOS_IDS = {"gpt2": 50256, "pythia-160m": 0, "opt-125m": 2}  # each tokenizer's BOS token id
TOKEN_RANGE = (1000, 10000)  # ordinary word pieces in all three vocabularies, no special ids


def induction_prompts(
    n_examples: int, half_len: int, bos_id: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(positive [N, 2L], negative [N, 2L], answer [N], wrong [N]) token ids.

    A positive is BOS + s + s[:-1] (length 2L with s of length L), so the last
    position predicts s[-1]; a negative is BOS + 2L-1 distinct random tokens.
    """
    if n_examples < 1 or half_len < 2:
        raise ValueError(f"n_examples={n_examples}, half_len={half_len}; need >= 1 and >= 2")
    rng = np.random.default_rng(seed)
    lo, hi = TOKEN_RANGE
    pos, neg, answer, wrong = [], [], [], []
    for _ in range(n_examples):
        fresh = rng.choice(np.arange(lo, hi), size=3 * half_len, replace=False)
        seq = fresh[:half_len]
        pos.append([bos_id, *seq, *seq[:-1]])
        neg.append([bos_id, *fresh[half_len : 3 * half_len - 1]])
        answer.append(seq[-1])
        wrong.append(fresh[-1])
    as_long = lambda rows: torch.tensor(np.asarray(rows), dtype=torch.long)  # noqa: E731
    return as_long(pos), as_long(neg), as_long(answer), as_long(wrong)


def _register(model_key: str) -> None:
    name = f"induction-{model_key}"

    def build(
        *,
        n_examples: int = 250,
        seed: int = 0,
        model_source: str = "pretrained",
        half_len: int = 20,
        device: str = "cpu",
    ) -> Task:
        model, provenance = load_model_with_provenance(
            MODELS[model_key], model_source, device, seed
        )
        pos, neg, answer, wrong = induction_prompts(n_examples, half_len, BOS_IDS[model_key], seed)
        return Task(
            name=name,
            model=model,
            positive=pos.to(device),
            negative=neg.to(device),
            ground_truth=None,
            model_source=model_source,
            description=f"induction on {model_key}: repeated vs unrepeated random tokens",
            answers=Answers(correct=answer, wrong=wrong),
            provenance=provenance,
            metadata={"seed": seed},
        )

    build.__name__ = f"build_induction_{model_key.replace('-', '_')}"
    build.__doc__ = (
        f"Task {name!r}: repeated vs unrepeated random tokens on {model_key} "
        "(see sae_core.tasks.induction_models)."
    )
    arch = ARCHITECTURES[MODELS[model_key]]
    info = TaskInfo(MODELS[model_key], arch["n_layers"], arch["n_heads"], "none",
                    f"induction on {model_key}: repeated vs unrepeated random tokens "
                    "(faithfulness only)", pretrained=True)
    register_task(name, info)(build)


for _key in MODELS:
    _register(_key)
