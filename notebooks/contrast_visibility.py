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
# # When does the SAE method find the circuit? The visibility curve
#
# The SAE method scores a head by the codes it takes only on positive prompts. That
# assumes the heads **outside** the circuit behave the same on a positive and its
# negative: then only circuit heads can have positive-only codes. This notebook
# measures what happens as that assumption breaks.
#
# **Regime.** `tracr-scalable` with `contrast="minimal"`: one compiled tracr program
# (`sort_freq`, the circuit, exact truth) among 141 random distractor heads in a 12 x 12
# grid. Every token carries a public and a private value; the program reads the private
# values, the distractors the public ones. A positive and its negative share their public
# values, so every distractor head sees **bit-identical** inputs on both, except a random
# fraction `visible_fraction` of them made "visible": they read the private values too,
# with `visibility_strength` in [0, 1] (1 = the default). Seed k builds the model with
# `model_seed = k` (a different random set of visible heads) and the prompts with
# `seed = k`, and seeds the SAE.
#
# **Methods.** The SAE method with the paper's settings (200 features, l1 0.02, 500
# steps, 10 training prompts per set), EAP, HISP, and ACDC in the cut configuration of
# the large-task comparison (one tau over per-head inputs on 16 prompts; deterministic
# given the model, so one seed). Metrics: node ROC AUC (node scores vs the program's
# heads) and edge ROC AUC (edge scores vs its edges; HISP scores heads only).
#
# **Reading the curve.** At 0 % no distractor can see the contrast: the regime the
# method claims. As the fraction grows, visible distractors get positive-only codes of
# their own and compete with the circuit. A method that needs only the model's output
# (EAP, HISP, ACDC) should not care which distractors *see* the contrast, since none of
# them affects the output. On this task the baselines do not even read the negatives:
# sort_freq's negatives keep the model's output, so EAP and ACDC corrupt with resampled
# positives (`Task.negatives_keep_output`) and HISP uses positives only. Their lines are
# the reference of methods that read the output; only the SAE method reads the contrast.
#
# The numbers are read from `figures/contrast_visibility.json` (written by
# `sae-core figures contrast_visibility`, which runs the sweep when the JSON is absent);
# `SAE_CORE_FAST=1` runs a tiny sweep instead (6 x 4 grid, 30 SAE steps: a smoke test,
# not the curve).

# %% tags=["parameters"]
import os

FAST = os.environ.get("SAE_CORE_FAST") == "1"
RESULT_JSON = "../figures/contrast_visibility.json"
HIST_JSON = "../figures/contrast_visibility_hist.json"

# %%
from sae_core.experiments.visibility import (
    VisibilityResult,
    describe,
    fast_settings,
    format_table,
    run_visibility,
)
from sae_core.plots.contrast import (
    plot_visibility,
    plot_visibility_pooling,
    plot_visibility_strength,
)

result = (run_visibility(fast_settings(), progress=False) if FAST
          else VisibilityResult.read(RESULT_JSON))
print(describe(result))
print("rows not run:", len(result.notes.get("missing", [])))

# %% [markdown]
# ## Node and edge AUC vs the share of distractors that see the contrast
# Mean ± sd over seeds (ACDC: one seed).

# %%
format_table(result)

# %%
fig = plot_visibility(result)

# %% [markdown]
# ## The SAE method's pooling
# Mean over positions is the paper's pooling. `last` keeps the last position's head
# output; `positions` codes every position separately.

# %%
format_table(result, by="pooling", metrics=("node_auc",))

# %%
fig = plot_visibility_pooling(result)

# %% [markdown]
# ## How strongly the visible heads see the contrast
# At one fraction, the strength of the visible heads' view of the private values
# (0: they see the same input on both prompts, 1: the default).

# %%
if result.strength_curve()["visibility_strength"].nunique() > 1:
    display(format_table(result, by="visibility_strength"))  # noqa: F821 (IPython)
    fig = plot_visibility_strength(result)
else:
    print("no strength sweep in this result")

# %% [markdown]
# ## Why the curve starts at chance: the circuit is blind, then unresolved
# At 0 % visible every head ties at zero positive-only codes, the circuit's too, so node
# AUC is exactly 0.5. `contrast_response` says why, head by head: sort_freq's heads
# output a reordering of their input, equal on a positive and its negative once
# averaged over positions (**blind**). The same sweep with `program="hist"`, whose
# heads count tokens and so do move with the contrast, tells whether a moving circuit
# changes the picture: its heads move by 20-30 % of their norm but their outputs are
# ~0.5 % of a random distractor's, so the SAE, shared by all 144 heads, gives them one
# code on both sides (**unresolved**).

# %%
from sae_core.analysis.contrast_response import response_summary, task_response_table
from sae_core.discover import cache_task, discover_seeds
from sae_core.paper.settings import paper_config
from sae_core.tasks import load_task

for program in ("sort_freq", "hist"):
    options = {"n_layers": 6, "n_heads": 4, "n_examples": 40} if FAST else {}
    task = load_task("tracr-scalable", program=program, contrast="minimal", **options)
    cfg = paper_config("tracr-scalable", **({"steps": 30} if FAST else {}))
    acts = cache_task(task, cfg)
    found = discover_seeds(task, cfg, (0,), activations=acts)[0]
    table = task_response_table(task, acts, found)
    circuit = table[table["in_truth"].astype(bool)]
    print(f"--- {program}, 0 % visible (seed 0): circuit heads' output norm / median head "
          f"{circuit['norm_vs_median'].round(4).tolist()}, paired change "
          f"{circuit['paired_change'].round(3).tolist()}")
    print(response_summary(table), "\n")

# %%
if not FAST and os.path.exists(HIST_JSON):
    hist = VisibilityResult.read(HIST_JSON)
    print(describe(hist))
    display(format_table(hist))  # noqa: F821 (IPython)
    fig = plot_visibility(hist)
else:
    print("the hist curve is drawn from", HIST_JSON, "(full settings only)")
