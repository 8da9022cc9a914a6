"""Pretrained GPT-2 gives the same numbers on every TransformerLens version.

The fixture GPT-2 (``tests/integration/conftest.py``: random weights from seed 0, narrow
config, real tokenizer) loads through ``HookedTransformer`` on TransformerLens < 4 and
through ``TransformerBridge`` (compatibility mode) on 4.x. Golden numbers recorded with
TransformerLens 3.9.0, transformers 5.24.0, torch 2.13.0 (CPU); the bridge (4.3.0) agreed
to every printed digit. Tolerance 1e-6 absolute (float32 rounding of a different kernel
order is ~1e-7 here).
"""

from __future__ import annotations

import torch

from sae_core import hooks
from sae_core.compat import has_hooked_transformer
from sae_core.models import pretrained

TOKENS = torch.tensor([[50256, 464, 3290, 318, 257, 1332], [50256, 40, 588, 340, 13, 198]])
LAST_LOGITS = [
    [-0.03702627494931221, 0.3477867841720581, 0.07642808556556702, -0.11378371715545654],
    [-0.12369167804718018, 0.3305768668651581, 0.04791947454214096, -0.13936875760555267],
]
HEAD_3_OUTPUT = [0.0010998653015121818, -0.00024650077102705836, -0.00016195574426092207]


def test_gpt2_logits_and_head_outputs_match_the_golden_numbers(hub_home):
    model, _ = pretrained.load_pretrained("gpt2")
    expected_type = "HookedTransformer" if has_hooked_transformer() else "TransformerBridge"
    assert type(model).__name__ == expected_type
    with torch.no_grad():
        logits = model(TOKENS)
        heads = hooks.head_outputs(model, TOKENS, batch_size=2)
    torch.testing.assert_close(logits[:, -1, :4], torch.tensor(LAST_LOGITS), atol=1e-6, rtol=0)
    assert heads.shape == (2, 144, 48)
    torch.testing.assert_close(heads[0, 3, :3], torch.tensor(HEAD_3_OUTPUT), atol=1e-7, rtol=0)


def test_gpt2_hook_points_have_hooked_transformer_shapes(hub_home):
    model, _ = pretrained.load_pretrained("gpt2")
    names = [hooks.hook_name(1, "z"), hooks.hook_name(1, "result"), hooks.hook_name(2, "k_input")]
    with torch.no_grad():
        cache = hooks.cache_activations(model, TOKENS, names)
        resid = model(TOKENS, stop_at_layer=2)
    assert cache[names[0]].shape == (2, 6, 12, 4)
    assert cache[names[1]].shape == (2, 6, 12, 48)
    assert cache[names[2]].shape == (2, 6, 12, 48)
    assert resid.shape == (2, 6, 48)  # stop_at_layer returns the residual stream
