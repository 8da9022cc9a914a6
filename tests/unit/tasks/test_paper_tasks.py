"""The paper's language-model tasks: word lists, prompt pairs, ground truths, builders.

Token-level checks use the exact GPT-2 BPE (``gpt2.tiktoken``, fetched once from PyPI
into ``<repo>/.cache`` by ``ensure_gpt2_bpe``); they are skipped, saying so, only when
that file cannot be obtained. Docstring prompts target attn-only-4l, whose tokenizer is
not available offline: they are checked at string level, and for alignment under the
GPT-2 BPE that random-weight stand-ins use.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from sae_core.models.tokenizers import (
    GPT2_ENDOFTEXT_ID,
    TextEncoder,
    ensure_gpt2_bpe,
    gpt2_bpe_path,
    gpt2_tiktoken,
    tokenize_pairs,
)
from sae_core.tasks import available_tasks, docstring, greater_than, ground_truth, ioi
from sae_core.types import HeadId

REPO_CACHE = Path(__file__).resolve().parents[3] / ".cache"
ATTN_ONLY_4L_VOCAB = 48262


@pytest.fixture(scope="module")
def bpe():
    try:
        path = gpt2_bpe_path() or ensure_gpt2_bpe(REPO_CACHE, timeout_s=90)
    except Exception as err:  # no network and no cached copy
        pytest.skip(f"the GPT-2 BPE file could not be obtained ({err}); token checks skipped")
    return gpt2_tiktoken(path)


@pytest.fixture(scope="module")
def encoder(bpe):
    return TextEncoder(tokenizer=bpe, bos=GPT2_ENDOFTEXT_ID, name="gpt2-bpe")


def n_tokens(bpe, text: str) -> int:
    return len(bpe.encode_ordinary(text))


def take(gen, n):
    return [next(gen) for _ in range(n)]


# ---- word lists -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [ioi.NAMES, ioi.PLACES, ioi.OBJECTS, greater_than.NOUNS, docstring.VARIABLE_NAMES],
    ids=["names", "places", "objects", "nouns", "variable-names"],
)
def test_words_are_single_tokens_after_a_space(bpe, words):
    assert len(set(words)) == len(words)
    assert [w for w in words if n_tokens(bpe, " " + w) != 1] == []


def test_docstring_words_fit_attn_only_4l(bpe):
    for w in docstring.DESCRIPTION_WORDS:  # also first word, right after the quotes
        assert n_tokens(bpe, " " + w) == 1 and n_tokens(bpe, w) == 1, w
    words = docstring.DESCRIPTION_WORDS + docstring.VARIABLE_NAMES
    ids = [i for w in words for i in bpe.encode_ordinary(" " + w) + bpe.encode_ordinary(w)]
    assert max(ids) < ATTN_ONLY_4L_VOCAB


def test_ioi_templates_share_one_token_length(bpe):
    lengths = {
        n_tokens(bpe, t.format(A="Mary", B="John", S2="John", PLACE="store", OBJECT="drink"))
        for t in ioi.TEMPLATES
    }
    assert lengths == {14}


def test_year_list_is_exactly_the_years_gpt2_splits(bpe):
    def splits(year: int) -> bool:
        ids = bpe.encode_ordinary(f" {year}")
        return [bpe.decode([i]) for i in ids] == [f" {year // 100}", f"{year % 100:02d}"]

    candidates = [100 * xx + yy for xx in greater_than.CENTURIES for yy in greater_than.ENDINGS]
    assert set(greater_than.YEARS) == {y for y in candidates if splits(y)}
    used_centuries = {y // 100 for y in greater_than.YEARS}  # 19YY never splits
    assert used_centuries == set(range(12, 19))
    assert all(splits(100 * xx + greater_than.NEGATIVE_YY) for xx in used_centuries)
    assert all(n_tokens(bpe, f"{yy:02d}") == 1 for yy in range(100))
    assert min(greater_than.YEARS) // 100 == 12 and max(greater_than.YEARS) < 1900


# ---- prompt pairs -----------------------------------------------------------------------


def diff_positions(encoder, pair):
    pos, neg = encoder.prompt_ids(pair.positive), encoder.prompt_ids(pair.negative)
    assert len(pos) == len(neg)
    return pos, neg, [i for i, (a, b) in enumerate(zip(pos, neg, strict=True)) if a != b]


def test_ioi_pairs(encoder):
    pairs = take(ioi.ioi_pairs(0), 200)
    assert [p.info["order"] for p in pairs[:4]] == ["ABBA", "BABA", "ABBA", "BABA"]
    lengths = set()
    for p in pairs:
        io, s, c = p.info["io"], p.info["s"], p.info["c"]
        assert len({io, s, c}) == 3
        pos, neg, diff = diff_positions(encoder, p)
        lengths.add(len(pos))
        assert len(diff) == 1  # S2 only
        assert pos[diff[0]] == encoder.single_token(" " + s)
        assert neg[diff[0]] == encoder.single_token(" " + c)
        words = re.findall(r"\w+", p.positive)
        assert words.count(io) == 1 and words.count(s) == 2
        first_two = [w for w in words if w in (io, s)][:2]
        assert first_two == ([io, s] if p.info["order"] == "ABBA" else [s, io])
        assert re.findall(r"\w+", p.negative).count(s) == 1
        assert (p.answer, p.wrong) == (" " + io, " " + s)
    assert lengths == {15}  # BOS + 14


def test_greater_than_pairs(encoder):
    for p in take(greater_than.greater_than_pairs(0), 300):
        xx, yy = p.info["xx"], p.info["yy"]
        assert 12 <= xx <= 19 and 2 <= yy <= 98
        noun = p.info["noun"]
        assert p.positive == f"The {noun} lasted from the year {xx}{yy:02d} to the year {xx}"
        assert p.negative == p.positive.replace(f"{xx}{yy:02d}", f"{xx}01", 1)
        pos, neg, diff = diff_positions(encoder, p)
        assert len(pos) == 13 and len(diff) == 1
        assert pos[diff[0]] == encoder.single_token(f"{yy:02d}")
        assert neg[diff[0]] == encoder.single_token("01")
        assert pos[-1] == encoder.single_token(f" {xx}")
        assert (int(p.answer), int(p.wrong)) == (yy + 1, yy - 1)


def test_docstring_pairs_structure():
    """String level: what attn-only-4l's own tokenizer would see, independent of tokens."""
    for p in take(docstring.docstring_pairs(0), 200):
        info = p.info
        for text, def_args, doc_args in (
            (p.positive, info["def_args"], info["doc_args"]),
            (p.negative, info["negative_def_args"], info["negative_doc_args"]),
        ):
            lines = text.split("\n")
            assert lines[0] == "" and lines[-1] == "    :param"
            assert lines[1] == f"def {info['method']}(self, {', '.join(def_args)}):"
            desc = lines[2].removeprefix('    """').split()
            assert len(desc) == docstring.METHOD_DESCRIPTION_LEN and lines[3] == ""
            params = [re.fullmatch(r"    :param (\w+): (\w+) (\w+)", ln) for ln in lines[4:-1]]
            assert all(params) and [m.group(1) for m in params] == doc_args
        assert len(info["def_args"]) == 6  # 2 prefix + 3 matching + 1 suffix
        assert len(set(info["def_args"]) | {info["method"]}) == 7
        matching = info["def_args"][2:5]
        assert info["doc_args"] == matching[:2] and info["answer"] == matching[2]
        assert p.answer == " " + matching[2] and p.wrong == " " + info["def_args"][5]
        # random-random: prefix and suffix stay, the five matching names are fresh
        neg_def, neg_doc = info["negative_def_args"], info["negative_doc_args"]
        assert neg_def[:2] == info["def_args"][:2] and neg_def[5:] == info["def_args"][5:]
        fresh = neg_def[2:5] + neg_doc
        assert len(set(fresh)) == 5 and not set(fresh) & (set(info["def_args"]) | {info["method"]})
        # everything but the args is shared
        assert p.positive.split("\n")[2] == p.negative.split("\n")[2]
        strip = [ln.split(":")[-1] for ln in p.positive.split("\n")[4:-1]]
        assert strip == [ln.split(":")[-1] for ln in p.negative.split("\n")[4:-1]]


