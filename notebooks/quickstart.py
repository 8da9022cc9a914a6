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
# # Quickstart: find a circuit whose truth is exact
#
# The SAE method (O'Neill & Bui, arXiv 2405.12522) on an embedded task whose
# truth is exact: `induction-toy`, a 2-layer attention-only transformer trained
# by this package, whose circuit (previous-token and induction heads) was found
# and is tested by ablation. Positives repeat a random sequence, negatives do not.
# The last section runs a tracr task, where the truth is compiled and the
# method fails: see there why. Run top to bottom; `SAE_CORE_FAST=1` picks the
# fast settings used by the tests.

# %% tags=["parameters"]
import os

TASK = "induction-toy"
FAILING_TASK = "tracr-sort"
SEEDS = (0, 1, 2)
FAST = os.environ.get("SAE_CORE_FAST", "0") == "1"
STEPS = 100 if FAST else 500  # the paper trains for 500 full-batch Adam steps
N_EXAMPLES = 100 if FAST else 250

# %%
import matplotlib.pyplot as plt
import numpy as np

import sae_core
from sae_core.plots import plot_node_heatmap, plot_roc

print(sae_core.available_tasks())

# %% [markdown]
# ## Load a task
# A task is a model, positive prompts (the model needs the circuit), negative
# prompts (it does not) and the ground truth.

# %%
task = sae_core.load_task(TASK, n_examples=N_EXAMPLES)
print(task.label, "-", task.description)
print("model:", task.n_layers, "layers x", task.n_heads, "heads; source:", task.model_source)
print("positives", tuple(task.positive.shape), "negatives", tuple(task.negative.shape))
print("truth heads:", sorted(str(h) for h in task.ground_truth.heads))

# %% [markdown]
# ## Discover and evaluate
# One call caches every head's output, trains the SAE, turns head vectors
# into codes and scores heads (node) and head pairs (edge).

# %%
config = sae_core.SAEConfig(steps=STEPS)
found = sae_core.discover_seeds(task, config, seeds=SEEDS)
evals = [sae_core.evaluate(d, task.ground_truth) for d in found]
for name in ("node_auc", "edge_auc", "edge_node_auc", "f1"):
    vals = np.array([e[name] for e in evals])
    print(f"{name:>14}: {vals.mean():.3f} +- {vals.std(ddof=1):.3f}  over seeds {SEEDS}")
print("timings of seed 0 (s):", {k: round(v, 3) for k, v in found[0].timings.items()})
print("selected heads (seed 0):", [str(h) for h in found[0].circuit(rule="paper")])

# %% [markdown]
# ## Node scores as a layer x head heatmap
# Red boxes are the ground-truth heads.

# %%
fig = plot_node_heatmap(found[0], task.ground_truth)
plt.show()

# %% [markdown]
# ## ROC curves
# Node scores and the head score built from the edge matrix, against head truth.

# %%
labels = task.ground_truth.head_labels(task.n_layers, task.n_heads)
fig = plot_roc(
    {
        "node scores": (found[0].node_scores, labels),
        "head score from edges": (found[0].edge_node_scores, labels),
    },
    title=f"{task.label}: ROC (seed 0)",
)
plt.show()

# %% [markdown]
# ## Where the method fails, and why: a compiled circuit
# `tracr-sort` stacks a compiled sort program with distractor programs and
# random-weight heads that provably cannot change the output. It comes with two
# contrasts. `"rearranged"`: each negative is its positive's tokens, sorted (sort is
# the identity there), which every head that reads token order can see.
# `"minimal"`: every token carries a public value, read by the distractors, and a
# private one, read by sort alone; a pair differs in private values only.
#
# `contrast_response` says, per head, whether its pooled output moves between a
# positive and its negative (**blind** if not) and, if it moves, whether its codes
# saw it (**found**: a code on positives alone) or not (**unresolved**).

# %%
from sae_core.analysis.contrast_response import response_summary, response_table
from sae_core.discover import cache_task

runs = {}
for contrast, pooling in (("rearranged", "mean"), ("minimal", "mean"), ("minimal", "positions")):
    t = sae_core.load_task(FAILING_TASK, n_examples=N_EXAMPLES, contrast=contrast)
    cfg = sae_core.SAEConfig(steps=STEPS, pooling=pooling)
    acts = cache_task(t, cfg)
    d = sae_core.discover_seeds(t, cfg, seeds=(0,), activations=acts)[0]
    runs[contrast, pooling] = (t, d)
    auc = sae_core.evaluate(d, t.ground_truth)["node_auc"]
    print(f"--- {contrast} negatives, {pooling} pooling: node AUC {auc:.2f} (seed 0)")
    print(response_summary(response_table(acts, d, t.ground_truth)), "\n")

# %% [markdown]
# With rearranged negatives, distractor heads see the contrast and take
# positive-only codes, so they outrank the circuit (AUC below 0.5). With minimal
# pairs no distractor moves, but neither does the circuit: sort's heads output the
# sorted sequence, the same on both prompts of a pair once averaged over positions
# (the paper's mean pooling), so every head ties and AUC is 0.5. Per-position pooling
# lets the circuit's outputs move; whether its codes then separate the two sets is
# what the last table says. The heatmap shows the rearranged run.

# %%
tracr_task, tracr_found = runs["rearranged", "mean"]
fig = plot_node_heatmap(tracr_found, tracr_task.ground_truth)
plt.show()
