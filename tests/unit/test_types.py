"""The vocabulary: heads, ground truth and tasks (types.py)."""

import math

import numpy as np
import pytest
import torch

from sae_core.types import (
    STAND_IN_LABEL,
    Answers,
    FileRecord,
    GroundTruth,
    HeadId,
    HeadScores,
    ModelProvenance,
    Task,
    head_from_index,
    label_source,
    softmax,
)

PROVENANCE = ModelProvenance(
    model="gpt2", repo_id="openai-community/gpt2", commit="c" * 40,
    weights=(FileRecord("model.safetensors", "a" * 64),),
    config=FileRecord("config.json", "b" * 64), tokenizer_repo="openai-community/gpt2",
    tokenizer_commit="c" * 40, tokenizer_files=(FileRecord("vocab.json", "d" * 64),),
    cache="/hf/hub",
)  # fmt: skip
"""A checkpoint record as ``models.pretrained.load_pretrained`` makes one."""


def test_head_ids_and_flat_index():
    h = HeadId(3, 5)
    assert h == (3, 5) and str(h) == "3.5" and h.index(12) == 41
    assert head_from_index(41, 12) == h


def test_ground_truth_normalises_and_validates():
    gt = GroundTruth(heads={(0, 1), "1.2"}, edges={((0, 1), (1, 2))})
    assert HeadId(1, 2) in gt.heads
    labels = gt.head_labels(2, 3)
    assert labels.sum() == 2 and labels[0, 1] and labels[1, 2]
    edges = gt.edge_labels(2, 3)
    assert edges[1, 5] and edges[5, 1] and edges.sum() == 2
    assert GroundTruth(heads={(0, 0)}).edge_labels(2, 3) is None
    with pytest.raises(ValueError, match="earlier layer"):
        GroundTruth(heads={(0, 0)}, edges={((1, 0), (0, 0))})
    with pytest.raises(ValueError, match="outside a 2x2 model"):
        gt.head_labels(2, 2)


def test_task_validates_prompts(model, tokens):
    Task("t", model, tokens, tokens)
    with pytest.raises(ValueError, match="empty"):
        Task("t", model, tokens[:0], tokens)
    with pytest.raises(ValueError, match=r"expected \[N, T\]"):
        Task("t", model, tokens[0], tokens)
    with pytest.raises(TypeError, match="integer token ids"):
        Task("t", model, tokens.float(), tokens)
    with pytest.raises(ValueError, match="outside"):
        Task("t", model, tokens + 100, tokens)
    with pytest.raises(ValueError, match="model_source"):
        Task("t", model, tokens, tokens, model_source="hub")
    with pytest.raises(ValueError, match="outside"):
        Task("t", model, tokens, tokens, ground_truth=GroundTruth(heads={(9, 0)}))


def test_stand_in_label(model, tokens):
    assert "random-weight stand-in" in Task("t", model, tokens, tokens, model_source="random").label
    assert Task("t", model, tokens, tokens).label == "t"


def test_label_source_marks_random_weights_only():
    assert label_source("ioi", "random") == f"ioi ({STAND_IN_LABEL})"
    assert STAND_IN_LABEL == "random-weight stand-in"
    for source in ("pretrained", "compiled", "trained"):
        assert label_source("ioi", source) == "ioi"


def test_task_facts_default_to_absent(model, tokens):
    task = Task("t", model, tokens, tokens)
    assert task.answers is None and not task.negatives_keep_output
    assert task.head_owner is None and task.token_values is None and task.tokenizer_name is None
    assert task.metadata == {}


