"""Wrong inputs through the Python API: each fails before any model runs, with an error
that names the argument and the fix (issue 16, "a new user's first hour")."""

import dataclasses
import math
import warnings

import numpy as np
import pytest
import torch

import sae_core
from sae_core import Answers, GroundTruth, SAEConfig, Task, hooks
from sae_core.methods import run_method
from sae_core.methods.config import (
    ACDCConfig,
    EAPConfig,
    HISPConfig,
    SAEMethodConfig,
    SubnetworkProbingConfig,
)
from sae_core.types import HeadScores
from tests.conftest import tiny_model


@pytest.fixture
def model():
    """A fresh tiny model (2 layers x 3 heads, 20 tokens, n_ctx 16) per test."""
    return tiny_model()


@pytest.fixture
def no_model_runs(model, monkeypatch):
    """The model and the head-output cache fail if called: the error must come first."""

    def ran(*args, **kwargs):
        raise AssertionError("a model ran before the argument error")

    monkeypatch.setattr(model, "forward", ran)
    monkeypatch.setattr(hooks, "head_outputs", ran)
    return model


def prompts(n=12, length=6, seed=0):
    return torch.randint(0, 20, (n, length), generator=torch.Generator().manual_seed(seed))


def make_task(base_model, **overrides):
    fields = dict(name="own", model=base_model, positive=prompts(), negative=prompts(seed=1),
                  ground_truth=GroundTruth(heads={(0, 1), (1, 2)}))
    return Task(**{**fields, **overrides})


# --- SAEConfig: types and finite values ---------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(steps=1.5), TypeError, r"steps=1.5 has type float; steps takes a whole number "
                                     r"\(int\), e.g. steps=500"),
        (dict(n_features=2.5), TypeError, r"n_features=2.5 .* whole number \(int\)"),
        (dict(n_train=True), TypeError, r"n_train=True has type bool; .* whole number"),
        (dict(batch_size="64"), TypeError, r"batch_size='64' has type str; .* e.g. batch_size=64"),
        (dict(l1="0.02"), TypeError, r"l1='0.02' has type str; l1 takes a number \(float\), "
                                     r"e.g. l1=0.02"),
        (dict(l1=math.inf), ValueError, r"l1=inf; give a finite number, e.g. l1=0.02"),
        (dict(lr=math.nan), ValueError, r"lr=nan; give a finite number"),
        (dict(lr=None), TypeError, r"lr=None has type NoneType; lr takes a number"),
        (dict(paper_quirks=1), TypeError, r"paper_quirks=1 has type int; .* True or False"),
        (dict(count_train_examples="yes"), TypeError,
         r"count_train_examples='yes' .* True or False or None"),
        (dict(pooling=3), TypeError, r"pooling=3 has type int; pooling takes a string, "
                                     r"e.g. pooling='mean'"),
    ],
)
def test_sae_config_rejects_wrong_types_and_non_finite_values(kwargs, error, message):
    with pytest.raises(error, match=message):
        SAEConfig(**kwargs)


def test_sae_config_accepts_ints_for_floats_and_none_where_optional():
    config = SAEConfig(l1=0, lr=1, count_train_examples=None, n_features=np.int64(8))
    assert config.l1 == 0 and config.n_features == 8


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: EAPConfig(metric="logit"), ValueError, r"metric='logit'; use one of \('auto'"),
        (lambda: HISPConfig(n_prompts=2.5), TypeError, r"n_prompts=2.5 .* whole number"),
        (lambda: HISPConfig(seed=-1), ValueError, r"seed=-1; use a non-negative seed"),
        (lambda: SubnetworkProbingConfig(lr="0.1"), TypeError, r"lr='0.1' .* takes a number"),
        (lambda: ACDCConfig(taus=1e-3), TypeError, r"taus=0.001 .* e.g. taus=\(1e-3,\)"),
        (lambda: ACDCConfig(taus=(math.inf,)), ValueError, r"taus=inf; give a finite number"),
        (lambda: SAEMethodConfig(sae={"l1": 0.1}), TypeError, r"SAEConfig\(\*\*your_dict\)"),
        (lambda: SAEMethodConfig(seed=0.5), TypeError, r"seed=0.5 .* whole number"),
    ],
)
def test_method_configs_reject_wrong_types(make, error, message):
    with pytest.raises(error, match=message):
        make()


