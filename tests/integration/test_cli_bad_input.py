"""Wrong input on the command line: each fails at once, names the argument and the fix,
exits with code 2 and runs nothing (the functions that build or run anything fail the
test if called)."""

from __future__ import annotations

import os

import pytest
import torch

import sae_core.experiments.compare
import sae_core.experiments.demo
import sae_core.figure_builders
import sae_core.tasks
from sae_core.cli import main


@pytest.fixture(autouse=True)
def nothing_runs(monkeypatch):
    """Every entry into real work fails the test."""

    def must_not_run(*args, **kwargs):
        raise AssertionError("work started before the bad argument was reported")

    monkeypatch.setattr(sae_core.tasks, "load_task", must_not_run)
    monkeypatch.setattr(sae_core.experiments.demo, "run_tasks", must_not_run)
    monkeypatch.setattr(sae_core.experiments.demo, "run_verdict", must_not_run)
    monkeypatch.setattr(sae_core.experiments.compare, "compare", must_not_run)
    monkeypatch.setattr(sae_core.figure_builders, "regenerate", must_not_run)


def usage_error(argv, capsys) -> str:
    """argparse's rejection: exit code 2, the message on stderr."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def our_error(argv, capsys) -> str:
    """The package's rejection: exit code 2, ``sae-core: error: ...``, no traceback."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("sae-core: error: ") and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "argv, flag, fix",
    [
        (["discover", "induction-toy", "--n-examples", "0"], "--n-examples", "at least 1"),
        (["discover", "induction-toy", "--n-examples", "2.5"], "--n-examples", "whole number"),
        (["discover", "induction-toy", "--seed", "-1"], "--seed", "at least 0"),
        (["discover", "induction-toy", "--seed", "abc"], "--seed", "whole number"),
        (["discover", "induction-toy", "--steps", "0"], "--steps", "at least 1"),
        (["discover", "induction-toy", "--n-features", "-3"], "--n-features", "at least 1"),
        (["discover", "induction-toy", "--l1", "nan"], "--l1", "finite number >= 0"),
        (["discover", "induction-toy", "--l1", "inf"], "--l1", "finite number >= 0"),
        (["discover", "induction-toy", "--l1", "-0.1"], "--l1", "finite number >= 0"),
        (["discover", "induction-toy", "--pooling", "max"], "--pooling", "choose from"),
        (["demo", "--seeds", "0"], "--seeds", "at least 1"),
        (["compare", "tracr-sort", "--seeds", "-2"], "--seeds", "at least 1"),
        (["compare", "tracr-sort", "--n-examples", "0"], "--n-examples", "at least 1"),
        (["figures", "--seeds", "0"], "--seeds", "at least 1"),
    ],
)
def test_bad_numbers_and_choices(argv, flag, fix, capsys):
    err = usage_error(argv, capsys)
    assert f"argument {flag}" in err and fix in err


def test_too_few_prompts_for_the_training_split(capsys):
    err = our_error(["discover", "induction-toy", "--n-examples", "10"], capsys)
    assert "--n-examples 10" in err and "at least 11" in err
    err = our_error(["compare", "induction-toy", "--methods", "sae", "--n-examples", "3"], capsys)
    assert "at least 11" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["discover", "no-such-task"],
        ["demo", "--tasks", "tracr-sort", "no-such-task"],
        ["compare", "tracr-sort", "no-such-task"],
    ],
)
def test_unknown_task(argv, capsys):
    err = our_error(argv, capsys)
    assert "unknown task 'no-such-task'" in err and "tracr-sort" in err


def test_unknown_method_setting_and_figure(capsys):
    err = our_error(["compare", "tracr-sort", "--methods", "sae", "nope"], capsys)
    assert "unknown method 'nope'" in err and "acdc" in err
    assert "acdc" in our_error(["compare", "tracr-sort", "--set", "acdc.no_such=1"], capsys)
    err = our_error(["figures", "no_such_figure"], capsys)
    assert "no_such_figure" in err and "demo_auc" in err


def _bad_paths(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    return {
        "an existing directory": (tmp_path, "it is an existing directory"),
        "a path under a file": (a_file / "out.json", f"{a_file} is a file, not a folder"),
        "an unwritable folder": ("/proc/sae-core-test/out.json", "no file can be made in /proc"),
    }


@pytest.mark.parametrize("kind", ["an existing directory", "a path under a file",
                                  "an unwritable folder"])
@pytest.mark.parametrize(
    "command, flag",
    [
        (["discover", "induction-toy"], "--json"),
        (["demo", "--tasks", "induction-toy"], "--json"),
        (["demo", "--tasks", "induction-toy"], "--figure"),
        (["compare", "induction-toy"], "--json"),
        (["compare", "induction-toy"], "--csv"),
    ],
)
def test_output_path_that_cannot_be_written(command, flag, kind, tmp_path, capsys):
    path, reason = _bad_paths(tmp_path)[kind]
    err = our_error([*command, flag, str(path)], capsys)
    assert f"cannot write the {flag} file to {path}: {reason}" in err and "another path" in err
    assert sorted(os.listdir(tmp_path)) == ["a_file"]  # nothing written


def test_output_folders_that_cannot_be_written(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    err = our_error(["demo", "--tasks", "induction-toy", "--out", str(a_file / "sub")], capsys)
    assert f"{a_file} is a file, not a folder" in err
    err = our_error(["figures", "--out", str(a_file)], capsys)
    assert f"cannot write the --out folder to {a_file}" in err
    err = our_error(["compare", "induction-toy", "--cache", "/proc/sae-core-cache"], capsys)
    assert "--cache folder" in err and "no file can be made in /proc" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda(capsys):
    err = our_error(["discover", "induction-toy", "--device", "cuda"], capsys)
    assert "--device cuda" in err and "CUDA is not available" in err


def test_a_bug_keeps_its_traceback(monkeypatch):
    """An error raised outside the package is not dressed up as a usage error."""

    def buggy(args):
        return int("not a number")  # ValueError raised by Python, not by sae_core

    monkeypatch.setattr("sae_core.cli.cmd_tasks", buggy)
    with pytest.raises(ValueError, match="invalid literal"):
        main(["tasks"])
