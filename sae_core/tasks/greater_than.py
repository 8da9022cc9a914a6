"""Greater-than in GPT-2 small (Hanna et al. 2023).

Positives: "The {noun} lasted from the year {XX}{YY} to the year {XX}"; a model that has
the circuit puts its next-token mass on two-digit endings greater than YY. Negatives set
YY to 01, so every ending is "greater" and the comparison is idle. A pair differs at the
YY token only.

Years: XX in 12..19 and YY in 02..98 (the facts file's 1200-1999; 00, 01 and 99 are left
out as in Hanna et al., so that some ending is smaller and some greater). The prompt
works only where GPT-2's BPE splits " XXYY" into " XX" + "YY". It does not for every
19YY (each is one token), nor for the years in :data:`UNSPLIT_YEARS`, so these are never
sampled: the years in use are 1202-1898 less those. The tests check this static list
against the exact GPT-2 BPE.

``Task.answers``: the endings YY+1 (correct, greater) and YY-1 (wrong, not greater),
for logit-difference metrics; ``metadata["year_tokens"]`` [100] (the ids of "00".."99")
and ``metadata["start_yy"]`` [N] give Hanna et al.'s probability difference.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import torch

from sae_core.models.tokenizers import PromptPair
from sae_core.tasks.ground_truth import TRUTHS
from sae_core.tasks.paired import register_paired_task

TASK_NAME = "greater-than"
MODEL_NAME = "gpt2"
TEMPLATE = "The {noun} lasted from the year {xx}{yy:02d} to the year {xx}"
NEGATIVE_YY = 1
CENTURIES = tuple(range(12, 20))
ENDINGS = tuple(range(2, 99))

# Years GPT-2's BPE does not split as " XX" + "YY" (checked in the tests).
UNSPLIT_YEARS = frozenset(
    [1280, 1440]
    + [1300 + yy for yy in range(2, 10)]
    + [1500 + yy for yy in range(2, 10)]
    + [1800 + yy for yy in (30, 40, 50, 60, 61, 62, 63, 65, 70, 80, 86, 88, 89, 90, 93, 95)]
    + [1800 + yy for yy in (96, 97, 98)]
    + [1900 + yy for yy in range(100)]
)
YEARS = tuple(
    100 * xx + yy for xx in CENTURIES for yy in ENDINGS if 100 * xx + yy not in UNSPLIT_YEARS
)
"""Every start year a positive can use."""

# Hanna et al.'s nouns; each is one GPT-2 token after a space.
NOUNS = (
    "abduction accord affair agreement appraisal assaults assessment attack attempts "
    "campaign captivity case challenge chaos clash collaboration coma competition "
    "confrontation consequence conspiracy construction consultation contact contract "
    "convention cooperation custody deal decline decrease demonstrations development "
    "disagreement disorder dispute domination dynasty effect effort employment endeavor "
    "engagement epidemic evaluation exchange existence expansion expedition experiments "
    "fall fame flights friendship growth hardship hostility illness impact imprisonment "
    "improvement incarceration increase insurgency invasion investigation journey kingdom "
    "marriage modernization negotiations notoriety obstruction operation order outbreak "
    "outcome overhaul patrols pilgrimage plague plan practice process program progress "
    "project pursuit quest raids reforms reign relationship retaliation riot rise rivalry "
    "romance rule sanctions shift siege slump stature stint strikes study test testing "
    "tests therapy tour tradition treaty trial trip unemployment voyage warfare work war"
).split()

TRUTH_VARIANTS = tuple(TRUTHS[TASK_NAME])


def greater_than_pairs(seed: int = 0) -> Iterator[PromptPair]:
    """Endless greater-than pairs from ``seed``; ``info`` holds noun, year, XX and YY."""
    rng = random.Random(seed)
    while True:
        noun, year = rng.choice(NOUNS), rng.choice(YEARS)
        xx, yy = divmod(year, 100)
        yield PromptPair(
            positive=TEMPLATE.format(noun=noun, xx=xx, yy=yy),
            negative=TEMPLATE.format(noun=noun, xx=xx, yy=NEGATIVE_YY),
            answer=f"{yy + 1:02d}",
            wrong=f"{yy - 1:02d}",
            info={"noun": noun, "year": year, "xx": xx, "yy": yy},
        )


def _years(encoder, tok):
    """Metadata of greater-than: the token of every YY ending and each prompt's YY."""
    return {
        "year_tokens": torch.tensor([encoder.single_token(f"{yy:02d}") for yy in range(100)]),
        "start_yy": torch.tensor([p.info["yy"] for p in tok.pairs], dtype=torch.long),
    }


build = register_paired_task(
    TASK_NAME,
    MODEL_NAME,
    greater_than_pairs,
    describe=lambda truth_variant: "greater-than (YY positives, YY=01 negatives) on GPT-2 small",
    doc="""Greater-than on GPT-2 small: ``n_examples`` positives and their YY=01 negatives.

    ``truth_variant``: "paper" (9 heads; the only variant). ``model_source``: "pretrained"
    (local cache) or "random" (stand-in seeded by ``seed``). ``tokenizer`` overrides the
    model's; random stand-ins default to the GPT-2 BPE. ``answers``: YY+1 (correct), YY-1
    (wrong). ``metadata``: ``year_tokens`` [100], ``start_yy`` [N].
    """,
    summary="greater-than: \"from the year 1732 to the year 17\" -> YY > 32, vs YY=01",
    extra_metadata=_years,
)