# --- discover / discover_seeds: checked before the cache ------------------------------


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(seed=1.5), TypeError, r"seed=1.5 has type float; seed takes a whole number"),
        (dict(seed="abc"), TypeError, r"seed='abc' has type str; seed takes a whole number"),
        (dict(seed=-1), ValueError, r"seed=-1; use a non-negative seed"),
        (dict(config={"l1": 0.05}), TypeError,
         r"config is a dict; pass SAEConfig\(\*\*your_dict\)"),
        (dict(config="sae"), TypeError, r"config has type str; give an SAEConfig"),
        (dict(config=SAEConfig(n_train=13)), ValueError,
         r"the SAE trains on 13 positive .* the task has 12 positives and 12 negatives; give "
         r"at least n_train \+ 1 = 14 prompts per set, or lower SAEConfig\(n_train"),
        (dict(config=SAEConfig(n_train=12)), ValueError,
         r"all 12 positives / 12 negatives train the SAE, leaving none to count codes on; give "
         r"at least n_train \+ 1 = 13 prompts per set, or set count_train_examples=True"),
    ],
)
def test_discover_checks_its_arguments_before_any_model_runs(
    no_model_runs, kwargs, error, message
):
    task = make_task(no_model_runs)
    with pytest.raises(error, match=message):
        sae_core.discover(task, **kwargs)


def test_discover_seeds_and_task_argument(no_model_runs):
    task = make_task(no_model_runs)
    with pytest.raises(TypeError, match=r"seeds='01' has type str; .* e.g. seeds=range\(5\)"):
        sae_core.discover_seeds(task, seeds="01")
    with pytest.raises(ValueError, match=r"seeds is empty; .* seeds=\(0,\)"):
        sae_core.discover_seeds(task, seeds=())
    with pytest.raises(TypeError, match=r"seed=2.0 has type float"):
        sae_core.discover_seeds(task, seeds=(1, 2.0))
    with pytest.raises(TypeError, match=r"task has type str; give a Task: .*load_task\(name\)"):
        sae_core.discover("ioi")


def test_too_few_prompts_at_the_defaults_names_n_train_plus_one(no_model_runs):
    task = make_task(no_model_runs, positive=prompts(n=10), negative=prompts(n=30))
    with pytest.raises(ValueError, match=r"all 10 positives .* n_train \+ 1 = 11 prompts"):
        sae_core.discover(task)


# --- Task: checked against its model -------------------------------------------------


def test_task_defaults_to_a_users_model_with_no_stand_in_mark(model):
    task = make_task(model)
    assert task.model_source == "user" and not task.is_stand_in and task.label == "own"


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        (dict(ground_truth=GroundTruth(heads={(0, 1)}, edges={((0, 1), (1, 3))})), ValueError,
         r"ground-truth edge 0.1->1.3 names head 1.3, which lies outside a 2x3 model "
         r"\(layers 0..1, heads 0..2\); check that the truth belongs to this model"),
        (dict(ground_truth=GroundTruth(heads={(2, 0)})), ValueError,
         r"ground-truth head 2.0 names head 2.0, which lies outside a 2x3 model"),
        (dict(ground_truth={(0, 1)}), TypeError, r"ground_truth has type set; wrap the heads: "
                                                 r"GroundTruth\(heads="),
        (dict(positive=prompts(length=17)), ValueError,
         r"positive prompts are 17 tokens long; the model reads at most n_ctx=16 "
         r"\(model.cfg.n_ctx\): shorten or filter them"),
        (dict(negative=prompts() - 1), ValueError,
         r"negative prompts hold token ids from -1 to \d+, outside \[0, 20\) "
         r"\(model.cfg.d_vocab=20\); .* Likely causes: a tokenizer other than the model's, "
         r"padding or masking ids"),
        (dict(positive=prompts() + 5), ValueError, r"positive prompts hold token ids from \d+ "
                                                   r"to 2\d, outside \[0, 20\)"),
        (dict(positive=[[1, 2, 3]]), TypeError,
         r"positive prompts must be a LongTensor \[N, T\] of token ids, got list; tokenize "
         r"them with the model's tokenizer .* or pass token ids"),
        (dict(model="gpt2"), TypeError, r"model has type str; give a .*HookedTransformer"),
        (dict(metric="acc"), ValueError, r"metric='acc'; use one of \('logit_diff', 'kl', 'mse'\)"),
        (dict(metric="logit_diff"), ValueError,
         r"metric='logit_diff' needs the task's answers; build the task with "
         r"answers=Answers\(correct=..., wrong=...\)"),
        (dict(metric="mse"), ValueError, r"metric='mse' compares one numerical output, but the "
                                         r"model has d_vocab_out=20 outputs; use 'kl'"),
        (dict(model_source="hub"), ValueError, r"model_source='hub'; use one of \('user'"),
    ],
)
def test_task_rejects_what_would_fail_later(model, overrides, error, message):
    with pytest.raises(error, match=message):
        make_task(model, **overrides)