def test_docstring_pairs_align_under_gpt2_bpe(encoder):
    lengths = set()
    for p in take(docstring.docstring_pairs(0), 200):
        pos, neg, diff = diff_positions(encoder, p)
        lengths.add(len(pos))
        assert len(diff) == 5
        changed = p.info["def_args"][2:5] + p.info["doc_args"]
        assert [pos[i] for i in diff] == [encoder.single_token(" " + a) for a in changed]
    assert len(lengths) == 1


@pytest.mark.parametrize(
    "gen", [ioi.ioi_pairs, greater_than.greater_than_pairs, docstring.docstring_pairs]
)
def test_pairs_are_reproducible(gen):
    assert take(gen(3), 20) == take(gen(3), 20)
    assert take(gen(3), 20) != take(gen(4), 20)


def test_tokenize_pairs_stacks_and_rejects(encoder):
    tok = tokenize_pairs(encoder, ioi.ioi_pairs(0), 30, 50257)
    assert tok.positive.shape == tok.negative.shape == (30, 15)
    assert tok.answer_tokens.shape == tok.wrong_tokens.shape == (30,)
    assert tok.n_rejected == 0 and tok.positive.dtype == torch.long
    with pytest.raises(RuntimeError, match="single tokens"):
        tokenize_pairs(encoder, ioi.ioi_pairs(0), 5, 100, max_rejected=3)  # ids >= d_vocab