def test_answers_validate_their_tokens():
    ok = Answers(correct=torch.tensor([1, 2]), wrong=torch.tensor([3, 4]))
    assert ok.correct.tolist() == [1, 2]
    with pytest.raises(TypeError, match="LongTensor"):
        Answers(correct=torch.zeros(2), wrong=torch.tensor([3, 4]))
    with pytest.raises(TypeError, match="LongTensor"):
        Answers(correct=[1, 2], wrong=torch.tensor([3, 4]))
    with pytest.raises(ValueError, match=r"expected \[N_pos\]"):
        Answers(correct=torch.tensor([[1, 2]]), wrong=torch.tensor([[3, 4]]))
    with pytest.raises(ValueError, match="one of each per positive"):
        Answers(correct=torch.tensor([1, 2]), wrong=torch.tensor([3]))


def test_task_checks_its_facts_against_model_and_prompts(model, tokens):
    n_pos = tokens.shape[0]
    answers = Answers(correct=torch.arange(n_pos), wrong=torch.arange(n_pos) + 1)
    task = Task("t", model, tokens, tokens, answers=answers)
    assert task.answers is answers
    with pytest.raises(ValueError, match="one correct and one wrong token per positive"):
        Task("t", model, tokens, tokens, answers=Answers(answers.correct[:3], answers.wrong[:3]))
    out_of_range = r"answers.wrong hold token ids from 21 to 27, outside \[0, 20\)"
    with pytest.raises(ValueError, match=out_of_range):
        Task("t", model, tokens, tokens, answers=Answers(answers.correct, answers.wrong + 20))
    with pytest.raises(TypeError, match="Answers"):
        Task("t", model, tokens, tokens, answers=(answers.correct, answers.wrong))
    owners = (("a", "random", ""), ("a", "a", "b"))
    assert Task("t", model, tokens, tokens, head_owner=owners).head_owner[0][1] == "random"
    with pytest.raises(ValueError, match="one owner per head"):
        Task("t", model, tokens, tokens, head_owner=owners[:1])
    with pytest.raises(ValueError, match="one owner per head"):
        Task("t", model, tokens, tokens, head_owner=(("a",) * 3, ("a",) * 2))
    values = tuple(f"v{i}" for i in range(20))
    assert Task("t", model, tokens, tokens, token_values=values).token_values[3] == "v3"
    with pytest.raises(ValueError, match="one value per token id"):
        Task("t", model, tokens, tokens, token_values=values[:-1])


def test_softmax_is_stable():
    p = softmax(np.array([1000.0, 1000.0, 0.0]))
    assert np.isfinite(p).all() and math.isclose(p.sum(), 1.0)


def test_provenance_belongs_to_pretrained_and_reaches_every_record(model, tokens):
    task = Task("t", model, tokens, tokens, model_source="pretrained", provenance=PROVENANCE)
    assert task.provenance is PROVENANCE
    assert Task("t", model, tokens, tokens, model_source="pretrained").provenance is None
    with pytest.raises(ValueError, match="belongs to model_source='pretrained'"):
        Task("t", model, tokens, tokens, model_source="random", provenance=PROVENANCE)
    with pytest.raises(TypeError, match="ModelProvenance"):
        Task("t", model, tokens, tokens, model_source="pretrained",
             provenance=PROVENANCE.to_dict())  # fmt: skip
    scores = HeadScores("m", "t", np.zeros((2, 3)), None, 0.0, "pretrained",
                        provenance=PROVENANCE)  # fmt: skip
    record = scores.to_dict()["provenance"]
    assert list(record["weights"]) == [{"name": "model.safetensors", "sha256": "a" * 64}]
    assert (record["repo_id"], record["tokenizer_repo"]) == ("openai-community/gpt2",) * 2
    assert HeadScores("m", "t", np.zeros((2, 3)), None, 0.0, "random").to_dict()[
        "provenance"] is None
    with pytest.raises(ValueError, match="belongs to model_source='pretrained'"):
        HeadScores("m", "t", np.zeros((2, 3)), None, 0.0, "random", provenance=PROVENANCE)
    assert "openai-community/gpt2@" + "c" * 40 in PROVENANCE.summary()
    assert "model.safetensors sha256 " + "a" * 64 in PROVENANCE.summary()
