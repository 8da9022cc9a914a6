"""What the baselines share: the task metric, prompt pairing and head-score rules.

Task metric (what "the behaviour" is, for methods that need one):

* ``"logit_diff"``: the task names its answers (``Task.metadata["answer_tokens"]`` and
  ``["wrong_tokens"]``, LongTensor [N]; the paper's tasks): logit[answer] -
  logit[wrong] at the last position.
* ``"kl"``: no labels, categorical output (``d_vocab_out > 1``): every position but the
  first (BOS) is an output position. Gradient methods (EAP, EAP-IG, HISP) use the clean
  model's own prediction as the answer: the mean logit of the clean argmax token;
  ACDC and subnetwork probing use the KL divergence to the clean output.
* ``"mse"``: no labels, one numerical output (``d_vocab_out == 1``, e.g. tracr
  ``frac_prevs``): gradient methods use the output value itself; ACDC and SP the
  squared error to the clean output (a KL over one logit is always zero).
"""

from __future__ import annotations

import numpy as np
import torch

from sae_core.types import Task

METRIC_KINDS = ("logit_diff", "kl", "mse")

SELECTION_ABOVE_MEAN = "node score > mean node score over heads (scale-free)"


def metric_kind(task: Task) -> str:
    """The task metric in force for ``task`` (see the module docstring)."""
    meta = task.metadata
    if "answer_tokens" in meta and "wrong_tokens" in meta:
        return "logit_diff"
    return "mse" if int(task.model.cfg.d_vocab_out) == 1 else "kl"


def prompt_pairs(task: Task, n_prompts: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Clean [n, T] and corrupt [n, T] prompts: the i-th positive with the i-th negative.

    ``n = min(n_prompts, N_pos, N_neg)``. Activation patching swaps activations position
    by position, so both sets need one token length; a clear error otherwise.
    """
    pos_NT, neg_MT = task.positive, task.negative
    if pos_NT.shape[1] != neg_MT.shape[1]:
        raise ValueError(
            f"task {task.name!r}: positive prompts have {pos_NT.shape[1]} tokens, negative "
            f"prompts {neg_MT.shape[1]}. Patching methods replace each clean position's "
            "activations by the corrupt ones, so clean (positive) and corrupt (negative) "
            "prompts need one token length: build the task with negatives of the "
            "positives' length (e.g. pad or truncate them), or run only the 'sae' method"
        )
    n = min(int(n_prompts), pos_NT.shape[0], neg_MT.shape[0])
    return pos_NT[:n].long(), neg_MT[:n].long()


def answers_for(task: Task, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The task's answer and wrong tokens for the first ``n`` prompts, LongTensor [n]."""
    meta = task.metadata
    answer_N = torch.as_tensor(meta["answer_tokens"]).long()[:n]
    wrong_N = torch.as_tensor(meta["wrong_tokens"]).long()[:n]
    if answer_N.shape != (n,) or wrong_N.shape != (n,):
        raise ValueError(
            f"task {task.name!r}: metadata answer/wrong tokens have shapes "
            f"{tuple(answer_N.shape)}/{tuple(wrong_N.shape)}; expected one token per prompt"
        )
    return answer_N, wrong_N


def above_mean(node_LN: np.ndarray) -> np.ndarray:
    """Boolean mask of heads scoring above the mean (all False when every score ties)."""
    node_LN = np.asarray(node_LN, dtype=np.float64)
    return node_LN > node_LN.mean()


def resolve_device(device: str) -> torch.device:
    """"auto" -> CUDA when present, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
