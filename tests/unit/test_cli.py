"""The CLI without running a model: settings, help texts, start-up imports, README."""

import argparse
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sae_core
from sae_core.cli import _say_if_kernels_compile, build_parser, discover_config, main
from sae_core.config import SAEConfig
from sae_core.paper.settings import DEFAULT_SEEDS
from sae_core.tasks import available_tasks, task_info
from sae_core.version import __version__


def test_discover_uses_the_tasks_paper_settings():
    assert discover_config(build_parser().parse_args(["discover", "docstring"])).l1 == 0.05
    assert discover_config(build_parser().parse_args(["discover", "ioi"])).l1 == 0.02
    assert discover_config(build_parser().parse_args(["discover", "induction-toy"])) == SAEConfig()


def test_discover_flags_override_the_paper_settings():
    args = build_parser().parse_args(
        ["discover", "docstring", "--l1", "0.1", "--steps", "7", "--pooling", "last"]
    )
    config = discover_config(args)
    assert (config.l1, config.steps, config.pooling, config.n_features) == (0.1, 7, "last", 200)


def test_seed_counts_default_to_one_constant():
    parser = build_parser()
    for argv in (["figures"], ["compare", "ioi"]):
        assert parser.parse_args(argv).seeds == len(DEFAULT_SEEDS) == 5
    # the demo's default depends on --full (3 for the verdict, DEFAULT_SEEDS for the sweep)
    assert parser.parse_args(["demo"]).seeds is None


def _subparsers(parser):
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_every_option_and_positional_has_help_stating_its_default():
    for name, sub in _subparsers(build_parser()).items():
        for action in sub._actions:
            if action.dest == "help":
                continue
            assert action.help, (name, action.dest)
            if action.option_strings:
                assert "default" in action.help, (name, action.dest)
            else:
                assert "default" in action.help or "required" in action.help, (name, action.dest)


def test_help_texts_state_run_times_and_defaults():
    subs = _subparsers(build_parser())
    demo = subs["demo"].format_help()
    demo = " ".join(demo.split())
    assert "About 2 minutes on 2 CPU cores" in demo and "about 2 hours" in demo
    assert "SAE seeds 0..N-1 (default: 3; --full: 5)" in demo
    figures = " ".join(subs["figures"].format_help().split())
    assert "WARNING" in figures and "2 to 2.5 hours on 2 CPU cores" in figures
    top = build_parser().format_help()
    assert "``" not in top and ":func:" not in top  # plain text, no reST


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"sae-core {__version__}"


def test_importing_the_cli_loads_no_heavy_library_and_help_exits_0():
    check = ("import sys, sae_core.cli; "
             "print(sorted(m for m in ('torch', 'numba', 'transformer_lens', 'numpy', 'jax') "
             "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
    done = subprocess.run([sys.executable, "-m", "sae_core.cli", "--help"], capture_output=True,
                          text=True)
    assert done.returncode == 0 and "sae-core tasks" in done.stdout


def test_public_names_resolve_lazily_and_keep_their_meaning():
    importlib.import_module("sae_core.discover")  # binds the module on the package...
    importlib.import_module("sae_core.faithfulness")
    assert callable(sae_core.discover) and callable(sae_core.faithfulness)  # ...not here
    from sae_core import Task, kernels
    assert Task.__module__ == "sae_core.types" and kernels.__name__ == "sae_core.kernels"
    assert set(sae_core.__all__) <= set(dir(sae_core))
    for name in sae_core.__all__:
        assert getattr(sae_core, name) is not None, name


def test_readme_lists_every_registered_task():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [name for name in available_tasks() if f"`{name}`" not in readme]
    assert not missing, f"README.md's task table lacks {missing}"
    assert all(task_info(name) is not None for name in available_tasks())


def test_a_cold_numba_cache_is_announced(tmp_path, monkeypatch, capsys):
    """A fresh cache folder is cold, a warm one is not, no JIT means nothing to compile;
    the CLI says one line before compiling and nothing otherwise."""
    check = "from sae_core.kernels import jit_cache_is_cold; print(jit_cache_is_cold())"

    def cold(**env) -> str:
        done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                              check=True, env={**os.environ, **env})
        return done.stdout.strip()

    assert cold(NUMBA_CACHE_DIR=str(tmp_path)) == "True"
    assert cold(NUMBA_DISABLE_JIT="1") == "False"
    warm_up = ("import numpy as np; from sae_core import kernels; "
               "kernels.unique_code_counts(np.zeros((3, 2), np.int64), np.ones((3, 2), np.int64))")
    subprocess.run([sys.executable, "-c", warm_up], check=True,
                   env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)})
    assert cold(NUMBA_CACHE_DIR=str(tmp_path)) == "False"

    for is_cold, said in ((True, "compiling numba kernels (first run only, ~1 min)...\n"),
                          (False, "")):
        monkeypatch.setattr("sae_core.kernels.jit_cache_is_cold", lambda c=is_cold: c)
        _say_if_kernels_compile()
        assert capsys.readouterr().err == said
