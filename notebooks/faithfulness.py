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
# # Faithfulness of the found circuit: the paper's IOI table, and a real measurement
#
# **Reproduces** the IOI faithfulness table of O'Neill & Bui (arXiv 2405.12522): the
# logit difference `logit[IO] - logit[S]` at the last position of the positive prompts,
# with every head *outside* a circuit mean-ablated (means over the negative, ABC,
# prompts). Rows: the clean model, the ground-truth circuit (26 heads), the SAE circuit
# (the paper's is 40 heads) and random circuits of the SAE circuit's size. The paper's
# numbers are printed beside ours.
#
# GPT-2 weights are not available on this machine, so the IOI section runs on a
# **random-weight stand-in** (same architecture, random weights; `MODEL_SOURCE`): its
# numbers test the pipeline only and say nothing about the paper's claim. Every table
# and title from it is labelled. With the weights in the local Hugging Face cache, set
# `MODEL_SOURCE = "pretrained"`.
#
# **Beyond the paper**, the second section measures the same thing on `induction-toy`, a
# 2-layer attention-only transformer trained by this package whose circuit is known
# from ablations: a real model, a real number. `SAE_CORE_FAST=1` picks tiny settings
# (used by the tests); the full settings are the paper's (250 + 250 prompts, 500 SAE
# steps, 10 training prompts per set) with 5 seeds and 10 random circuits per seed.
#
# **Runtime** on 2 CPU cores: **fast** settings (6 + 6 prompts, 1 seed, 20 SAE steps)
# about 8 s (`make test`'s nbval run); **full** settings 690 s (one torch thread, beside
# another job). The outputs committed with this notebook come from a **fast run on the
# stand-in**: they show what the notebook prints, not the paper's sizes, and not GPT-2.

# %% tags=["parameters"]
import os

FAST = os.environ.get("SAE_CORE_FAST") == "1"
MODEL_SOURCE = "random"  # "pretrained" needs GPT-2 in the local Hugging Face cache
DEVICE = "cpu"  # "cuda" for the paper models on a GPU
SEEDS = (0,) if FAST else (0, 1, 2, 3, 4)
N_EXAMPLES = 6 if FAST else 250  # the paper: 250 positives + 250 negatives
N_TRAIN = 2 if FAST else 10  # prompts (of each set) that train the SAE; the paper: 10
STEPS = 20 if FAST else 500
N_RANDOM = 1 if FAST else 10  # random circuits per SAE circuit
TOY_EXAMPLES = 40 if FAST else 250
TOY_SIZES = (1, 4, 6, 8) if FAST else tuple(range(1, 9))  # circuit sizes swept on the toy

# %%
import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import sae_core
from sae_core.experiments import faithfulness_report as report
from sae_core.paper import task_report
from sae_core.paper.numbers import IOI_FAITHFULNESS, PAPER
from sae_core.plots.interpret import plot_faithfulness, plot_faithfulness_by_size

pd.set_option("display.precision", 3)
config = dataclasses.replace(sae_core.SAEConfig(), steps=STEPS, n_train=N_TRAIN)
# first output: which settings run (fast ones are not the paper's sizes), which model,
# and the paper's numbers to compare with
if FAST:
    print(task_report.fast_notice(N_EXAMPLES, len(SEEDS), STEPS))
print("fast settings" if FAST else "full settings", config)
print("IOI model source:", MODEL_SOURCE, "(random: a random-weight stand-in of GPT-2 small)")
print(PAPER, "IOI faithfulness:", dict(IOI_FAITHFULNESS))

# %% [markdown]
# ## IOI (GPT-2 small)
# The SAE circuit here is the top 40/144 of the heads by node score, the size of the
# paper's; random circuits have the same size. With several seeds, the SAE row is
# mean +- sd over seeds and the random row pools every seed's random circuits.

# %%
ioi = sae_core.load_task("ioi", n_examples=N_EXAMPLES, model_source=MODEL_SOURCE, device=DEVICE)
print(ioi.label, "|", ioi.description)
print(task_report.model_summary(ioi))
ioi_found = sae_core.discover_seeds(ioi, config, seeds=SEEDS)
ioi_results = report.circuit_faithfulness(
    ioi, ioi_found, size=report.PAPER_SAE_FRACTION, n_random=N_RANDOM
)
ioi_table = report.ioi_paper_table(ioi_results)
display(ioi_table)

# %%
fig = plot_faithfulness(ioi_table)
plt.show()

# %% [markdown]
# ## Induction toy: a real measurement (beyond the paper)
# The answer is the token induction predicts after the last position (the first token
# of the repeated sequence); the wrong token one absent from the prompt. The truth has
# 6 of the model's 8 heads, so the SAE circuit is the top 6 heads by node score.

# %%
toy = sae_core.load_task("induction-toy", n_examples=TOY_EXAMPLES)
toy_size = len(toy.ground_truth.heads)
toy_found = sae_core.discover_seeds(toy, config, seeds=SEEDS)
toy_results = report.circuit_faithfulness(toy, toy_found, size=toy_size, n_random=N_RANDOM)
toy_table = report.faithfulness_table(toy_results, truth_size=toy_size)
print("truth:", sorted(str(h) for h in toy.ground_truth.heads))
for found in toy_found:
    top = [str(h) for h in report.select_circuit(found, toy_size)]
    own = [str(h) for h in report.select_circuit(found)]
    print(f"seed {found.seed}: top {toy_size}:", top,
          "| the method's own threshold (softmax > 1/H):", own)
display(toy_table)

# %%
fig = plot_faithfulness([ioi_table, toy_table])
plt.show()

# %% [markdown]
# ### Faithfulness against circuit size
# A circuit must hold the heads the rest depends on. The node score ranks the layer-1
# induction heads first and the layer-0 head 0.0 (which feeds 1.3's keys) last among
# the truth, so a top-k circuit is faithful only once it holds both layer-0 heads. The
# method's own threshold (softmax of the node score above 1/H) keeps very few heads
# here, because a softmax over raw counts is peaked.
#
# Measured once in the full settings (250 prompts, seeds 0-4, 10 random circuits per
# seed; CPU): clean 10.33; truth (6 heads) 9.67; SAE top 6 = the truth on every seed,
# 9.67; random 6-head circuits 3.42 +- 3.19. Top 4 (1.3 1.0 1.1 0.2): 0.09 +- 0.02, below
# random 4-head circuits (0.89); top 5: 0.88; the threshold rule keeps 1.3 alone: 0.01.
# Node AUC is 1.0 here, yet every circuit smaller than the truth is unfaithful.

# %%
by_size = report.faithfulness_by_size(toy, toy_found, TOY_SIZES, n_random=N_RANDOM)
fig = plot_faithfulness_by_size(by_size)
plt.show()
by_size.groupby("size")[["circuit", "random", "random_sd", "truth", "clean"]].mean()
