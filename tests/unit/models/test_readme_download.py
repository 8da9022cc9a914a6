"""The README's download commands ask for exactly the repositories and files the loader reads."""

from __future__ import annotations

import fnmatch
import shlex
from pathlib import Path

from sae_core.models import pretrained
from sae_core.tasks import induction_models

README = Path(__file__).parents[3] / "README.md"
PRETRAINED_TASK_MODELS = ("gpt2", "attn-only-4l", *induction_models.MODELS.values())
"""The models a pretrained task loads: ioi and greater-than (gpt2), docstring
(attn-only-4l) and the cross-model induction tasks."""


def readme_downloads(text: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """``{repo_id: (files, include patterns)}`` of each ``huggingface-cli download`` line."""
    asked = {}
    for line in text.splitlines():
        if not line.startswith("huggingface-cli download "):
            continue
        words = shlex.split(line.split("#")[0])
        repo, rest = words[2], words[3:]
        cut = rest.index("--include") if "--include" in rest else len(rest)
        assert repo not in asked, f"{repo} is downloaded twice in README.md"
        asked[repo] = (tuple(rest[:cut]), tuple(rest[cut + 1 :]))
    return asked


def test_readme_asks_for_every_repo_the_loader_reads_and_no_other():
    asked = readme_downloads(README.read_text())
    wanted = {pretrained.HF_REPOS[m][0] for m in PRETRAINED_TASK_MODELS}
    wanted |= {pretrained.TOKENIZER_REPOS[m] for m in PRETRAINED_TASK_MODELS
               if m in pretrained.TOKENIZER_REPOS}  # fmt: skip
    assert set(asked) == wanted


def test_readme_asks_for_the_files_the_loader_reads():
    asked = readme_downloads(README.read_text())
    tokenizer_files = set(pretrained._OTHER_TOKENIZER_FILES)
    for name in PRETRAINED_TASK_MODELS:
        files, include = asked[pretrained.HF_REPOS[name][0]]
        if pretrained._is_neel(name):  # TransformerLens reads config.json and *final.pth
            assert not files and set(include) == {"config.json", "*final.pth"}
            assert fnmatch.fnmatch("model_final.pth", include[1])
            continue
        assert not include
        weights = [f for f in files if f in pretrained._HF_WEIGHT_FILES]
        assert len(weights) == 1, (name, files)
        assert "config.json" in files
        assert set(pretrained.TOKENIZER_FILES[name]) <= set(files), name
        assert set(files) <= {"config.json", *weights, *tokenizer_files}, name
    for tokenizer_repo in pretrained.TOKENIZER_REPOS.values():
        assert asked[tokenizer_repo] == ((), ())  # a tokenizer-only repository, whole
