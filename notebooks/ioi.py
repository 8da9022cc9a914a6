# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # IOI: SAE circuit discovery in GPT-2 small
#
# **Reproduces** the IOI row of the headline results of O'Neill & Bui (arXiv
# 2405.12522): ROC AUC of the SAE method's node scores (0.868 +- 0.008) and of its
# edge scores (0.840 +- 0.024; the "edge ROC", a head score made from the edge matrix,
# scored against head truth), mean +- sd over 10 trials, against the 26-head IOI
# circuit of Wang et al. 2022. The paper's numbers (`sae_core.paper.numbers`) are
# printed beside ours. We also score against the ACDC variant of the truth (9.0 where
# the paper lists 11.3), and the edge scores against an edge-level truth (ACDC's
# head-class graph), which the paper does not do.
#
# Positives: ABBA/BABA prompts ("When Mary and John went to the store, John gave a
# drink to"); negatives: the same templates with a third name (ABC), so there is no
# indirect object to find.
#
# **Weights.** `MODEL_SOURCE` is "pretrained" when GPT-2 small is in the local Hugging
# Face cache, and "random" otherwise: a **random-weight stand-in** of the same
# architecture. Numbers, tables and figures from a stand-in test the pipeline only
# and say nothing about the paper's claim; every one of them is labelled. This
# notebook is committed without outputs for that reason. `SAE_CORE_FAST=1` picks tiny
# settings (used by the tests); the full settings are the paper's (250 + 250 prompts,
# 10 seeds, 500 SAE steps).

# %% tags=["parameters"]
import os

from sae_core.models.pretrained import default_model_source

FAST = os.environ.get("SAE_CORE_FAST") == "1"
TASK = "ioi"
MODEL_SOURCE = default_model_source("gpt2")  # "pretrained" if cached, else "random"
DEVICE = "cpu"  # "cuda" on a GPU
SEEDS = (0, 1) if FAST else tuple(range(10))  # the paper: 10 trials
N_EXAMPLES = 20 if FAST else 250  # positives (and as many negatives); the paper: 250
N_TRAIN = 5 if FAST else 10  # prompts of each set that train the SAE; the paper: 10
STEPS = 50 if FAST else 500  # full-batch Adam steps; the paper: 500
N_EDGES = 30  # edges drawn in the circuit graph
PAPER_QUIRKS = False  # True: the authors' procedure (FACTS.md "Quirks"), for their numbers

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import sae_core
from sae_core.paper.numbers import HEADLINE_AUC, PAPER
from sae_core.paper.settings import paper_config
from sae_core.paper.tables import auc_vs_paper, seed_metrics
from sae_core.plots import plot_node_heatmap
from sae_core.plots.circuit import plot_circuit_graph, plot_edge_heatmap, plot_roc_curves
from sae_core.tasks.ground_truth import TRUTHS

pd.set_option("display.precision", 3)
pd.set_option("display.max_colwidth", 80)
config = paper_config(TASK, steps=STEPS, n_train=N_TRAIN, device=DEVICE,
                      paper_quirks=PAPER_QUIRKS)
truths = TRUTHS[TASK]
print("fast settings" if FAST else "full settings", config)
print(PAPER, "-", TASK, dict(HEADLINE_AUC[TASK]))

# %% [markdown]
# ## The task

# %%
task = sae_core.load_task(TASK, model_source=MODEL_SOURCE, n_examples=N_EXAMPLES, seed=0,
                          device=DEVICE)
print(task.label, "-", task.description)
print("positives", tuple(task.positive.shape), "negatives", tuple(task.negative.shape))
print("positive:", task.metadata["positive_prompts"][0])
print("negative:", task.metadata["negative_prompts"][0])
for variant, truth in truths.items():
    print(f"truth {variant!r}: {len(truth.heads)} heads, "
          f"{'no' if truth.edges is None else len(truth.edges)} edges - {truth.source}")

# %% [markdown]
# ## Discover: one cache, one batched SAE run over the seeds

# %%
found = sae_core.discover_seeds(task, config, seeds=SEEDS)
print(task.label)
print("seconds per seed (seed 0):", {k: round(v, 2) for k, v in found[0].timings.items()})
print("selected heads, seed 0:", " ".join(str(h) for h in found[0].circuit()))

# %% [markdown]
# ## Ours beside the paper
# Mean and sd over seeds, per truth variant. The paper's numbers sit on the rows of
# the truth it used ("paper"); it scored no edges against edge truth. Our head score
# from edges uses the rule named below; the paper's top-k rule, and codes counted on
# the SAE's training prompts too, come with `PAPER_QUIRKS = True` (FACTS.md "Quirks").

# %%
table = auc_vs_paper(TASK, found, truths)
print(table.attrs["title"])
print("head score from edges:", table.attrs["edge_head_score"])
display(table)

# %% [markdown]
# Every seed, every metric (`f1` is precision/recall F1; `tpr_tnr_harmonic_mean` is
# what the paper calls "F1"), with the head mask at softmax > 1/H.

# %%
display(seed_metrics(found, truths))

# %% [markdown]
# ## ROC curves (seed 0)
# Left: node scores and the head score from edges against both head truths. Right:
# edge scores of cross-layer head pairs against both edge truths.

# %%
fig = plot_roc_curves(found[0], truths)
plt.show()

# %% [markdown]
# ## Node scores, layer x head (red = the paper's truth heads)

# %%
fig = plot_node_heatmap(found[0], truths["paper"])
plt.show()

# %% [markdown]
# ## Edge scores, head x head (red = the paper variant's truth edges)

# %%
fig = plot_edge_heatmap(found[0], truths["paper"])
plt.show()

# %% [markdown]
# ## The selected circuit
# Heads whose softmax node score is above the uniform level 1/H, placed by layer;
# lines are the strongest edges between them (green where the pair is a truth edge);
# red rings are the paper's truth heads.

# %%
fig = plot_circuit_graph(found[0], truths["paper"], n_edges=N_EDGES)
plt.show()
