import pytest
import torch

import sae_core
from sae_core.tasks.induction_models import BOS_IDS, induction_prompts


def test_prompts_repeat_on_positives_only():
    pos, neg, answer, wrong = induction_prompts(20, 6, bos_id=7, seed=1)
    assert pos.shape == neg.shape == (20, 12)
    assert (pos[:, 0] == 7).all() and (neg[:, 0] == 7).all()
    torch.testing.assert_close(pos[:, 7:], pos[:, 1:6])  # second copy = first copy
    assert (answer == pos[:, 6]).all()  # the token induction predicts next
    for row in neg:
        assert len(set(row[1:].tolist())) == 11  # no token repeats in a negative
    assert (answer != wrong).all()
    again = induction_prompts(20, 6, bos_id=7, seed=1)
    assert all(torch.equal(a, b) for a, b in zip(again, (pos, neg, answer, wrong), strict=True))


def test_bad_sizes():
    with pytest.raises(ValueError, match="half_len"):
        induction_prompts(3, 1, bos_id=0, seed=0)


@pytest.mark.parametrize("model_key", sorted(BOS_IDS))
def test_stand_in_tasks_build_and_run(model_key):
    task = sae_core.load_task(f"induction-{model_key}", model_source="random", n_examples=4,
                              half_len=4)
    assert task.is_stand_in and "random-weight stand-in" in task.label
    assert task.ground_truth is None
    with torch.no_grad():
        logits = task.model(task.positive[:2])
    assert logits.shape[:2] == (2, 8)
