"""Code interpretability tables, faithfulness reports and their plots, on hand-made codes."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import mutual_info_score

from sae_core.analysis.code_interpretability import (
    code_examples,
    code_label_stats,
    code_patterns,
    code_table,
    decoder_for,
    prompts_for_code,
    row_prompts,
    top_heads,
    unique_positive_codes,
)
from sae_core.config import SAEConfig
from sae_core.experiments.faithfulness_report import (
    circuit_faithfulness,
    faithfulness_by_size,
    faithfulness_table,
    ioi_paper_table,
    select_circuit,
)
from sae_core.faithfulness import FaithfulnessResult
from sae_core.plots.interpret import (
    plot_across_models,
    plot_code_split,
    plot_code_stats,
    plot_faithfulness,
    plot_faithfulness_by_size,
)
from sae_core.scores import node_scores
from sae_core.types import Answers, Discovery, GroundTruth, HeadId, Task

N_LAYERS, N_HEADS = 2, 3  # the conftest tiny model
N_TRAIN = 2


def make_discovery(codes_pos, codes_neg, model_source="trained", config=None):
    codes_pos, codes_neg = np.asarray(codes_pos), np.asarray(codes_neg)
    node = node_scores(codes_pos, codes_neg).reshape(N_LAYERS, N_HEADS)
    n_total = N_LAYERS * N_HEADS
    return Discovery(
        task_name="toy", node_scores=node, edge_scores=np.zeros((n_total, n_total)),
        edge_node_scores=node, codes_pos=codes_pos, codes_neg=codes_neg,
        timings={"total": 0.0}, sae_config=config or SAEConfig(n_train=N_TRAIN), seed=0,
        model_source=model_source,
        version="test",
    )


@pytest.fixture
def codes():
    """6 counted rows per label, 6 heads. Head 0: codes split the labels perfectly (two
    positive-only codes); head 1: one shared code; head 2: every row its own code;
    head 3: one code shared 50/50 plus a positive-only one; heads 4-5 constant."""
    pos = np.array([[0, 5, 10, 7, 1, 1], [0, 5, 11, 7, 1, 1], [1, 5, 12, 8, 1, 1],
                    [1, 5, 13, 8, 1, 1], [0, 5, 14, 7, 1, 1], [1, 5, 15, 7, 1, 1]])
    neg = np.array([[2, 5, 20, 7, 1, 1], [2, 5, 21, 7, 1, 1], [2, 5, 22, 7, 1, 1],
                    [2, 5, 23, 7, 1, 1], [2, 5, 24, 7, 1, 1], [2, 5, 25, 7, 1, 1]])
    return pos, neg


@pytest.fixture
def task(model):
    gen = torch.Generator().manual_seed(1)
    n_prompts = N_TRAIN + 6
    positive = torch.randint(1, 20, (n_prompts, 5), generator=gen)
    positive[:, 0] = 0
    negative = torch.randint(1, 20, (n_prompts, 5), generator=gen)
    return Task(
        name="toy", model=model, positive=positive, negative=negative,
        ground_truth=GroundTruth(heads=frozenset({HeadId(0, 0), HeadId(1, 1)})),
        model_source="trained",
        answers=Answers(correct=torch.arange(n_prompts) % 20,
                        wrong=(torch.arange(n_prompts) + 3) % 20),
    )


def test_top_heads_orders_by_score_then_index():
    scores = np.array([[1.0, 3.0, 3.0], [0.0, 2.0, 5.0]])
    assert top_heads(scores, 3) == [HeadId(1, 2), HeadId(0, 1), HeadId(0, 2)]
    assert top_heads(scores, 0) == []
    with pytest.raises(ValueError, match="k=7"):
        top_heads(scores, 7)


def test_code_table_counts_and_kinds(codes):
    found = make_discovery(*codes)
    table = code_table(found, (0, 0))
    assert table.code.tolist() == [0, 1, 2]  # positive-only (by count, then code), negative
    assert table.n_positive.tolist() == [3, 3, 0]
    assert table.kind.tolist() == ["positive-only", "positive-only", "negative-only"]
    assert table.n_positive.sum() == 6 and table.n_negative.sum() == 6
    shared = code_table(found, "1.0")  # column 3
    assert shared.kind.tolist() == ["positive-only", "shared"]
    assert shared.set_index("code").loc[7, "share_positive"] == pytest.approx(4 / 10)
    assert unique_positive_codes(found, (0, 0)) == [0, 1]
    assert unique_positive_codes(found, (0, 1)) == []
    with pytest.raises(ValueError, match="outside"):
        code_table(found, (2, 0))


def test_code_label_stats(codes):
    pos, neg = codes
    found = make_discovery(pos, neg)
    stats = code_label_stats(found, GroundTruth(heads=frozenset({HeadId(0, 0)})))
    by_head = stats.set_index("head")
    assert len(stats) == 6
    assert stats.node_score.is_monotonic_decreasing
    perfect, shared, fresh, mixed = (by_head.loc[h] for h in ("0.0", "0.1", "0.2", "1.0"))
    labels = np.r_[np.ones(6), np.zeros(6)]
    assert perfect.mutual_information == pytest.approx(mutual_info_score(labels, np.r_[pos[:, 0],
                                                                                      neg[:, 0]]))
    assert perfect.normalized_mi == pytest.approx(1.0)
    assert perfect.purity == 1.0 and perfect.held_out_accuracy == 1.0
    assert perfect.frac_positives_on_unique == 1.0 and bool(perfect.in_truth)
    assert shared.mutual_information == pytest.approx(0.0) and shared.purity == 0.5
    assert shared.held_out_accuracy == 0.5
    # a fresh code per row: "pure" and full MI on the counted rows, yet nothing carries over
    assert fresh.purity == 1.0 and fresh.normalized_mi == pytest.approx(1.0)
    assert fresh.held_out_accuracy == 0.5 and fresh.adjusted_mi < 0.2
    assert mixed.frac_positives_on_unique == pytest.approx(2 / 6)
    assert mixed.purity == pytest.approx((2 + 6) / 12)  # code 8 pure; code 7 majority negative
    assert "in_truth" not in code_label_stats(found).columns


def test_row_prompts_maps_counted_rows(codes):
    found = make_discovery(*codes)
    rows = row_prompts(found, N_TRAIN + 6)
    assert rows.prompt.tolist() == list(range(N_TRAIN, N_TRAIN + 6))
    assert (rows.position == -1).all()
    counted_all = make_discovery(*codes, config=SAEConfig(n_train=2, count_train_examples=True))
    assert row_prompts(counted_all, 6).prompt.tolist() == list(range(6))
    per_position = make_discovery(*codes, config=SAEConfig(n_train=1, pooling="positions"))
    rows = row_prompts(per_position, 4)  # 3 counted prompts x 2 positions
    assert rows.prompt.tolist() == [1, 1, 2, 2, 3, 3] and rows.position.tolist() == [0, 1] * 3
    with pytest.raises(ValueError, match="do not fit"):
        row_prompts(found, 7)
    with pytest.raises(ValueError, match="label"):
        row_prompts(found, 8, label="both")


def test_prompts_for_code_and_examples(codes, task):
    found = make_discovery(*codes)
    hits = prompts_for_code(task, found, (0, 0), 1)
    assert hits.label.tolist() == ["positive"] * 3
    assert hits.prompt.tolist() == [N_TRAIN + 2, N_TRAIN + 3, N_TRAIN + 5]
    first = task.positive[N_TRAIN + 2].tolist()
    assert hits.text.iloc[0] == " ".join(map(str, first))  # no decoder: token ids
    decoded = prompts_for_code(task, found, (0, 0), 2, decode=lambda ids: f"<{len(ids)}>")
    assert decoded.label.tolist() == ["negative"] * 6 and decoded.text.iloc[0] == "<5>"
    examples = code_examples(task, found, [(0, 0), (0, 1)], max_codes=1, max_prompts=2)
    assert examples["head"].tolist() == ["0.0", "0.0"] and examples.code.tolist() == [0, 0]
    assert code_examples(task, found, [(0, 1)]).empty


def test_code_patterns(codes, task):
    found = make_discovery(*codes)
    patterns = code_patterns(task, found, (0, 0))
    assert patterns.code.tolist() == [0, 1] and patterns.n_positive.tolist() == [3, 3]
    assert "0=" not in " ".join(patterns.fixed_positions)  # BOS is fixed everywhere: left out
    assert (patterns.chance_fixed >= 0).all()
    with pytest.raises(ValueError, match="pooled by prompt"):
        code_patterns(task, make_discovery(*codes, config=SAEConfig(pooling="positions")), 0)


def test_decoder_for(task):
    assert decoder_for(task) is None
    vocab = Task(name="t", model=task.model, positive=task.positive, negative=task.negative,
                 token_values=tuple(f"t{i}" for i in range(20)))
    assert decoder_for(vocab)([0, 3]) == "t0 t3"


# -------------------------------------------------------------- faithfulness reports


def result(circuit, randoms, source="random", truth=4.0):
    return FaithfulnessResult(
        clean=3.0, circuit=circuit, truth=truth, random_mean=float(np.mean(randoms)),
        random_sd=float(np.std(randoms, ddof=1)) if len(randoms) > 1 else 0.0, n_heads=4,
        n_random=len(randoms), model_source=source, task_name="ioi", random_values=tuple(randoms),
    )


def test_faithfulness_table_pools_seeds_and_shows_the_paper():
    table = ioi_paper_table([result(2.0, [0.0, 1.0]), result(3.0, [2.0, 3.0])])
    rows = table.set_index("condition")
    assert list(rows.index) == ["clean", "truth", "sae circuit", "random"]
    assert rows.loc["sae circuit", "logit_diff"] == 2.5
    assert rows.loc["sae circuit", "sd"] == pytest.approx(np.std([2.0, 3.0], ddof=1))
    assert rows.loc["random", "logit_diff"] == 1.5 and rows.loc["random", "n"] == 4
    assert rows.loc["clean", "paper_logit_diff"] == 3.55
    assert rows.loc["random", "paper_n_heads"] == 40 and rows.loc["truth", "n_heads"] == 26
    assert (table.task == "ioi (random-weight stand-in)").all()
    plain = faithfulness_table(result(2.0, [1.0], source="trained", truth=None))
    assert plain.task.iloc[0] == "ioi" and plain.paper_logit_diff.isna().all()
    assert math.isnan(plain.set_index("condition").loc["truth", "logit_diff"])
    with pytest.raises(ValueError, match="different tasks"):
        faithfulness_table([result(1.0, [1.0]), FaithfulnessResult(
            1, 1, None, 1, 0, 1, 1, "random", "other")])


def test_select_circuit(codes):
    found = make_discovery(*codes)
    assert select_circuit(found, 2) == top_heads(found, 2)
    assert len(select_circuit(found, 0.5)) == 3
    assert select_circuit(found, None) == found.circuit(rule="paper")
    with pytest.raises(ValueError, match="fraction"):
        select_circuit(found, 1.5)


def test_circuit_faithfulness_on_a_tiny_model(codes, task):
    found = make_discovery(*codes)
    results = circuit_faithfulness(task, [found], size=2, n_random=2)
    assert results[0].n_heads == 2 and results[0].n_random == 2
    by_size = faithfulness_by_size(task, [found], [1, 6], n_random=1)
    assert by_size["size"].tolist() == [1, 6]
    full = by_size.set_index("size").loc[6]
    assert full.circuit == pytest.approx(full.clean, abs=1e-4)  # keeping every head = clean


# ---------------------------------------------------------------------------- plots


def test_plots_return_figures_with_stand_in_titles(codes, task):
    stand_in = make_discovery(*codes, model_source="random")
    table = ioi_paper_table(result(2.0, [0.0, 1.0]))
    fig = plot_faithfulness([table, faithfulness_table(result(1.0, [1.0], "trained"))])
    assert "random-weight stand-in" in fig.axes[0].get_title()
    assert "stand-in" not in fig.axes[1].get_title()
    fig = plot_code_split(stand_in, [(0, 0), (1, 0), (0, 2)])
    assert "random-weight stand-in" in fig._suptitle.get_text()
    fig = plot_code_stats(code_label_stats(stand_in, task.ground_truth), stand_in)
    assert "random-weight stand-in" in fig._suptitle.get_text()
    by_size = faithfulness_by_size(task, [make_discovery(*codes)], [1, 2], n_random=1)
    assert plot_faithfulness_by_size(by_size).axes
    across = pd.DataFrame([
        {"task": "induction-gpt2 (random-weight stand-in)", "model_source": "random",
         "n_heads_total": 144, "circuit_size": 40, "clean": 0.1, "circuit": 0.2,
         "circuit_sd": 0.0, "random": 0.0, "random_sd": 0.1, "truth": np.nan},
        {"task": "induction-toy", "model_source": "trained", "n_heads_total": 8,
         "circuit_size": 2, "clean": 10.0, "circuit": 1.0, "circuit_sd": 0.1,
         "random": 0.5, "random_sd": 0.2, "truth": 9.0},
    ])
    assert "random-weight stand-in" in plot_across_models(across).axes[0].get_title()
    plt.close("all")


# ------------------------------------------------- the induction toy's answer tokens


def test_induction_toy_answers_leave_the_prompts_unchanged():
    from sae_core.faithfulness import logit_difference
    from sae_core.tasks import induction_toy
    from sae_core.tasks.catalog import load_task

    toy = load_task("induction-toy", n_examples=6, seed=3)
    rng = np.random.default_rng(3)
    d_vocab = induction_toy.MODEL_CONFIG["d_vocab"]
    expected = induction_toy.repeated_tokens(6, induction_toy.SEQ_LEN, d_vocab, rng)
    assert np.array_equal(toy.positive.numpy(), expected)
    answer, wrong = toy.answers.correct, toy.answers.wrong
    assert torch.equal(answer, toy.positive[:, 1])
    for row, w in zip(toy.positive.tolist(), wrong.tolist(), strict=True):
        assert w not in row and w != induction_toy.BOS
    # the shipped model predicts the answer by induction: a large logit difference
    assert logit_difference(toy.model, toy.positive, answer, wrong) > 5.0


def test_induction_across_models_names_unknown_models():
    from sae_core.experiments.faithfulness_report import induction_across_models

    with pytest.raises(ValueError, match="gpt2"):
        induction_across_models(["gpt5"])
