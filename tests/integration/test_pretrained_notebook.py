"""A paper notebook (ioi) run end to end on the offline hub cache, as a user with GPT-2 runs it.

The notebook is executed in memory with nbclient (fast settings, ``HF_HOME`` at the fixture
cache, ``HF_HUB_OFFLINE=1``); the committed ``notebooks/ioi.ipynb`` is only read.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from sae_core.models import pretrained

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"


def _printed(nb: nbformat.NotebookNode) -> str:
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


@pytest.mark.slow
def test_ioi_notebook_runs_on_the_cached_checkpoint_and_prints_its_provenance(
    hub_home, monkeypatch
):
    monkeypatch.setenv("SAE_CORE_FAST", "1")
    prov = pretrained.cached_provenance("gpt2")
    committed = (NOTEBOOKS / "ioi.ipynb").read_bytes()
    nb = nbformat.read(NOTEBOOKS / "ioi.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()  # fmt: skip
    printed = _printed(nb)
    assert f"model: {prov.summary()}" in printed
    assert f"model.safetensors sha256 {prov.weights[0].sha256}" in printed
    assert "random-weight stand-in" not in printed
    assert (NOTEBOOKS / "ioi.ipynb").read_bytes() == committed
