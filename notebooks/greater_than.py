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
# # Greater-than: SAE circuit discovery in GPT-2 small
#
# **Reproduces** the greater-than row of the paper's headline results table (O'Neill & Bui,
# arXiv 2405.12522; FACTS.md "Headline numbers"): ROC AUC of the SAE method's node
# scores (0.855 +- 0.036) and of its
# edge scores (0.873 +- 0.020; the "edge ROC", a head score made from the edge matrix,
# scored against head truth), mean +- sd over 10 trials, against the 9-head
# greater-than circuit of Hanna et al. 2023. The paper's numbers
# (`sae_core.paper.numbers`) are printed beside ours. The task has one head truth;
# we also score the edge scores against an edge-level truth (the head-to-head part of
# ACDC's greater-than graph), which the paper does not do.
#
# Positives: "The {noun} lasted from the year {XX}{YY} to the year {XX}"; negatives
# set YY to 01, so every ending is greater and the comparison is idle.
#
# **Weights.** `MODEL_SOURCE` is "pretrained" when GPT-2 small is in the local Hugging
# Face cache, and "random" otherwise: a **random-weight stand-in** of the same
# architecture. Numbers, tables and figures from a stand-in test the pipeline only
# and say nothing about the paper's claim; every one of them is labelled. The outputs
# committed with this notebook come from such a stand-in run (see **Runtime**).
# `SAE_CORE_FAST=1` picks tiny settings (used by the tests); the full settings are the
# paper's (250 + 250 prompts, 10 seeds, 500 SAE steps).
#
# **Runtime** (the whole notebook, `jupyter nbconvert --execute`, on 2 CPU cores shared
# with other jobs, load average about 23): **fast** settings (`SAE_CORE_FAST=1`: 20 + 20
# prompts, 2 seeds, 50 SAE steps) 109 s. The committed outputs are from that fast run.
# **Full** settings were not run on that machine (well over the 6 minutes we allow
# there); for scale, the same discovery at full settings with 5 seeds (this notebook
# runs 10) took 119 s in `sae-core figures greater_than_circuit` on 2 CPU cores
# (`figures/PROVENANCE`, 2026-11-26).

# %% tags=["parameters"]
import os

from sae_core.models.pretrained import default_model_source
from sae_core.paper.settings import paper_settings

FAST = os.environ.get("SAE_CORE_FAST") == "1"
TASK = "greater-than"
MODEL_SOURCE = default_model_source("gpt2")  # "pretrained" if cached, else "random"
DEVICE = "cpu"  # "cuda" on a GPU
PAPER = paper_settings(TASK)  # the paper's settings for this task (sae_core/paper/settings.py)
SEEDS = (0, 1) if FAST else tuple(range(PAPER.n_seeds))  # the paper: 10 trials
N_EXAMPLES = 20 if FAST else PAPER.n_examples  # positives (and as many negatives); paper: 250
N_TRAIN = 5 if FAST else PAPER.sae.n_train  # prompts of each set training the SAE; paper: 10
STEPS = 50 if FAST else PAPER.sae.steps  # full-batch Adam steps; the paper: 500
N_EDGES = 30  # edges drawn in the circuit graph
PAPER_QUIRKS = False  # True: the authors' procedure (FACTS.md "Quirks"), for their numbers

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import sae_core
from sae_core.paper import task_report
from sae_core.paper.settings import paper_config
from sae_core.plots import paper_tasks

pd.set_option("display.precision", 3)
pd.set_option("display.max_colwidth", 80)
config = paper_config(TASK, steps=STEPS, n_train=N_TRAIN, device=DEVICE,
                      paper_quirks=PAPER_QUIRKS)
task = task_report.load_paper_task(TASK, model_source=MODEL_SOURCE, n_examples=N_EXAMPLES,
                                   device=DEVICE)
# first output: what the model is (a stand-in, or the checkpoint's record), which settings
# run (fast ones are not the paper's sizes), and the paper's numbers to compare with
print(task_report.model_summary(task))
print(task_report.settings_summary(TASK, config, fast=FAST, n_examples=N_EXAMPLES,
                                   n_seeds=len(SEEDS)))

# %% [markdown]
# ## The task

# %%
print(task_report.task_summary(task))

# %% [markdown]
# ## Discover: one cache, one batched SAE run over the seeds

# %%
found = sae_core.discover_seeds(task, config, seeds=SEEDS)
print(task_report.seeds_summary(task, found))

# %% [markdown]
# ## Ours beside the paper
# Mean and sd over seeds. The paper's numbers sit on the rows of the truth it used
# ("paper", this task's only one); it scored no edges against edge truth. Our head score
# from edges uses the rule named below; the paper's top-k rule, and codes counted on
# the SAE's training prompts too, come with `PAPER_QUIRKS = True` (FACTS.md "Quirks").

# %%
table = task_report.headline_table(found)
print(task_report.table_caption(table))
display(table)

# %% [markdown]
# Every seed, every metric (`f1` is precision/recall F1; `tpr_tnr_harmonic_mean` is
# what the paper calls "F1"), with the head mask at softmax > 1/H.

# %%
display(task_report.seed_table(found))

# %% [markdown]
# ## ROC curves (seed 0)
# Left: node scores and the head score from edges against the head truth. Right:
# edge scores of cross-layer head pairs against the edge truth.

# %%
fig = paper_tasks.plot_task_roc(found[0])
plt.show()

# %% [markdown]
# ## Node scores, layer x head (red = the paper's truth heads)

# %%
fig = paper_tasks.plot_task_node_heatmap(found[0])
plt.show()

# %% [markdown]
# ## Edge scores, head x head (red = truth edges)

# %%
fig = paper_tasks.plot_task_edge_heatmap(found[0])
plt.show()

# %% [markdown]
# ## The selected circuit
# Heads whose softmax node score is above the uniform level 1/H, placed by layer;
# lines are the strongest edges between them (green where the pair is a truth edge);
# red rings are the paper's truth heads.

# %%
fig = paper_tasks.plot_task_circuit(found[0], n_edges=N_EDGES)
plt.show()
