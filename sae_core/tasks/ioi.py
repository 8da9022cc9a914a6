"""Indirect object identification (IOI) in GPT-2 small (Wang et al. 2022).

Positives follow ABBA / BABA templates: "When Mary and John went to the store, John gave
a drink to" -> " Mary". The first two names are the indirect object (IO) and the subject
(S) in either order; S is repeated (S2) and the model must name the IO. Negatives use the
same template and the same first two names, with S2 replaced by a third distinct name
(ABC): nothing singles out an indirect object. A pair differs at the S2 token only.

Every name, place and object below is one GPT-2 token with its leading space (checked
against the exact GPT-2 BPE in the tests), and every template has the same token length
(14 GPT-2 tokens, plus BOS), so the prompts stack into one [N, T] tensor without padding.
The templates are the paper's example, two of Wang et al.'s, and four close variants of
the same length (Wang et al.'s full set spans 13 to 20 tokens).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from sae_core.models.tokenizers import PromptPair
from sae_core.tasks.ground_truth import TRUTHS
from sae_core.tasks.paired import register_paired_task

TASK_NAME = "ioi"
MODEL_NAME = "gpt2"

# {A} and {B} are the first two names, {S2} the repeated subject (or the third name C).
TEMPLATES = (
    "When {A} and {B} went to the {PLACE}, {S2} gave a {OBJECT} to",  # the paper's example
    "After {A} and {B} went to the {PLACE}, {S2} gave a {OBJECT} to",  # Wang et al.
    "Then, {A} and {B} had a long argument. Afterwards {S2} said to",  # Wang et al.
    "When {A} and {B} arrived at the {PLACE}, {S2} gave a {OBJECT} to",
    "While {A} and {B} were at the {PLACE}, {S2} gave a {OBJECT} to",
    "After {A} and {B} arrived at the {PLACE}, {S2} handed a {OBJECT} to",
    "When {A} and {B} were at the {PLACE}, {S2} passed a {OBJECT} to",
)

# Wang et al.'s name list; each is one GPT-2 token after a space.
NAMES = (
    "Aaron Adam Alan Alex Alice Amy Anderson Andre Andrew Andy Anna Anthony Arthur Austin "
    "Blake Brandon Brian Carter Charles Charlie Christian Christopher Clark Cole Collins "
    "Connor Crew Crystal Daniel David Dean Edward Elizabeth Emily Eric Eva Ford Frank George "
    "Georgia Graham Grant Henry Ian Jack Jacob Jake James Jamie Jane Jason Jay Jennifer "
    "Jeremy Jessica John Jonathan Jordan Joseph Joshua Justin Kate Kelly Kevin Kyle Laura "
    "Leon Lewis Lisa Louis Luke Madison Marco Marcus Maria Mark Martin Mary Matthew Max "
    "Michael Michelle Morgan Patrick Paul Peter Prince Rachel Richard River Robert Roman "
    "Rose Ruby Russell Ryan Sarah Scott Sean Simon Stephen Steven Sullivan Taylor Thomas "
    "Tyler Victoria Warren William"
).split()
PLACES = "store garden restaurant school hospital office house station".split()
OBJECTS = "ring kiss bone basketball computer necklace drink snack".split()

TRUTH_VARIANTS = tuple(TRUTHS[TASK_NAME])


def ioi_pairs(seed: int = 0) -> Iterator[PromptPair]:
    """Endless IOI pairs from ``seed``: alternately ABBA and BABA, negatives ABC.

    ``info`` holds the template index, the order ("ABBA"/"BABA") and the three names.
    """
    rng = random.Random(seed)
    i = 0
    while True:
        template_index = rng.randrange(len(TEMPLATES))
        io, s, c = rng.sample(NAMES, 3)
        place, obj = rng.choice(PLACES), rng.choice(OBJECTS)
        order = "ABBA" if i % 2 == 0 else "BABA"
        first, second = (io, s) if order == "ABBA" else (s, io)
        template = TEMPLATES[template_index]
        fill = {"A": first, "B": second, "PLACE": place, "OBJECT": obj}
        yield PromptPair(
            positive=template.format(S2=s, **fill),
            negative=template.format(S2=c, **fill),
            answer=" " + io,
            wrong=" " + s,
            info={"template": template_index, "order": order, "io": io, "s": s, "c": c},
        )
        i += 1


build = register_paired_task(
    TASK_NAME,
    MODEL_NAME,
    ioi_pairs,
    describe=lambda truth_variant: "IOI (ABBA/BABA positives, ABC negatives) on GPT-2 "
    f"small; truth variant {truth_variant!r}",
    doc="""IOI on GPT-2 small: ``n_examples`` positives (ABBA/BABA) and their ABC negatives.

    ``truth_variant``: "paper" (with 11.3) or "acdc" (with 9.0), both 26 heads.
    ``model_source``: "pretrained" (local cache) or "random" (stand-in, seeded by ``seed``).
    ``tokenizer``: overrides the model's; random stand-ins default to the GPT-2 BPE.
    ``answers``: IO (correct) and S (wrong), LongTensor [N]; ``tokenizer_name``: the
    tokenizer used; ``positive_texts`` / ``negative_texts``; ``metadata``: per-pair ``info``.
    """,
    summary="indirect object identification: name the IO in ABBA/BABA prompts vs ABC",
)
