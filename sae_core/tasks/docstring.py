'''Docstring completion in attn-only-4l (Heimersheim & Janiak 2023; ACDC's docstring task).

A positive is a method whose reST docstring documents its arguments in definition order
and breaks off where the next ``:param`` name is due::

    def {method}(self, {p1}, {p2}, {m1}, {m2}, {m3}, {s1}):
        """{w} {w} {w}

        :param {m1}: {w} {w}
        :param {m2}: {w} {w}
        :param

with answer " {m3}". This follows the settings the facts file gives for ACDC's generator:
"rest" style, 3 matching args (m1-m3: in the def, the first two documented), 2 def-prefix
args (p1, p2), 1 def-suffix arg (s1), 0 doc-prefix args, a 3-word method description and
2-word argument descriptions. The negative is ACDC's "random-random" corruption: the
three matching def args and the two documented args are all replaced by fresh random
names (five new, distinct names), so the docstring no longer points into the def line;
method name, prefix/suffix args and descriptions stay. A pair differs at those five tokens.

ACDC's generator itself could not be fetched here; this one is written from that
description. Assumptions: the reST layout above (a leading newline, 4-space indents, an
empty line after the description, the prompt ending in "    :param"); every name is
drawn without replacement from :data:`VARIABLE_NAMES` per prompt (ACDC also draws names
its other corruptions need; we draw only those used); description words are drawn
without replacement from :data:`DESCRIPTION_WORDS` for each line. ``Task.answers.wrong`` is
the def-suffix arg; ``metadata["wrong_tokens_all"]`` [N, 5] holds every other arg of the
positive.

attn-only-4l's own tokenizer (NeelNanda/gpt-neox-tokenizer-digits) is not available
offline: with pretrained weights from the local cache it is used; a random-weight
stand-in falls back to the GPT-2 BPE (all ids fall inside the model's 48262-token
vocabulary; no BOS, as GPT-2's <|endoftext|> id lies outside it). The tests check the
prompts' structure at string level and their alignment under the GPT-2 BPE only.
'''

from __future__ import annotations

import random
from collections.abc import Iterator

import torch

from sae_core.models.tokenizers import PromptPair
from sae_core.tasks.ground_truth import TRUTHS
from sae_core.tasks.paired import register_paired_task

TASK_NAME = "docstring"
MODEL_NAME = "attn-only-4l"

N_MATCHING_ARGS = 3
N_DEF_PREFIX_ARGS = 2
N_DEF_SUFFIX_ARGS = 1
N_DOC_PREFIX_ARGS = 0
METHOD_DESCRIPTION_LEN = 3
ARG_DESCRIPTION_LEN = 2
INDENT = " " * 4

# Common identifiers, each one GPT-2 token after a space (checked in the tests).
VARIABLE_NAMES = (
    "data file name value key path user size type mode text url port host index count "
    "result target source state config model token image item line label message node "
    "options order params query request response shape string table title version width "
    "height color date time field group level limit number object output input parent "
    "prefix range record scope status step style tag task content context default event "
    "filter format handler id kind length link list location match method offset owner "
    "page position root row score section server session sign store template view window"
).split()

# Common nouns, each one GPT-2 token both after a space and at the start of the
# description (right after the opening quotes), with ids inside attn-only-4l's vocabulary
# ("student" is left out: on its own it is GPT-2 token 50139).
DESCRIPTION_WORDS = (
    "time year people way day man thing woman life child world school state family "
    "group country problem hand part place case week company system program "
    "question work government number night point home water room mother area money story "
    "fact month lot right study book eye job word business issue side kind head house "
    "service friend father power hour game line end member law car city community name "
    "president team minute kid body information back parent face level office door "
    "health person art war history party result change morning reason research girl guy "
    "air force education"
).split()

TRUTH_VARIANTS = tuple(TRUTHS[TASK_NAME])


