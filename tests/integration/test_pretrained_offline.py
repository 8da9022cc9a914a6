"""The pretrained path as users take it, offline, on a hub cache built at test time.

The cache (``tests/integration/conftest.py``) holds GPT-2 and attn-only-4l in the hub's
exact layout, random weights in narrow configs, GPT-2's real tokenizer rebuilt from its
BPE ranks. Each test points ``HF_HOME`` at a cache after the Hugging Face libraries were
imported (they fix their own cache location at import), under ``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

import fnmatch
import itertools
import json

import huggingface_hub.constants as hub_constants
import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, GPT2TokenizerFast

import sae_core
from sae_core import SAEConfig
from sae_core.cli import main
from sae_core.compat import has_hooked_transformer
from sae_core.models import pretrained
from sae_core.models.hub import HubCacheError, sha256_file
from sae_core.models.tokenizers import gpt2_tiktoken
from sae_core.tasks import docstring, greater_than, ioi
from tests.fixtures.hub_cache import read_ranks, write_repo
from tests.integration.conftest import ATTN_ONLY_REPO, NEOX_DIGITS_REPO

needs_hooked_transformer = pytest.mark.skipif(
    not has_hooked_transformer(),
    reason="TransformerLens >= 4 has no HookedTransformer.from_pretrained to compare against, "
    "and its loader refuses attn-only-4l's shortformer positions (the main environment, "
    "TransformerLens 3.x, runs these)",
)

TINY = SAEConfig(n_features=16, steps=20, n_train=4, device="cpu")
N_PAPER_PROMPTS = 250  # every builder's default n_examples


# ---- the fixture itself ---------------------------------------------------------------


def paper_texts(tasks=(ioi, greater_than, docstring), *, words: bool = True) -> list[str]:
    """Every text the paper's prompt-pair tasks tokenize with their default settings
    (prompts, answers of the first 250 pairs of seeds 0-2) and, with ``words``, every word
    and year they draw, with and without a leading space."""
    pair_gens = {ioi: ioi.ioi_pairs, greater_than: greater_than.greater_than_pairs,
                 docstring: docstring.docstring_pairs}  # fmt: skip
    texts = []
    for task in tasks:
        for seed in range(3):
            for p in itertools.islice(pair_gens[task](seed), N_PAPER_PROMPTS):
                texts += [p.positive, p.negative, p.answer, p.wrong]
    if not words:
        return texts
    vocab = [*ioi.NAMES, *ioi.PLACES, *ioi.OBJECTS, *greater_than.NOUNS,
             *docstring.VARIABLE_NAMES, *docstring.DESCRIPTION_WORDS]  # fmt: skip
    texts += [w for word in vocab for w in (word, " " + word)]
    texts += [f"{yy:02d}" for yy in range(100)] + [f" {y}" for y in range(1200, 2000)]
    return texts


def test_tokenizer_rebuilt_from_ranks_equals_tiktoken(hub_home, bpe_file):
    snap = pretrained.find_cached_model("gpt2")[1]
    enc = gpt2_tiktoken(bpe_file)
    texts = paper_texts()
    expected = [enc.encode_ordinary(t) for t in texts]
    auto = AutoTokenizer.from_pretrained(str(snap))  # tokenizer.json
    assert auto(texts, add_special_tokens=False)["input_ids"] == expected
    # vocab.json + merges.txt alone: the recovered merges reproduce the BPE
    merges_only = GPT2TokenizerFast(str(snap / "vocab.json"), str(snap / "merges.txt"))
    assert merges_only(texts, add_special_tokens=False)["input_ids"] == expected
    assert len(auto) == 50257 and auto.bos_token_id == 50256
    n_merges = len((snap / "merges.txt").read_text().splitlines()) - 1
    assert n_merges == len(read_ranks(bpe_file)) - 256 == 50000


def test_attn_only_stand_in_tokenizer_matches_gpt2_on_docstring(hub_home, bpe_file):
    snap = pretrained.resolve_snapshot(NEOX_DIGITS_REPO, hub_home / "hub")
    tok = AutoTokenizer.from_pretrained(str(snap.path))
    enc = gpt2_tiktoken(bpe_file)
    texts = paper_texts((docstring,), words=False)  # its prompts and answers
    assert tok(texts, add_special_tokens=False)["input_ids"] == [
        enc.encode_ordinary(t) for t in texts
    ]
    assert len(tok) == 48262 and tok.bos_token_id == 48261


def test_hub_layout(hub_home):
    root = hub_home / "hub" / "models--gpt2"
    commit = (root / "refs" / "main").read_text()
    link = root / "snapshots" / commit / "model.safetensors"
    assert link.is_symlink() and not link.readlink().is_absolute()
    assert link.resolve().parent == (root / "blobs").resolve()
    assert link.resolve().name == sha256_file(link)  # LFS blobs are named by SHA-256
    config = json.loads((root / "snapshots" / commit / "config.json").read_text())
    assert config["n_ctx"] == config["n_positions"] and config["vocab_size"] == 50257


# ---- loading: equal to TransformerLens, provenance --------------------------------------


@needs_hooked_transformer
def test_load_equals_transformer_lens_from_pretrained(hub_home):
    from transformer_lens import HookedTransformer

    model, prov = pretrained.load_pretrained("gpt2")
    reference = HookedTransformer.from_pretrained(
        "gpt2", device="cpu", cache_dir=str(hub_home / "hub"), local_files_only=True,
        tokenizer=model.tokenizer,
    )  # fmt: skip
    ours, theirs = model.state_dict(), reference.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    assert vars(model.cfg) == vars(reference.cfg)
    assert not model.training


def test_provenance_names_every_file_read(hub_home):
    _, prov = pretrained.load_pretrained("gpt2")
    snap = hub_home / "hub" / "models--gpt2" / "snapshots" / prov.commit
    assert (prov.repo_id, prov.model) == ("gpt2", "gpt2")
    assert prov.commit == (hub_home / "hub" / "models--gpt2" / "refs" / "main").read_text()
    assert [w.name for w in prov.weights] == ["model.safetensors"]
    assert prov.weights[0].sha256 == sha256_file(snap / "model.safetensors")
    assert prov.tokenizer_repo == "gpt2"
    names = {f.name for f in prov.tokenizer_files}
    assert names == {"vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"}
    payload = json.loads(json.dumps(prov.to_dict()))
    assert payload["weights"][0]["sha256"] == prov.weights[0].sha256
    assert payload["config"]["name"] == "config.json"


def test_weights_report(hub_home):
    report = {s.model: s for s in pretrained.weights_report()}
    assert set(report) == set(pretrained.MODEL_NAMES)
    assert report["gpt2"].available and report["attn-only-4l"].available
    assert report["gpt2"].detail.endswith(report["gpt2"].provenance.commit)
    assert not report["pythia-160m"].available and "pythia-160m" in report["pythia-160m"].detail
    assert report["pythia-160m"].to_dict()["provenance"] is None
    json.dumps([s.to_dict() for s in report.values()])


# ---- the defects of issue 15 -------------------------------------------------------------


@pytest.mark.parametrize("repo", ["gpt2", "openai-community/gpt2"])
def test_both_cache_names_load(make_hub, gpt2_repo, repo):
    make_hub({repo: gpt2_repo})
    assert pretrained.default_model_source("gpt2") == "pretrained"
    task = sae_core.load_task("ioi", n_examples=4)
    assert task.model_source == "pretrained"
    assert task.model.cfg.n_layers == 12 and task.model.tokenizer is not None
    assert pretrained.load_pretrained("gpt2")[1].repo_id == repo


def test_snapshot_without_refs_main_is_not_available(make_hub, gpt2_repo):
    make_hub({"openai-community/gpt2": gpt2_repo}, ref=False)
    assert not pretrained.weights_available("gpt2")
    assert pretrained.default_model_source("gpt2") == "random"
    with pytest.raises(HubCacheError, match="no refs/main"):
        pretrained.load_model("gpt2")


def test_hf_home_set_after_import(make_hub, gpt2_repo):
    hub = make_hub({"gpt2": gpt2_repo}).parents[2]
    # the libraries fixed their cache location at import; ours follows the environment
    assert hub_constants.HF_HUB_CACHE != str(hub)
    assert pretrained.weights_available("gpt2")
    _, prov = pretrained.load_pretrained("gpt2")
    assert prov.cache == str(hub)


def _cli_error(capsys, task: str = "ioi") -> str:
    assert main(["discover", task, "--n-examples", "12", "--steps", "5"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_truncated_weights_name_the_file(make_hub, gpt2_repo, capsys):
    data = gpt2_repo["model.safetensors"]
    make_hub({"gpt2": {**gpt2_repo, "model.safetensors": data[: len(data) // 2]}})
    with pytest.raises(HubCacheError, match="model.safetensors of gpt2 is truncated") as err:
        pretrained.load_model("gpt2")
    assert "huggingface-cli download gpt2 model.safetensors" in str(err.value)
    assert "model.safetensors" in _cli_error(capsys)


def test_missing_tokenizer_file_names_the_file(make_hub, gpt2_repo, capsys):
    make_hub({"gpt2": {k: v for k, v in gpt2_repo.items() if k != "merges.txt"}})
    assert not pretrained.weights_available("gpt2")
    with pytest.raises(HubCacheError, match="merges.txt of gpt2 .* is missing") as err:
        pretrained.load_model("gpt2")
    assert "huggingface-cli download gpt2 merges.txt" in str(err.value)
    assert "merges.txt" in _cli_error(capsys)


def test_partial_download_names_the_file(make_hub, gpt2_repo, capsys):
    snap = make_hub({"gpt2": gpt2_repo})
    blob = (snap / "model.safetensors").resolve()
    (snap / "model.safetensors").unlink()  # the hub links a file only once it is complete
    blob.rename(blob.with_name(blob.name + ".incomplete"))
    assert not pretrained.weights_available("gpt2")
    with pytest.raises(HubCacheError, match="not downloaded completely") as err:
        pretrained.load_model("gpt2")
    assert "model.safetensors" in str(err.value) and ".incomplete" in str(err.value)
    assert "model.safetensors" in _cli_error(capsys)


def test_missing_attn_only_tokenizer_repo(make_hub, attn_only_repos):
    make_hub({ATTN_ONLY_REPO: attn_only_repos[ATTN_ONLY_REPO]})
    assert not pretrained.weights_available("attn-only-4l")
    with pytest.raises(HubCacheError, match=NEOX_DIGITS_REPO):
        pretrained.load_model("attn-only-4l")


# ---- end to end through the public API ---------------------------------------------------


@pytest.mark.parametrize("task_name", [
    "ioi", "greater-than", pytest.param("docstring", marks=needs_hooked_transformer)])
def test_paper_task_end_to_end(hub_home, task_name):
    model_name = {"docstring": "attn-only-4l"}.get(task_name, "gpt2")
    assert pretrained.default_model_source(model_name) == "pretrained"
    task = sae_core.load_task(task_name, n_examples=8)
    assert task.model_source == "pretrained" and task.tokenizer_name.startswith("hf:")
    assert task.positive.shape == task.negative.shape and task.positive.shape[0] == 8
    found = sae_core.discover(task, TINY, seed=0)
    assert found.node_scores.shape == (task.model.cfg.n_layers, task.model.cfg.n_heads)
    result = sae_core.evaluate(found, task.ground_truth)
    assert 0.0 <= result["node_auc"] <= 1.0
    faith = sae_core.faithfulness(task, sorted(task.ground_truth.heads), n_random=1)
    assert np.isfinite(faith.circuit) and np.isfinite(faith.clean)


def test_different_snapshot_files_give_different_provenance(make_hub, gpt2_repo, tmp_path):
    make_hub({"gpt2": gpt2_repo})
    first = pretrained.cached_provenance("gpt2")
    other = dict(gpt2_repo, **{"generation_config.json": b"{}"})
    write_repo(tmp_path / "hub", "gpt2", other)  # a new commit; refs/main now names it
    second = pretrained.cached_provenance("gpt2")
    assert first.commit != second.commit and first.weights == second.weights


def test_cli_discovers_on_the_cached_checkpoint(hub_home, tmp_path, capsys):
    out = tmp_path / "ioi.json"
    code = main(["discover", "ioi", "--n-examples", "8", "--n-train", "4", "--steps", "5",
                 "--n-features", "16", "--device", "cpu", "--json", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    payload = json.loads(out.read_text())
    assert payload["model_source"] == "pretrained" and payload["task"] == "ioi"
    prov = payload["provenance"]
    snap = hub_home / "hub" / "models--gpt2" / "snapshots" / prov["commit"]
    assert (prov["repo_id"], prov["tokenizer_repo"]) == ("gpt2", "gpt2")
    assert prov["weights"] == [
        {"name": "model.safetensors", "sha256": sha256_file(snap / "model.safetensors")}
    ]
    assert {f["name"] for f in prov["tokenizer_files"]} >= {"vocab.json", "merges.txt"}
    assert f"model: gpt2: pretrained gpt2@{prov['commit']}" in capsys.readouterr().out


@needs_hooked_transformer
def test_cli_prints_no_auc_where_the_json_has_none(hub_home, tmp_path, capsys):
    out = tmp_path / "docstring.json"
    code = main(["discover", "docstring", "--n-examples", "8", "--n-train", "4", "--steps",
                 "5", "--n-features", "16", "--device", "cpu", "--json", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    payload = json.loads(out.read_text())
    assert payload["edge_auc"] is None  # the paper's docstring truth has no edges
    assert payload["provenance"]["repo_id"] == ATTN_ONLY_REPO
    assert payload["provenance"]["tokenizer_repo"] == NEOX_DIGITS_REPO
    printed = capsys.readouterr().out
    assert "edge AUC n/a" in printed and "nan" not in printed


def test_tasks_and_results_carry_the_checkpoint_record(hub_home):
    task = sae_core.load_task("ioi", n_examples=8)
    assert task.provenance == pretrained.cached_provenance("gpt2")
    found = sae_core.discover(task, TINY, seed=0)
    assert found.provenance is task.provenance
    assert found.to_dict()["provenance"] == task.provenance.to_dict()
    random_task = sae_core.load_task("ioi", n_examples=4, model_source="random")
    assert random_task.provenance is None


# ---- sae-core weights --------------------------------------------------------------------


def test_weights_command_on_the_fixture_cache(hub_home, capsys):
    assert main(["weights"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == list(pretrained.MODEL_NAMES)
    by_model = dict(zip(pretrained.MODEL_NAMES, lines, strict=True))
    prov = pretrained.cached_provenance("gpt2")
    snap = hub_home / "hub" / "models--gpt2" / "snapshots" / prov.commit
    assert by_model["gpt2"].startswith(f"gpt2: present in {snap} (gpt2@{prov.commit}): ")
    assert f"model.safetensors sha256 {sha256_file(snap / 'model.safetensors')}" in (
        by_model["gpt2"]
    )
    assert by_model["attn-only-4l"].startswith("attn-only-4l: present in ")
    assert f"tokenizer {NEOX_DIGITS_REPO}@" in by_model["attn-only-4l"]
    assert by_model["pythia-160m"].startswith("pythia-160m: missing - ")
    assert "EleutherAI/pythia-160m" in by_model["pythia-160m"]


def test_weights_command_on_an_empty_cache(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    assert main(["weights"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(pretrained.MODEL_NAMES)
    for name, line in zip(pretrained.MODEL_NAMES, lines, strict=True):
        assert line.startswith(f"{name}: missing - no cached weights for {name!r}"), line
        assert str(tmp_path / "hub") in line


def test_readme_download_is_what_the_loader_records(hub_home):
    from tests.unit.models.test_readme_download import README, readme_downloads

    asked = readme_downloads(README.read_text())
    for name in ("gpt2", "attn-only-4l"):
        prov = pretrained.cached_provenance(name)
        files, include = asked[prov.repo_id]
        read = {prov.config.name, *(w.name for w in prov.weights)}
        if prov.tokenizer_repo == prov.repo_id:
            read |= {f.name for f in prov.tokenizer_files}
        if files:
            assert set(files) == read, name
        else:  # attn-only-4l: by pattern
            assert all(any(fnmatch.fnmatch(f, p) for p in include) for f in read), name


def test_paper_task_figure_records_the_checkpoint(hub_home, tmp_path, capsys):
    code = main(["figures", "ioi_node_heatmap", "--fast", "--model-source", "pretrained",
                 "--seeds", "1", "--device", "cpu", "--out", str(tmp_path)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    entry = json.loads((tmp_path / "PROVENANCE").read_text())["ioi_node_heatmap"]
    assert entry["model_source"] == "pretrained"
    assert entry["model_provenance"] == [
        json.loads(json.dumps(pretrained.cached_provenance("gpt2").to_dict()))
    ]
