"""The sae-core command line, as a user runs it."""

import json
import os
import re

import pytest

import sae_core.records
from sae_core.cli import main


def test_tasks_prints_a_table_without_building_a_task(capsys, monkeypatch):
    def must_not_build(*args, **kwargs):
        raise AssertionError("`sae-core tasks` built a task")

    monkeypatch.setattr("sae_core.tasks.load_task", must_not_build)
    assert main(["tasks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:5] == ["task", "model", "heads", "truth", "weights"]
    rows = {line.split()[0]: line for line in lines[1:] if line.strip()}
    assert {"induction-toy", "tracr-sort", "tracr-scalable", "ioi"} <= set(rows)
    assert " 2x4 " in rows["induction-toy"] and "not needed" in rows["induction-toy"]
    assert " 12x12 " in rows["ioi"] and ("present" in rows["ioi"] or "missing" in rows["ioi"])


@pytest.mark.parametrize("name", ["tracr-reverse", "tracr-sort", "tracr-frac_prevs",
                                  "tracr-hist", "tracr-sort_freq", "tracr-scalable",
                                  "induction-toy"])
def test_task_info_matches_the_built_task(name):
    """What `sae-core tasks` says without building a task is what building it gives."""
    from sae_core.tasks import load_task, task_info

    info, task = task_info(name), load_task(name, n_examples=2)
    assert (info.n_layers, info.n_heads) == (task.n_layers, task.n_heads)
    assert not info.pretrained and task.model_source in ("compiled", "trained")


def test_discover_writes_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(["discover", "induction-toy", "--seed", "1", "--steps", "20",
                 "--n-features", "32", "--n-examples", "40", "--json", str(out)])
    assert code == 0
    payload = json.loads(out.read_text())
    for key in ("task", "node_scores", "node_auc", "edge_auc", "timings", "model_source",
                "config", "seed", "version"):
        assert key in payload, key
    assert payload["seed"] == 1 and payload["model_source"] == "trained"
    assert payload["config"]["steps"] == 20
    assert len(payload["node_scores"]) == 2 and len(payload["node_scores"][0]) == 4
    printed = capsys.readouterr().out
    assert "node AUC" in printed
    counts = [int(n) for n in re.findall(r"(\d+) (?:blind|unresolved|found)",
                                         payload["contrast_response"])]
    assert sum(counts) == 2 * 4  # every head once, circuit or outside
    assert "contrast response (heads): circuit" in printed


def test_unknown_task_names_the_choices(capsys):
    assert main(["discover", "no-such-task"]) == 2
    err = capsys.readouterr().err
    assert "unknown task" in err and "tracr-sort" in err


def test_wrong_model_source_is_a_clear_error(capsys):
    assert main(["discover", "induction-toy", "--model-source", "pretrained"]) == 2
    assert "trained" in capsys.readouterr().err


def test_bad_option_exits_with_usage():
    with pytest.raises(SystemExit):
        main(["discover", "induction-toy", "--pooling", "max"])


def test_demo_writes_into_its_results_folder(tmp_path, capsys):
    code = main(["demo", "--tasks", "induction-toy", "--methods", "sae", "--seeds", "1",
                 "--steps", "5", "--n-features", "16", "--out", str(tmp_path / "out")])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "demo.json", "demo_verdict.png"]
    assert f"wrote {tmp_path / 'out' / 'demo_verdict.png'}" in capsys.readouterr().out


def test_demo_on_one_task_beside_a_baseline(tmp_path, capsys):
    fig, js = tmp_path / "f.png", tmp_path / "d.json"
    code = main(["demo", "--tasks", "induction-toy", "--methods", "sae", "hisp", "--seeds", "2",
                 "--steps", "20", "--n-features", "32", "--figure", str(fig), "--json", str(js)])
    assert code == 0 and fig.stat().st_size > 0
    rows = json.loads(js.read_text())["rows"]
    assert [(r["task"], r["method"], r["n_seeds"]) for r in rows] == [
        ("induction-toy", "sae", 2), ("induction-toy", "hisp", 1)]
    out = capsys.readouterr().out
    assert "| induction-toy | own | 2x4 |" in out
    assert re.search(r"own negatives\s+hisp\s+\d\.\d{3}", out)


def test_results_survive_a_failing_final_write(tmp_path, monkeypatch, capsys):
    """The JSON path passes the check but its write fails at the end: the result lands in
    ./sae-core-results-*.json and the command says where (exit code 1)."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "r.json"
    real_write = sae_core.records.write_json_atomic

    def failing_at_target(path, payload):
        if os.path.abspath(path) == str(target):
            raise PermissionError(13, "Permission denied", str(path))
        return real_write(path, payload)

    monkeypatch.setattr(sae_core.records, "write_json_atomic", failing_at_target)
    code = main(["discover", "induction-toy", "--steps", "5", "--n-features", "16",
                 "--n-examples", "20", "--json", str(target)])
    assert code == 1 and not target.exists()
    (saved,) = tmp_path.glob("sae-core-results-*.json")
    err = capsys.readouterr().err
    assert f"could not write {target}" in err and str(saved.name) in err
    assert json.loads(saved.read_text())["model_source"] == "trained"
