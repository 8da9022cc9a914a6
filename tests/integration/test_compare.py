"""compare() on a small embedded task, its writers, plots and the CLI command."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

from sae_core.cli import main
from sae_core.config import SAEConfig
from sae_core.experiments.compare import (
    METRICS,
    compare,
    method_configs,
    paper_table,
    summarize,
    to_markdown,
    write_csv,
    write_json,
    write_markdown,
)
from sae_core.methods.config import ACDCConfig, HISPConfig, SAEMethodConfig
from sae_core.plots.compare import plot_auc_by_method, plot_auc_vs_time
from sae_core.types import GroundTruth, HeadScores, Task
from tests.conftest import tiny_model

FAST_SAE = SAEMethodConfig(sae=SAEConfig(n_features=32, steps=30, device="cpu"))


@pytest.fixture(scope="module")
def table():
    return compare(
        ["induction-toy"], methods=["sae", "hisp", "eap"], seeds=(0, 1),
        task_options={"n_examples": 40}, progress=False, configs={"sae": FAST_SAE},
    )


def test_one_row_per_task_and_method(table):
    assert list(table["method"]) == ["sae", "hisp", "eap"]
    assert set(table["task"]) == {"induction-toy"}
    for metric in METRICS:
        assert f"{metric}_mean" in table and f"{metric}_sd" in table
    by_method = table.set_index("method")
    assert by_method.loc["sae", "n_seeds"] == 2 and by_method.loc["hisp", "n_seeds"] == 1
    assert math.isnan(by_method.loc["hisp", "node_auc_sd"])
    assert math.isnan(by_method.loc["hisp", "edge_auc_mean"])  # node-only method
    assert by_method.loc["eap", "edge_auc_mean"] > 0.5
    assert (table["seconds"] > 0).all() and (table["model_source"] == "trained").all()
    assert not table["label"].str.contains("stand-in").any()


def test_writers_round_trip(table, tmp_path):
    md = to_markdown(table)
    assert md.startswith("| task") and "induction-toy" in md and "±" in md
    write_markdown(table, tmp_path / "t.md", title="# t")
    assert (tmp_path / "t.md").read_text().startswith("# t")
    back = pd.read_csv(write_csv(table, tmp_path / "t.csv"))
    assert list(back["method"]) == list(table["method"])
    payload = json.loads(write_json(table, tmp_path / "t.json", note="x").read_text())
    assert payload["note"] == "x" and len(payload["rows"]) == 3 and payload["version"]


def test_plots_are_figures_and_mark_stand_ins(table):
    fig = plot_auc_by_method(table)
    assert "stand-in" not in fig.axes[0].get_title()
    stand_in = table.assign(model_source="random", task="ioi")
    assert "random-weight stand-in" in plot_auc_by_method(stand_in).axes[0].get_title()
    fig = plot_auc_vs_time(stand_in)
    assert fig.axes[0].get_xscale() == "log"
    assert "random-weight stand-in" in fig.axes[0].get_title()


def test_stand_in_rows_are_labelled():
    prompts = torch.ones(2, 3, dtype=torch.long)
    task = Task("tiny", tiny_model(), prompts, prompts,
                ground_truth=GroundTruth(heads={(0, 0)}), model_source="random")
    run = HeadScores("hisp", "tiny", np.arange(6.0).reshape(2, 3), None, 0.1, "random",
                     selected=np.eye(2, 3, dtype=bool))
    row = summarize(task, "hisp", [run])
    assert row["label"] == "tiny (random-weight stand-in)"


def test_paper_numbers_table():
    paper = paper_table()
    assert set(paper.index) == {"ioi", "greater-than", "docstring"}
    assert paper.loc["ioi", "acdc"] == "0.64"


def test_cli_compare_prints_the_table_and_writes_files(tmp_path, capsys):
    out_json, out_csv = tmp_path / "c.json", tmp_path / "c.csv"
    code = main(["compare", "induction-toy", "--methods", "hisp", "eap", "--seeds", "1",
                 "--n-examples", "30", "--json", str(out_json), "--csv", str(out_csv),
                 "--set", "eap.n_prompts=5", "--set", "eap.separate_qkv=false"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "| task" in printed and "hisp" in printed and "eap" in printed
    written = json.loads(out_json.read_text())
    assert len(written["rows"]) == 2
    assert written["settings"] == ["eap.n_prompts=5", "eap.separate_qkv=false"]
    eap_config = written["rows"][1]["config"]
    assert eap_config["n_prompts"] == 5 and eap_config["separate_qkv"] is False
    assert out_csv.read_text().startswith("task,")


def test_cli_compare_unknown_method_is_a_clear_error(capsys):
    assert main(["compare", "induction-toy", "--methods", "nope"]) == 2
    assert "unknown method" in capsys.readouterr().err


def test_method_configs_from_settings():
    configs = method_configs(["acdc.taus=1e-3", "acdc.separate_qkv=False", "hisp.n_prompts=8",
                              "acdc.corrupt=resample"])
    assert configs["acdc"] == ACDCConfig(taus=(1e-3,), separate_qkv=False, corrupt="resample")
    assert configs["hisp"] == HISPConfig(n_prompts=8)
    assert method_configs(["acdc.taus=(1e-3, 1e-2)"])["acdc"].taus == (1e-3, 1e-2)
    with pytest.raises(ValueError, match="METHOD.FIELD=VALUE"):
        method_configs(["acdc=1"])
    with pytest.raises(ValueError, match="its settings: .*taus"):
        method_configs(["acdc.tau=1"])
    with pytest.raises(KeyError, match="unknown method"):
        method_configs(["nope.x=1"])


def test_cli_compare_bad_setting_is_a_clear_error(capsys):
    assert main(["compare", "induction-toy", "--set", "eap.nope=1"]) == 2
    assert "no setting" in capsys.readouterr().err


def test_cache_keeps_rows_and_reuses_them(tmp_path, monkeypatch):
    kwargs = dict(methods=["hisp", "sae"], seeds=(0,), task_options={"n_examples": 30},
                  progress=False, configs={"sae": FAST_SAE}, cache_dir=tmp_path)
    first = compare(["induction-toy"], **kwargs)
    assert not first["cached"].any() and len(list(tmp_path.glob("*.json"))) == 2

    import sae_core.experiments.compare as compare_module

    def no_task(*args, **kwargs):
        raise AssertionError("a cached row must not rebuild its task")

    monkeypatch.setattr(compare_module, "load_compare_task", no_task)
    again = compare(["induction-toy"], **kwargs)
    assert again["cached"].all()
    for column in ("node_auc_mean", "seconds", "measured"):
        assert list(again[column]) == list(first[column])
    assert math.isnan(again.set_index("method").loc["hisp", "edge_auc_mean"])
    # another config is another row: it is computed, not read back
    with pytest.raises(AssertionError, match="must not rebuild"):
        compare(["induction-toy"], **{**kwargs, "configs": {"hisp": HISPConfig(n_prompts=7)}})