# ---- ground truth -----------------------------------------------------------------------


def test_ground_truth_sizes_and_variants():
    gt = ground_truth
    assert len(gt.IOI_TRUTH_PAPER.heads) == len(gt.IOI_TRUTH_ACDC.heads) == 26
    assert gt.IOI_TRUTH_PAPER.heads - gt.IOI_TRUTH_ACDC.heads == {HeadId(11, 3)}
    assert gt.IOI_TRUTH_ACDC.heads - gt.IOI_TRUTH_PAPER.heads == {HeadId(9, 0)}
    assert HeadId(9, 7) in gt.IOI_TRUTH_PAPER.heads
    assert len(gt.GREATER_THAN_TRUTH.heads) == 9
    assert len(gt.DOCSTRING_TRUTH_PAPER.heads) == len(gt.DOCSTRING_TRUTH_ACDC.heads) == 6
    assert gt.DOCSTRING_TRUTH_PAPER.heads - gt.DOCSTRING_TRUTH_ACDC.heads == {HeadId(1, 0)}
    assert gt.DOCSTRING_TRUTH_ACDC.heads - gt.DOCSTRING_TRUTH_PAPER.heads == {HeadId(1, 2)}
    edges = gt.DOCSTRING_TRUTH_ACDC.edges
    assert len(edges) == 12 and {h for e in edges for h in e} == gt.DOCSTRING_TRUTH_ACDC.heads
    assert len(gt.IOI_TRUTH_ACDC.edges) == 88 and len(gt.IOI_TRUTH_PAPER.edges) == 84
    assert {h for e in gt.IOI_TRUTH_ACDC.edges for h in e} == gt.IOI_TRUTH_ACDC.heads
    assert len(gt.GREATER_THAN_TRUTH.edges) == 18
    assert {h for e in gt.GREATER_THAN_TRUTH.edges for h in e} == gt.GREATER_THAN_TRUTH.heads
    assert gt.DOCSTRING_TRUTH_PAPER.edges is None
    for truth in (gt.IOI_TRUTH_PAPER, gt.IOI_TRUTH_ACDC, gt.GREATER_THAN_TRUTH):
        assert truth.head_labels(12, 12).sum() == len(truth.heads)
        assert truth.source
    assert gt.DOCSTRING_TRUTH_ACDC.head_labels(4, 8).sum() == 6
    assert gt.ground_truth("ioi", "acdc") is gt.IOI_TRUTH_ACDC
    with pytest.raises(KeyError, match="variant"):
        gt.ground_truth("greater-than", "acdc")


def test_tasks_are_registered():
    assert {"ioi", "greater-than", "docstring"} <= set(available_tasks())


# ---- builders ---------------------------------------------------------------------------


def test_pretrained_build_without_weights_fails_clearly(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="model_source='random'"):
        ioi.build(n_examples=2)
    with pytest.raises(ValueError, match="truth_variant"):
        greater_than.build(n_examples=2, truth_variant="acdc", model_source="random")


def test_random_gpt2_ioi_task_end_to_end(bpe, encoder):
    task = ioi.build(n_examples=4, seed=1, model_source="random", truth_variant="acdc")
    assert task.is_stand_in and task.n_heads_total == 144
    assert task.positive.shape == task.negative.shape == (4, 15)
    assert task.ground_truth is ground_truth.IOI_TRUTH_ACDC
    meta = task.metadata
    assert task.answers.correct.shape == task.answers.wrong.shape == (4,)
    assert task.tokenizer_name == "tiktoken:gpt2" and meta["bos_prepended"]
    expected = [encoder.prompt_ids(p) for p in task.positive_texts]
    assert task.positive.tolist() == expected
    ios = [encoder.single_token(" " + info["io"]) for info in meta["pair_info"]]
    assert task.answers.correct.tolist() == ios
    logits = task.model(task.positive[:2])
    assert logits.shape == (2, 15, 50257)


def test_random_attn_only_docstring_task(bpe):
    task = docstring.build(n_examples=6, model_source="random", truth_variant="acdc")
    assert task.n_heads_total == 32 and task.ground_truth.edges is not None
    assert task.positive.shape == task.negative.shape
    assert not task.metadata["bos_prepended"]  # GPT-2's BOS id is outside the vocabulary
    assert int(task.positive.max()) < ATTN_ONLY_4L_VOCAB
    assert task.metadata["wrong_tokens_all"].shape == (6, 5)
    assert (task.positive != task.negative).sum(1).tolist() == [5] * 6
