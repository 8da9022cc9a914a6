"""figures/README.md lists every registered figure, with the settings and model source
that figures/PROVENANCE records for the committed PNG."""

from __future__ import annotations

import json
from pathlib import Path

from sae_core.figure_builders import FIGURES

FIGURES_DIR = Path(__file__).resolve().parents[3] / "figures"


def _rows() -> dict[str, list[str]]:
    rows = {}
    for line in (FIGURES_DIR / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and cells[0].endswith(".png`"):
            rows[cells[0].strip("`").removesuffix(".png")] = cells
    return rows


def test_every_registered_figure_is_listed_once_with_its_command():
    rows = _rows()
    assert sorted(rows) == sorted(FIGURES.names())
    for name, cells in rows.items():
        assert cells[1] == FIGURES.get(name).description
        assert cells[2] == f"`sae-core figures {name}`"


def test_settings_and_model_source_match_provenance():
    provenance = json.loads((FIGURES_DIR / "PROVENANCE").read_text())
    for name, cells in _rows().items():
        record = provenance[name]
        assert cells[3] == ("`--fast`" if record["fast"] else "full"), name
        assert cells[4] == record["model_source"], name
        assert (FIGURES_DIR / record["file"]).is_file(), record["file"]
