"""What the baselines share: the task metric, prompt pairing and head-score rules.

Task metric (what "the behaviour" is, for methods that need one; :func:`metric_kind`
picks it from ``BaselineConfig.metric``, ``Task.metric`` and ``Task.answers``):

* ``"logit_diff"``: the task names its answers (``Task.answers``: correct and wrong
  token per positive, LongTensor [N_pos] each; the paper's tasks): logit[correct] -
  logit[wrong] at the last position.
* ``"kl"``: categorical output (``d_vocab_out > 1``), answers not used: every position
  but the first (BOS) is an output position. Gradient methods (EAP, EAP-IG, HISP) use
  the clean model's own prediction as the answer: the mean logit of the clean argmax
  token; ACDC and subnetwork probing use the KL divergence to the clean output.
* ``"mse"``: one numerical output (``d_vocab_out == 1``, e.g. tracr ``frac_prevs``):
  gradient methods use the output value itself; ACDC and SP the squared error to the
  clean output (a KL over one logit is always zero).

"kl" and "mse" measure the model's own output, not a task's answer: a baseline uses
them only where the task declares them (the tracr tasks) or its config names them.
"""

from __future__ import annotations

import numpy as np
import torch

from sae_core.types import HeadScores, Task, check_task_metric
from sae_core.version import __version__

SELECTION_ABOVE_MEAN = "node score > mean node score over heads (scale-free)"


def metric_kind(task: Task, metric: str = "auto") -> str:
    """The task metric in force for ``task``: "logit_diff", "kl" or "mse".

    ``metric`` (``BaselineConfig.metric``): a metric by name, checked against the task
    (:func:`sae_core.types.check_task_metric`), or "auto": the metric the task declares
    (``task.metric``), else "logit_diff" when the task names its answers
    (``task.answers``), else a ValueError naming both fixes. What each metric computes:
    the module docstring.
    """
    if metric != "auto":
        check_task_metric(task, metric, "metric")
        return metric
    if task.metric is not None:
        return task.metric
    if task.answers is not None:
        return "logit_diff"
    raise ValueError(
        f"task {task.name!r} names no answers, and the baselines' default metric "
        "(metric='auto') is the logit difference between each positive's correct and wrong "
        "next token: build the task with answers=Answers(correct=..., wrong=...), "
        "LongTensor [N_pos] each, or choose a metric by name in the method's config, "
        "e.g. EAPConfig(metric='kl') (the model's own top prediction at every position) "
        "or metric='mse' (a model with one numerical output)"
    )


def corrupt_source(task: Task, corrupt: str = "auto") -> str:
    """Which corrupt prompts ``corrupt`` means for ``task``: "negatives" or "resample".

    "auto" is "negatives" unless ``task.negatives_keep_output`` is true
    (e.g. tracr sort: a negative is its positive sorted, so both have one output and
    patching the negative in changes nothing), then "resample".
    """
    if corrupt == "auto":
        return "resample" if task.negatives_keep_output else "negatives"
    if corrupt not in ("negatives", "resample"):
        raise ValueError(f"corrupt={corrupt!r}; use 'auto', 'negatives' or 'resample'")
    return corrupt


def prompt_pairs(
    task: Task, n_prompts: int, corrupt: str = "auto"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Clean [n, T] and corrupt [n, T] prompts, paired by index.

    Clean prompts are the first ``n`` positives. Corrupt prompts (:func:`corrupt_source`):
    the first ``n`` negatives, or with "resample" the same positives shifted by one
    (clean i with positive i + 1 mod n: another prompt of the task, with its own
    output), ``n = min(n_prompts, N_pos, N_neg)`` or ``min(n_prompts, N_pos)``.
    Activation patching swaps activations position by position, so both sets need one
    token length; a clear error otherwise.
    """
    pos_NT, neg_MT = task.positive, task.negative
    if corrupt_source(task, corrupt) == "resample":
        n = min(int(n_prompts), pos_NT.shape[0])
        if n < 2:
            raise ValueError(
                f"task {task.name!r}: resampled corruption needs at least 2 positives "
                f"(got {n}); raise n_prompts or use corrupt='negatives'"
            )
        clean_NT = pos_NT[:n].long()
        return clean_NT, torch.roll(clean_NT, shifts=-1, dims=0)
    if pos_NT.shape[1] != neg_MT.shape[1]:
        raise ValueError(
            f"task {task.name!r}: positive prompts have {pos_NT.shape[1]} tokens, negative "
            f"prompts {neg_MT.shape[1]}. Patching methods replace each clean position's "
            "activations by the corrupt ones, so clean (positive) and corrupt (negative) "
            "prompts need one token length: build the task with negatives of the "
            "positives' length (e.g. pad or truncate them), use corrupt='resample', or "
            "run only the 'sae' method"
        )
    n = min(int(n_prompts), pos_NT.shape[0], neg_MT.shape[0])
    return pos_NT[:n].long(), neg_MT[:n].long()


def answers_for(task: Task, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The task's correct and wrong tokens for the first ``n`` positives, LongTensor [n]."""
    if task.answers is None:
        raise ValueError(
            f"task {task.name!r} names no answers; build it with "
            "Task(answers=Answers(correct=..., wrong=...)) to use the logit difference"
        )
    answer_N, wrong_N = task.answers.correct[:n], task.answers.wrong[:n]
    if answer_N.shape != (n,):
        raise ValueError(
            f"task {task.name!r} has answers for {task.answers.correct.shape[0]} positives, "
            f"not {n}; use at most that many prompts"
        )
    return answer_N, wrong_N


def above_mean(node_LN: np.ndarray) -> np.ndarray:
    """Boolean mask of heads scoring above the mean (all False when every score ties)."""
    node_LN = np.asarray(node_LN, dtype=np.float64)
    return node_LN > node_LN.mean()


def baseline_scores(
    method: str,
    task: Task,
    config,
    *,
    node_scores: np.ndarray,
    edge_scores: np.ndarray | None,
    selected: np.ndarray | None,
    seconds: float,
    seed: int | None,
    extra: dict,
) -> HeadScores:
    """A baseline's :class:`HeadScores`, with what every baseline records beside its scores:
    the task's name, model source and provenance, ``config.to_dict()``, the package version
    and the task metric in force (``extra["metric"]``, :func:`metric_kind`)."""
    return HeadScores(
        method=method,
        **task.result_fields(),
        node_scores=node_scores,
        edge_scores=edge_scores,
        seconds=seconds,
        selected=selected,
        seed=seed,
        config=config.to_dict(),
        version=__version__,
        extra={"metric": metric_kind(task, config.metric), **extra},
    )