def docstring_prompt(
    method: str, def_args: list[str], doc_args: list[str], method_desc: list[str],
    arg_descs: list[list[str]],
) -> str:  # fmt: skip
    """One reST docstring prompt, ending in "    :param" (the next name is the answer)."""
    lines = [
        "",
        f"def {method}(self, {', '.join(def_args)}):",
        f'{INDENT}"""{" ".join(method_desc)}',
        "",
        *(
            f"{INDENT}:param {arg}: {' '.join(desc)}"
            for arg, desc in zip(doc_args, arg_descs, strict=True)
        ),
        f"{INDENT}:param",
    ]
    return "\n".join(lines)


def docstring_pairs(seed: int = 0) -> Iterator[PromptPair]:
    """Endless (clean, random-random) docstring pairs from ``seed``.

    ``info`` holds the method name, the def and doc args of both prompts, and ``others``:
    the positive's def args other than the answer.
    """
    rng = random.Random(seed)
    n_doc = N_DOC_PREFIX_ARGS + N_MATCHING_ARGS - 1
    n_names = 1 + N_DEF_PREFIX_ARGS + N_MATCHING_ARGS + N_DEF_SUFFIX_ARGS + N_DOC_PREFIX_ARGS
    n_names += N_MATCHING_ARGS + n_doc - N_DOC_PREFIX_ARGS  # fresh names for the negative
    while True:
        names = rng.sample(VARIABLE_NAMES, n_names)
        method, names = names[0], names[1:]
        prefix, names = names[:N_DEF_PREFIX_ARGS], names[N_DEF_PREFIX_ARGS:]
        matching, names = names[:N_MATCHING_ARGS], names[N_MATCHING_ARGS:]
        suffix, names = names[:N_DEF_SUFFIX_ARGS], names[N_DEF_SUFFIX_ARGS:]
        doc_prefix, names = names[:N_DOC_PREFIX_ARGS], names[N_DOC_PREFIX_ARGS:]
        rr_def, rr_doc = names[:N_MATCHING_ARGS], names[N_MATCHING_ARGS:]
        method_desc = rng.sample(DESCRIPTION_WORDS, METHOD_DESCRIPTION_LEN)
        arg_descs = [rng.sample(DESCRIPTION_WORDS, ARG_DESCRIPTION_LEN) for _ in range(n_doc)]

        def_args = prefix + matching + suffix
        doc_args = doc_prefix + matching[:-1]
        neg_def_args = prefix + rr_def + suffix
        neg_doc_args = doc_prefix + rr_doc
        answer = matching[-1]
        yield PromptPair(
            positive=docstring_prompt(method, def_args, doc_args, method_desc, arg_descs),
            negative=docstring_prompt(method, neg_def_args, neg_doc_args, method_desc, arg_descs),
            answer=" " + answer,
            wrong=" " + suffix[0],
            info={
                "method": method,
                "def_args": def_args,
                "doc_args": doc_args,
                "negative_def_args": neg_def_args,
                "negative_doc_args": neg_doc_args,
                "answer": answer,
                "others": [a for a in def_args if a != answer],
            },
        )


def _other_args(encoder, tok):
    """Metadata of docstring: the tokens of every other arg of each positive [N, 5]."""
    wrong_all = [[encoder.single_token(" " + a) for a in p.info["others"]] for p in tok.pairs]
    return {"wrong_tokens_all": torch.tensor(wrong_all, dtype=torch.long)}


build = register_paired_task(
    TASK_NAME,
    MODEL_NAME,
    docstring_pairs,
    describe=lambda truth_variant: "docstring (reST, random-random negatives) on "
    f"attn-only-4l; truth variant {truth_variant!r}",
    doc="""Docstring on attn-only-4l: ``n_examples`` clean prompts, random-random negatives.

    ``truth_variant``: "paper" (with 1.0) or "acdc" (with 1.2, plus ACDC's head edges).
    ``model_source``: "pretrained" (local cache) or "random" (stand-in seeded by ``seed``,
    tokenized with the GPT-2 BPE unless ``tokenizer`` is given). ``answers``:
    correct [N], wrong [N] (the def-suffix arg). ``metadata``: ``wrong_tokens_all``
    [N, 5] and per-pair ``info``.
    """,
    summary="docstring: the next parameter name in a reST docstring, vs random names",
    extra_metadata=_other_args,
)
