# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Are the codes interpretable? (beyond the paper)
#
# The SAE method (O'Neill & Bui, arXiv 2405.12522) scores a head by its *positive-only
# codes*: argmax SAE features seen on positive prompts and never on negatives. The paper
# calls the codes interpretable but never checks. This notebook **goes beyond the
# paper**: for the top heads by node score it shows the prompts behind each
# positive-only code, and measures per head how the codes split positives from
# negatives: the code x label table, purity, mutual information (plain, normalised by
# the label entropy, and chance-adjusted), a held-out accuracy (code -> majority label
# learned on half the counted prompts, judged on the other half; 0.5 = chance) and the
# fraction of positives whose code is positive-only.
#
# Tasks: `induction-toy` (a trained 2-layer attention-only model; truth from
# ablations), a tracr task (compiled, exact truth; prompts decode through its
# vocabulary) and, labelled, the IOI random-weight stand-in (its numbers mean nothing
# about GPT-2). The committed outputs were made in the full settings (the paper's: 250
# prompts per set, 10 of each training the SAE, 500 steps; the IOI stand-in smaller);
# `SAE_CORE_FAST=1` picks tiny settings (used by the tests).

# %% tags=["parameters"]
import os

FAST = os.environ.get("SAE_CORE_FAST") == "1"
SEED = 0
N_EXAMPLES = 60 if FAST else 250
STEPS = 100 if FAST else 500
TOP_HEADS = 4  # heads (by node score) whose codes are opened up
TRACR_TASK = "tracr-sort"
RUN_IOI_STAND_IN = not FAST  # GPT-2 small on a CPU: too slow for the fast test run
IOI_EXAMPLES = 6 if FAST else 20  # GPT-2 small on a CPU: keep the stand-in small
IOI_N_TRAIN = 2 if FAST else 5
IOI_STEPS = 20 if FAST else 100

# %%
import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import sae_core
from sae_core.analysis.code_interpretability import (
    code_examples,
    code_label_stats,
    code_patterns,
    code_table,
    decoder_for,
    top_heads,
)
from sae_core.plots.interpret import plot_code_split, plot_code_stats

pd.set_option("display.precision", 3)
pd.set_option("display.max_colwidth", 90)
pd.set_option("display.width", 160)
config = dataclasses.replace(sae_core.SAEConfig(), steps=STEPS)
print("fast settings" if FAST else "full settings", config)

# %% [markdown]
# ## Induction toy
# Positives repeat a random sequence of 16 distinct tokens (ids 1-47, 0 = BOS);
# negatives never repeat a token. Its tokens are abstract, so prompts show as token ids.

# %%
toy = sae_core.load_task("induction-toy", n_examples=N_EXAMPLES)
toy_found = sae_core.discover(toy, config, seed=SEED)
print(toy.label, "node AUC", round(sae_core.evaluate(toy_found, toy.ground_truth)["node_auc"], 3))
toy_stats = code_label_stats(toy_found, toy.ground_truth)
display(toy_stats)

# %% [markdown]
# Node score against how well each head's code predicts the label. Purity and plain
# mutual information reward a head for using many rare codes (each seen once is
# "pure"); the chance-adjusted MI and the held-out accuracy do not.

# %%
fig = plot_code_stats(toy_stats, toy_found)
plt.show()

# %%
toy_top = top_heads(toy_found, TOP_HEADS)
fig = plot_code_split(toy_found, toy_top)
plt.show()
code_table(toy_found, toy_top[0]).head(10)

# %% [markdown]
# The prompts behind the most frequent positive-only codes of the top heads, and what
# the prompts sharing a code have in common: tokens present in all of them, and
# positions holding one token in all of them (`n_fixed`, against `chance_fixed` for as
# many positive prompts drawn at random).

# %%
code_examples(toy, toy_found, toy_top[:2], max_codes=3, max_prompts=2)

# %%
pd.concat(
    {str(h): code_patterns(toy, toy_found, h).head(5) for h in toy_top[:2]}, names=["head"]
)

# %% [markdown]
# ## A tracr task: compiled, exact truth
# `tracr-sort` stacks a compiled sort program among distractor programs and random
# heads; negatives are the positives' own tokens, sorted. Prompts decode through the
# task's vocabulary.

