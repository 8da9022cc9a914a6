"""The one way a prompt-pair task (IOI, greater-than, docstring) becomes a Task."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sae_core.models.pretrained import load_model
from sae_core.models.tokenizers import (
    PromptPair,
    TextEncoder,
    TokenizedPairs,
    encoder_for,
    tokenize_pairs,
)
from sae_core.tasks.ground_truth import TRUTHS
from sae_core.types import Task


def load_paired_task(
    task_name: str,
    model_name: str,
    pairs: Iterator[PromptPair],
    *,
    n_examples: int,
    seed: int,
    model_source: str,
    truth_variant: str,
    tokenizer: Any,
    device: str,
    description: str,
    extra_metadata=None,
) -> Task:
    """Load the model, tokenize ``pairs``, and build the Task with the shared metadata.

    ``extra_metadata(encoder, tokenized) -> dict`` adds task-specific entries.
    Metadata always holds ``answer_tokens`` / ``wrong_tokens`` [N], the prompt texts,
    per-pair ``info``, the truth variant, tokenizer, BOS flag, rejected count and seed.
    """
    variants = TRUTHS[task_name]
    if truth_variant not in variants:
        raise ValueError(f"truth_variant={truth_variant!r}; choose one of {tuple(variants)}")
    model = load_model(model_name, model_source=model_source, device=device, seed=seed)
    encoder: TextEncoder = encoder_for(model, tokenizer)
    tok: TokenizedPairs = tokenize_pairs(encoder, pairs, n_examples, model.cfg.d_vocab)
    metadata = {
        "answer_tokens": tok.answer_tokens,
        "wrong_tokens": tok.wrong_tokens,
        "positive_prompts": [p.positive for p in tok.pairs],
        "negative_prompts": [p.negative for p in tok.pairs],
        "pair_info": [p.info for p in tok.pairs],
        "truth_variant": truth_variant,
        "tokenizer": encoder.name,
        "bos_prepended": encoder.bos is not None,
        "n_rejected": tok.n_rejected,
        "seed": seed,
    }
    if extra_metadata is not None:
        metadata.update(extra_metadata(encoder, tok))
    return Task(
        name=task_name,
        model=model,
        positive=tok.positive.to(device),
        negative=tok.negative.to(device),
        ground_truth=variants[truth_variant],
        model_source=model_source,
        description=description,
        metadata=metadata,
    )
