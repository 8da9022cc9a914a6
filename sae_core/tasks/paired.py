"""The one way a prompt-pair task (IOI, greater-than, docstring) becomes a Task."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sae_core.models.pretrained import ARCHITECTURES, load_model_with_provenance
from sae_core.models.tokenizers import (
    PromptPair,
    TextEncoder,
    TokenizedPairs,
    encoder_for,
    tokenize_pairs,
)
from sae_core.tasks.ground_truth import TRUTHS
from sae_core.tasks.registry import TaskBuilder, TaskInfo, register_task
from sae_core.types import Answers, Task


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
    """Load the model, tokenize ``pairs``, and build the Task with its answers.

    The Task's ``answers`` hold each pair's answer / wrong token [N]; ``tokenizer_name``
    the text encoder used; ``positive_texts`` / ``negative_texts`` the prompt texts.
    ``extra_metadata(encoder, tokenized) -> dict`` adds task-specific provenance;
    metadata always holds per-pair ``info``, the truth variant, BOS flag, rejected count
    and seed.
    """
    variants = TRUTHS[task_name]
    if truth_variant not in variants:
        raise ValueError(f"truth_variant={truth_variant!r}; choose one of {tuple(variants)}")
    model, provenance = load_model_with_provenance(model_name, model_source, device, seed)
    encoder: TextEncoder = encoder_for(model, tokenizer)
    tok: TokenizedPairs = tokenize_pairs(encoder, pairs, n_examples, model.cfg.d_vocab)
    metadata = {
        "pair_info": [p.info for p in tok.pairs],
        "truth_variant": truth_variant,
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
        answers=Answers(correct=tok.answer_tokens, wrong=tok.wrong_tokens),
        tokenizer_name=encoder.name,
        positive_texts=tuple(p.positive for p in tok.pairs),
        negative_texts=tuple(p.negative for p in tok.pairs),
        # the paper's negatives: the template kept, the one fact the circuit uses changed
        contrast="minimal",
        provenance=provenance,
        metadata=metadata,
    )


def register_paired_task(
    task_name: str,
    model_name: str,
    make_pairs: Callable[[int], Iterator[PromptPair]],
    *,
    describe: Callable[[str], str],
    doc: str,
    summary: str,
    extra_metadata=None,
) -> TaskBuilder:
    """Register, under ``task_name``, and return the builder of a prompt-pair task.

    Every prompt-pair task has the one builder signature ``build(*, n_examples=250,
    seed=0, model_source="pretrained", truth_variant="paper", tokenizer=None,
    device="cpu") -> Task``, which :func:`load_paired_task` serves. ``make_pairs(seed)``:
    the task's prompt pairs; ``describe(truth_variant)``: the Task's description;
    ``doc``: the builder's docstring; ``summary``: its one line in ``sae-core tasks``;
    ``extra_metadata``: as in :func:`load_paired_task`.
    """

    def build(
        *,
        n_examples: int = 250,
        seed: int = 0,
        model_source: str = "pretrained",
        truth_variant: str = "paper",
        tokenizer=None,
        device: str = "cpu",
    ) -> Task:
        return load_paired_task(
            task_name, model_name, make_pairs(seed), n_examples=n_examples, seed=seed,
            model_source=model_source, truth_variant=truth_variant, tokenizer=tokenizer,
            device=device, description=describe(truth_variant), extra_metadata=extra_metadata,
        )

    build.__doc__ = doc
    arch = ARCHITECTURES[model_name]
    n_truth = len(TRUTHS[task_name]["paper"].heads)
    info = TaskInfo(model_name, arch["n_layers"], arch["n_heads"],
                    f"published circuit ({n_truth} heads)", summary, pretrained=True)
    return register_task(task_name, info)(build)