# %%
# The tracr tasks' rearranged negatives (the contrast these outputs were made with): a
# stress test of the method's assumption. contrast="minimal" gives minimal pairs.
CONTRAST = "rearranged"
tracr = sae_core.load_task(TRACR_TASK, n_examples=N_EXAMPLES, contrast=CONTRAST)
tracr_found = sae_core.discover(tracr, config, seed=SEED)
tracr_decode = decoder_for(tracr)
print(tracr.label, "truth", sorted(str(h) for h in tracr.ground_truth.heads), "node AUC",
      round(sae_core.evaluate(tracr_found, tracr.ground_truth)["node_auc"], 3))
tracr_stats = code_label_stats(tracr_found, tracr.ground_truth)
display(tracr_stats)

# %%
fig = plot_code_stats(tracr_stats, tracr_found)
plt.show()
tracr_heads = top_heads(tracr_found, TOP_HEADS - 2) + sorted(tracr.ground_truth.heads)
fig = plot_code_split(tracr_found, tracr_heads)
plt.show()

# %%
code_examples(tracr, tracr_found, tracr_heads, max_codes=2, max_prompts=3, decode=tracr_decode)

# %%
pd.concat(
    {str(h): code_patterns(tracr, tracr_found, h, decode=tracr_decode).head(5)
     for h in tracr_heads[:2]},
    names=["head"],
)

# %% [markdown]
# ## IOI: random-weight stand-in (labelled; numbers mean nothing about GPT-2)
# The same tables on the IOI prompts with a random-weight GPT-2 small, decoded with
# the GPT-2 byte-pair encoding: a check that the tools work on a paper task, not a
# finding.

# %%
if RUN_IOI_STAND_IN:
    ioi = sae_core.load_task("ioi", n_examples=IOI_EXAMPLES, model_source="random")
    ioi_config = dataclasses.replace(config, n_train=IOI_N_TRAIN, steps=IOI_STEPS)
    ioi_found = sae_core.discover(ioi, ioi_config, seed=SEED)
    print(ioi.label)
    ioi_stats = code_label_stats(ioi_found, ioi.ground_truth)
    fig = plot_code_stats(ioi_stats, ioi_found)
    plt.show()
    display(ioi_stats.head(8))
    display(
        code_examples(ioi, ioi_found, top_heads(ioi_found, 2), max_codes=2, max_prompts=2,
                      decode=decoder_for(ioi))
    )

# %% [markdown]
# ## Summary over heads
# Mean of each statistic over ground-truth heads and over the others, per task.

# %%
summary = {"induction-toy": toy_stats, TRACR_TASK: tracr_stats}
columns = ["node_score", "purity", "normalized_mi", "adjusted_mi", "held_out_accuracy",
           "frac_positives_on_unique"]
pd.concat(
    {name: s.groupby("in_truth")[columns].mean() for name, s in summary.items()},
    names=["task"],
)

# %% [markdown]
# ## What this shows (full settings, seed 0; the committed outputs)
# * **Induction toy: the codes carry the label, not the tokens.** The top head (1.3)
#   puts 91% of the positives on positive-only codes and its code predicts the label
#   on held-out prompts with accuracy 0.92 (normalised MI 0.78, adjusted MI 0.33).
#   Ground-truth heads average held-out accuracy 0.67 against 0.51 for the two others.
#   But the prompts sharing a positive-only code share no token and no position beyond
#   chance: the codes cut the continuum of "a repeated random sequence" into bins, not
#   into nameable features.
# * **Counts overstate some heads.** Head 1.2 has 16 positive-only codes (as many as
#   0.2) yet adjusted MI 0.00 and held-out accuracy 0.50: its codes are rare and do not
#   recur on new prompts. The node score cannot tell the two apart; these columns can.
# * **tracr-sort: the compiled heads' codes ignore the label.** Mean-pooled over
#   positions, ground-truth head 1.3 maps every prompt, positive or negative, to one
#   code; 2.1 uses 12 codes, each on positives and negatives alike: node score 0 and
#   MI 0 for both. The positive-only codes belong to distractor and random heads,
#   hold one to five prompts each, and what their prompts share is near chance
#   (`chance_fixed`): node AUC 0.22.
# * **IOI stand-in:** the tools run on a paper task and decode its prompts; the
#   numbers say nothing about GPT-2.