def test_the_tokenize_hint_holds_for_a_model_without_a_tokenizer(model):
    """The hint names token ids as the alternative: this model cannot ``to_tokens``."""
    assert model.tokenizer is None
    with pytest.raises(TypeError, match=r"or pass token ids: torch.tensor\(ids, dtype="):
        make_task(model, negative="some text")


# --- evaluate: undefined AUCs are said ------------------------------------------------


def scores_for(model):
    return HeadScores("hisp", "own", np.arange(6.0).reshape(2, 3), None, 0.1, "user",
                      selected=np.eye(2, 3, dtype=bool))


@pytest.mark.parametrize(
    "heads, holds",
    [({(layer, head) for layer in range(2) for head in range(3)}, "every one"), (set(), "none")],
)
def test_evaluate_warns_when_the_truth_leaves_the_auc_undefined(model, heads, holds):
    with pytest.warns(UserWarning, match=rf"the ground truth holds {holds} of the model's 6 "
                                         r"heads: an AUC .* NaN; give a truth with at least one"):
        out = sae_core.evaluate(scores_for(model), GroundTruth(heads=heads))
    assert math.isnan(out["node_auc"])


def test_evaluate_is_silent_on_a_proper_truth_and_checks_its_types(model):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sae_core.evaluate(scores_for(model), GroundTruth(heads={(0, 1)}))
    assert out["node_auc"] == pytest.approx(0.2)
    with pytest.raises(TypeError, match=r"ground_truth has type set; give a GroundTruth"):
        sae_core.evaluate(scores_for(model), {(0, 1)})
    with pytest.raises(TypeError, match=r"scores has type dict; give a method's HeadScores"):
        sae_core.evaluate({}, GroundTruth(heads={(0, 1)}))


# --- baselines without answers ---------------------------------------------------------

NO_ANSWERS = (r"task 'own' names no answers.*build the task with "
              r"answers=Answers\(correct=..., wrong=...\).*or choose a metric by name.*"
              r"metric='kl'")


@pytest.mark.parametrize("method", ["hisp", "eap", "eap-ig", "acdc", "subnetwork-probing"])
def test_a_baseline_without_answers_says_so_before_running(no_model_runs, monkeypatch, method):
    from sae_core.methods import autocircuit

    def ran():
        raise AssertionError("auto-circuit ran before the argument error")

    monkeypatch.setattr(autocircuit, "_auto_circuit", ran)
    with pytest.raises(ValueError, match=NO_ANSWERS):
        run_method(method, make_task(no_model_runs))


def test_a_metric_by_name_or_answers_lets_the_baseline_run(model):
    unlabelled = make_task(model)
    named = run_method("hisp", unlabelled, HISPConfig(n_prompts=4, metric="kl"))
    assert named.extra["metric"] == "kl"
    answers = Answers(correct=torch.zeros(12, dtype=torch.long),
                      wrong=torch.ones(12, dtype=torch.long))
    labelled = dataclasses.replace(unlabelled, answers=answers)
    assert run_method("hisp", labelled, HISPConfig(n_prompts=4)).extra["metric"] == "logit_diff"


# --- compare on one's own Task ---------------------------------------------------------


def test_compare_takes_own_task_objects(model):
    answers = Answers(correct=torch.zeros(12, dtype=torch.long),
                      wrong=torch.ones(12, dtype=torch.long))
    task = make_task(model, answers=answers)
    df = sae_core.compare([task], methods=["hisp"], progress=False,
                          configs={"hisp": HISPConfig(n_prompts=4)})
    alone = sae_core.evaluate(run_method("hisp", task, HISPConfig(n_prompts=4)),
                              task.ground_truth)
    assert list(df["task"]) == ["own"] and list(df["model_source"]) == ["user"]
    assert df["node_auc_mean"][0] == pytest.approx(alone["node_auc"])
    single = sae_core.compare(task, methods=["hisp"], progress=False,
                              configs={"hisp": HISPConfig(n_prompts=4)})
    assert single["node_auc_mean"][0] == df["node_auc_mean"][0]


def test_compare_checks_own_tasks_before_any_work(no_model_runs, monkeypatch):
    from sae_core.methods import autocircuit

    monkeypatch.setattr(autocircuit, "_auto_circuit", lambda: pytest.fail("auto-circuit ran"))
    task = make_task(no_model_runs)
    with pytest.raises(ValueError, match=NO_ANSWERS):  # the SAE would run first
        sae_core.compare([task], methods=["sae", "eap"], progress=False)
    with pytest.raises(ValueError, match=r"task 'own' has no ground truth to compare against; "
                                         r"build it with ground_truth=GroundTruth"):
        sae_core.compare([dataclasses.replace(task, ground_truth=None)], methods=["sae"],
                         progress=False)
    with pytest.raises(TypeError, match=r"a task of type int; give registered task names"):
        sae_core.compare([3], methods=["sae"], progress=False)
