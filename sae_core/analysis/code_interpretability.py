"""What a head's codes say: which prompts sit behind each code, and how codes split labels.

The paper scores a head by its *positive-only codes* (codes seen on positives, never on
negatives) but never checks that those codes mean anything (FACTS.md, "Node score").
These pure functions open the codes of a :class:`~sae_core.types.Discovery` up:

* :func:`code_table` - one head's code x {positive, negative} contingency table;
* :func:`code_label_stats` - per head, how well its code predicts the label: purity,
  mutual information (plain and chance-adjusted) and a held-out accuracy;
* :func:`prompts_for_code` / :func:`code_examples` - the prompts behind a code, decoded
  to text where the task has a vocabulary (:func:`decoder_for`), token ids otherwise.

Rows of ``discovery.codes_pos`` / ``codes_neg`` are the *counted* rows: prompts after the
SAE's ``n_train`` training prompts (all prompts with ``count_train_examples``), times the
positions with ``pooling="positions"``. :func:`row_prompts` maps them back to prompts.

A caution that these tables make visible: a head whose every prompt gets a fresh code
scores purity 1 and full mutual information on the counted rows, exactly as it scores a
high node score, without its codes generalising. The chance-adjusted mutual information
and the held-out accuracy (codes learned on half of the rows, judged on the other half;
an unseen code is a coin flip) are the columns to read for that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score

from sae_core.types import Discovery, GroundTruth, HeadId, Task, head_from_index

LABELS = ("positive", "negative")

Decoder = Callable[[Sequence[int]], str]
"""Token ids of one prompt -> its text."""


# ------------------------------------------------------------------------- heads


def _head(head) -> HeadId:
    if isinstance(head, str):
        layer, index = head.split(".")
        return HeadId(int(layer), int(index))
    layer, index = head
    return HeadId(int(layer), int(index))


def _column(discovery: Discovery, head) -> tuple[HeadId, int]:
    """The head as a HeadId and its column in the codes matrices (checked)."""
    head_id = _head(head)
    if not (0 <= head_id.layer < discovery.n_layers and 0 <= head_id.head < discovery.n_heads):
        raise ValueError(
            f"head {head_id} lies outside this {discovery.n_layers}x{discovery.n_heads} "
            "discovery; give (layer, head) or 'layer.head'"
        )
    return head_id, head_id.index(discovery.n_heads)


def top_heads(scores, k: int) -> list[HeadId]:
    """The ``k`` heads with the highest scores, best first (ties: lower layer-major index).

    ``scores``: a :class:`Discovery` (its node scores) or a float array [n_layers, n_heads].
    """
    scores_LH = scores.node_scores if isinstance(scores, Discovery) else np.asarray(scores)
    if scores_LH.ndim != 2:
        raise ValueError(f"scores have shape {scores_LH.shape}; expected [n_layers, n_heads]")
    n_total = scores_LH.size
    if not 0 <= k <= n_total:
        raise ValueError(f"k={k}; choose 0 <= k <= {n_total} (the model's heads)")
    order = np.argsort(-scores_LH.ravel(), kind="stable")[:k]
    return [head_from_index(i, scores_LH.shape[1]) for i in order]


# ------------------------------------------------------------------------- codes


def code_table(discovery: Discovery, head) -> pd.DataFrame:
    """One head's code x label contingency table, one row per code that occurs.

    Columns: ``code``; ``n_positive`` / ``n_negative`` (counted rows with that code);
    ``kind``: "positive-only" (what the node score counts), "negative-only" or "shared";
    ``share_positive`` = n_positive / (n_positive + n_negative). Sorted by kind
    (positive-only first), then by n_positive descending, then code.
    """
    _, col = _column(discovery, head)
    pos = np.bincount(discovery.codes_pos[:, col])
    neg = np.bincount(discovery.codes_neg[:, col])
    n_codes = max(pos.size, neg.size)
    pos, neg = np.pad(pos, (0, n_codes - pos.size)), np.pad(neg, (0, n_codes - neg.size))
    seen = np.nonzero(pos + neg)[0]
    table = pd.DataFrame({"code": seen, "n_positive": pos[seen], "n_negative": neg[seen]})
    table["kind"] = np.select(
        [table.n_negative == 0, table.n_positive == 0],
        ["positive-only", "negative-only"],
        "shared",
    )
    table["share_positive"] = table.n_positive / (table.n_positive + table.n_negative)
    rank = table["kind"].map({"positive-only": 0, "shared": 1, "negative-only": 2})
    order = np.lexsort((table.code, -table.n_positive, rank))
    return table.iloc[order].reset_index(drop=True)


def unique_positive_codes(discovery: Discovery, head) -> list[int]:
    """Codes of ``head`` seen on positives and never on negatives, most frequent first."""
    table = code_table(discovery, head)
    return table.loc[table.kind == "positive-only", "code"].astype(int).tolist()


def _held_out_accuracy(codes: np.ndarray, labels: np.ndarray) -> float:
    """Two-fold accuracy of predicting the label by each code's majority label.

    Rows alternate between folds (even / odd). A code's majority is learned on one fold
    and judged on the other; a code unseen there, or tied, scores 0.5 (a coin flip).
    """
    correct = 0.0
    for train in (0, 1):
        fit = np.arange(codes.size) % 2 == train
        n_codes = int(codes.max()) + 1
        pos = np.bincount(codes[fit & labels], minlength=n_codes)
        neg = np.bincount(codes[fit & ~labels], minlength=n_codes)
        guess = np.where(pos > neg, 1.0, np.where(neg > pos, 0.0, 0.5))
        test_codes, test_labels = codes[~fit], labels[~fit]
        p_positive = guess[test_codes]
        correct += float(np.where(test_labels, p_positive, 1.0 - p_positive).sum())
    return correct / codes.size


def code_label_stats(
    discovery: Discovery, ground_truth: GroundTruth | None = None
) -> pd.DataFrame:
    """Per head, how its code splits positives from negatives: one row per head.

    Columns: ``head`` ("layer.head"), ``layer``, ``head_index``, ``node_score`` (number of
    positive-only codes), ``n_codes`` (distinct codes seen), ``purity`` (rows whose code's
    majority label is their own; a tied code counts half its rows), ``mutual_information``
    (nats, between code and label over the counted rows, ``sklearn`` ``mutual_info_score``),
    ``normalized_mi`` (over the label entropy, 0 .. 1), ``adjusted_mi`` (chance-adjusted,
    ``adjusted_mutual_info_score``: about 0 for codes unrelated to the label, however many),
    ``held_out_accuracy`` (see module docstring; 0.5 = chance), ``frac_positives_on_unique``
    (positive rows whose code is positive-only) and, with ``ground_truth``, ``in_truth``.
    Sorted by node score (descending), then layer-major index.
    """
    codes_pos, codes_neg = discovery.codes_pos, discovery.codes_neg
    labels = np.concatenate([np.ones(len(codes_pos), bool), np.zeros(len(codes_neg), bool)])
    p = labels.mean()
    label_entropy = float(-(p * np.log(p) + (1 - p) * np.log(1 - p))) if 0 < p < 1 else 0.0
    n_heads = discovery.n_heads
    rows = []
    for col in range(codes_pos.shape[1]):
        head_id = head_from_index(col, n_heads)
        codes = np.concatenate([codes_pos[:, col], codes_neg[:, col]]).astype(np.int64)
        table = code_table(discovery, head_id)
        majority = np.maximum(table.n_positive, table.n_negative)  # a tie is half right
        unique = table.kind == "positive-only"
        mi = float(mutual_info_score(labels, codes))
        row = {
            "head": str(head_id),
            "layer": head_id.layer,
            "head_index": col,
            "node_score": float(discovery.node_scores.ravel()[col]),
            "n_codes": int(len(table)),
            "purity": float(majority.sum() / codes.size),
            "mutual_information": mi,
            "normalized_mi": mi / label_entropy if label_entropy > 0 else np.nan,
            "adjusted_mi": float(adjusted_mutual_info_score(labels, codes)),
            "held_out_accuracy": _held_out_accuracy(codes, labels),
            "frac_positives_on_unique": float(table.n_positive[unique].sum() / len(codes_pos)),
        }
        if ground_truth is not None:
            row["in_truth"] = head_id in ground_truth.heads
        rows.append(row)
    out = pd.DataFrame(rows)
    order = np.lexsort((out.head_index, -out.node_score))
    return out.iloc[order].reset_index(drop=True)


# ----------------------------------------------------------------------- prompts


def row_prompts(discovery: Discovery, n_prompts: int, label: str = "positive") -> pd.DataFrame:
    """Which prompt (and position) each counted row of ``label``'s codes comes from.

    ``n_prompts``: the size of the task's prompt set the codes were counted on. Returns
    columns ``row``, ``prompt`` (index into ``task.positive`` / ``task.negative``) and
    ``position`` (-1 unless ``pooling="positions"``). Raises ValueError when the counts
    do not fit (the discovery was made on another task or prompt set).
    """
    if label not in LABELS:
        raise ValueError(f"label={label!r}; use one of {LABELS}")
    codes = discovery.codes_pos if label == "positive" else discovery.codes_neg
    config = discovery.sae_config
    offset = 0 if config.counts_train_examples else config.n_train
    n_rows = codes.shape[0]
    n_counted = n_prompts - offset
    if n_counted <= 0 or n_rows % n_counted:
        raise ValueError(
            f"{n_rows} counted {label} rows do not fit {n_prompts} prompts with {offset} "
            "training prompts skipped; pass the task this discovery was made on"
        )
    per_prompt = n_rows // n_counted
    if per_prompt > 1 and config.pooling != "positions":
        raise ValueError(
            f"{n_rows} rows for {n_counted} prompts but pooling={config.pooling!r} gives one "
            "row per prompt; pass the task this discovery was made on"
        )
    rows = np.arange(n_rows)
    position = rows % per_prompt if per_prompt > 1 else np.full(n_rows, -1)
    return pd.DataFrame({"row": rows, "prompt": offset + rows // per_prompt, "position": position})


def decoder_for(task: Task) -> Decoder | None:
    """How to show a prompt of ``task`` as text, or None (show token ids).

    tracr tasks: their vocabulary (``task.token_values``), tokens joined by spaces.
    A model with a tokenizer: its ``decode``. Tasks tokenized with the GPT-2 BPE
    (``task.tokenizer_name`` starting with "tiktoken", e.g. random-weight stand-ins):
    that BPE. Anything else (the induction toy's abstract tokens): None.
    """
    values = task.token_values
    if values is not None:
        return lambda ids: " ".join(values[int(i)] for i in ids)
    tokenizer = getattr(task.model, "tokenizer", None)
    if tokenizer is not None:
        return lambda ids: tokenizer.decode([int(i) for i in ids])
    if (task.tokenizer_name or "").startswith("tiktoken"):
        from sae_core.models.tokenizers import gpt2_tiktoken

        bpe = gpt2_tiktoken()
        return lambda ids: bpe.decode([int(i) for i in ids])
    return None


def _show(ids: Sequence[int], decode: Decoder | None) -> str:
    return decode(ids) if decode is not None else " ".join(str(int(i)) for i in ids)


def prompts_for_code(
    task: Task,
    discovery: Discovery,
    head,
    code: int,
    decode: Decoder | None = None,
    label: str | None = None,
) -> pd.DataFrame:
    """The prompts whose vector at ``head`` got ``code``, one row per counted row.

    ``label``: "positive", "negative" or None (both). ``decode``: token ids -> text (see
    :func:`decoder_for`); None shows token ids. Columns: ``label``, ``prompt`` (index into
    the task's set), ``position`` (-1 unless pooled by position), ``text``.
    """
    _, col = _column(discovery, head)
    labels = LABELS if label is None else (label,)
    frames = []
    for which in labels:
        prompts = row_prompts(discovery, _prompt_set(task, which).shape[0], which)
        codes = discovery.codes_pos if which == "positive" else discovery.codes_neg
        hits = prompts[codes[:, col] == int(code)].copy()
        tokens = _prompt_set(task, which)
        hits["text"] = [_show(tokens[i].tolist(), decode) for i in hits.prompt]
        hits.insert(0, "label", which)
        frames.append(hits.drop(columns="row"))
    return pd.concat(frames, ignore_index=True)


def _prompt_set(task: Task, label: str):
    if label not in LABELS:
        raise ValueError(f"label={label!r}; use one of {LABELS}")
    return task.positive if label == "positive" else task.negative


def code_examples(
    task: Task,
    discovery: Discovery,
    heads: Iterable,
    *,
    max_codes: int = 3,
    max_prompts: int = 3,
    decode: Decoder | None = None,
) -> pd.DataFrame:
    """Per head, its most frequent positive-only codes and a few prompts behind each.

    Columns: ``head``, ``code``, ``n_positive`` (rows with the code), ``prompt``,
    ``position``, ``text``. Heads without positive-only codes contribute no row.
    """
    rows = []
    for head in heads:
        head_id, _ = _column(discovery, head)
        table = code_table(discovery, head_id)
        unique = table[table.kind == "positive-only"].head(max_codes)
        for code, n_pos in zip(unique.code, unique.n_positive, strict=True):
            hits = prompts_for_code(task, discovery, head_id, code, decode, label="positive")
            for _, hit in hits.head(max_prompts).iterrows():
                rows.append(
                    {"head": str(head_id), "code": int(code), "n_positive": int(n_pos),
                     "prompt": int(hit.prompt), "position": int(hit.position), "text": hit.text}
                )
    columns = ["head", "code", "n_positive", "prompt", "position", "text"]
    return pd.DataFrame(rows, columns=columns)


def code_patterns(
    task: Task,
    discovery: Discovery,
    head,
    *,
    decode: Decoder | None = None,
    min_rows: int = 2,
) -> pd.DataFrame:
    """What the positive prompts behind each positive-only code of ``head`` share.

    One row per positive-only code seen on at least ``min_rows`` prompts (pooling "mean"
    or "last"): ``code``, ``n_positive``, ``common_tokens`` (tokens present in every one
    of its prompts, leaving out tokens present in every positive prompt, such as BOS),
    ``fixed_positions`` ("position=token" where all its prompts hold the same token, leaving
    out positions that hold one token in every positive prompt), ``n_fixed`` and
    ``chance_fixed``: how many positions agree, on average, across as many positive prompts
    drawn at random (no draws: 0), the baseline ``fixed_positions`` should beat.
    Tokens are shown with ``decode`` (token ids without).
    """
    if discovery.sae_config.pooling == "positions":
        raise ValueError("code_patterns reads whole prompts; use a discovery pooled by prompt")
    show = (lambda i: decode([int(i)])) if decode is not None else (lambda i: str(int(i)))
    positive = task.positive.numpy()
    everywhere = set.intersection(*(set(row.tolist()) for row in positive))
    constant = (positive == positive[0]).all(axis=0)  # e.g. BOS: shared by every prompt
    prompts = row_prompts(discovery, positive.shape[0], "positive")
    _, col = _column(discovery, head)
    counted = prompts.prompt.to_numpy()
    rng = np.random.default_rng(0)
    rows = []
    table = code_table(discovery, head)
    for code, n_pos in zip(table.code, table.n_positive, strict=True):
        if table.loc[table.code == code, "kind"].item() != "positive-only" or n_pos < min_rows:
            continue
        tokens_KT = positive[counted[discovery.codes_pos[:, col] == code]]
        common = set.intersection(*(set(r.tolist()) for r in tokens_KT)) - everywhere
        fixed = np.nonzero((tokens_KT == tokens_KT[0]).all(axis=0) & ~constant)[0]
        draws = [positive[rng.choice(counted, size=len(tokens_KT), replace=False)]
                 for _ in range(20)]
        chance = float(np.mean([((d == d[0]).all(axis=0) & ~constant).sum() for d in draws]))
        rows.append(
            {
                "code": int(code),
                "n_positive": int(n_pos),
                "common_tokens": " ".join(show(t) for t in sorted(common)),
                "fixed_positions": " ".join(f"{p}={show(tokens_KT[0, p])}" for p in fixed),
                "n_fixed": int(len(fixed)),
                "chance_fixed": chance,
            }
        )
    columns = ["code", "n_positive", "common_tokens", "fixed_positions", "n_fixed",
               "chance_fixed"]
    return pd.DataFrame(rows, columns=columns)
