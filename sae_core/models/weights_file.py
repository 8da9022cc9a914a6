"""Trained weights on disk: a model's parameters (float32 safetensors) with its training
record, written atomically, and read back into a freshly built model of the same config."""

from __future__ import annotations

from pathlib import Path

import torch

from sae_core.records import atomic_path


def save_parameters(model, out: str | Path, metadata: dict[str, str]) -> Path:
    """Write ``model``'s parameters (float32; buffers come from the config) and
    ``metadata`` (text: the training record) to ``out`` atomically."""
    from safetensors.torch import save_file

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    params = {
        name: p.detach().to(torch.float32).contiguous() for name, p in model.named_parameters()
    }
    with atomic_path(out) as tmp:
        save_file(params, str(tmp), metadata={**metadata, "torch": torch.__version__})
    return out


def load_parameters(model, path: str | Path, what: str, regenerate: str):
    """``model`` (built from the config the file was trained with) with the parameters of
    ``path``, in eval mode. A ValueError naming ``what`` and the ``regenerate`` command
    where the file's tensors do not match the model's parameters."""
    from safetensors.torch import load_file

    params = load_file(str(path))
    state = model.state_dict()  # buffers (masks) come from the config, not the file
    unknown = sorted(set(params) - set(state))
    missing = sorted(name for name, _ in model.named_parameters() if name not in params)
    if unknown or missing:
        raise ValueError(
            f"weights file does not match the {what} config: unknown {unknown}, missing "
            f"{missing}; regenerate it with `{regenerate}`"
        )
    state.update({name: t.to(torch.float32) for name, t in params.items()})
    model.load_state_dict(state)
    model.eval()
    return model
