"""The job engine without a cluster: settings, the serial path (no dask import), thread
shares, a scheduler that does not answer, and the CLI flags that reach it."""

import subprocess
import sys
import time

import pytest

from sae_core.cli import build_parser, main
from sae_core.experiments.engine import (
    Engine,
    SchedulerUnreachable,
    Shared,
    engine_from,
    run_jobs,
    threads_per_worker,
)

NOBODY = "tcp://127.0.0.1:9"  # the discard port: nothing listens there


def _add(a, b):
    return a + b


def test_engine_settings_are_checked():
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError, match="workers"):
            Engine(workers=bad)
    with pytest.raises(ValueError, match="scheduler"):
        Engine(scheduler=" ")
    with pytest.raises(ValueError, match="connect_timeout_s"):
        Engine(workers=2, connect_timeout_s=0)


def test_only_more_than_one_worker_or_a_scheduler_is_distributed():
    assert engine_from(None, None) is None and engine_from(1, None) is None
    assert engine_from(2, None) == Engine(workers=2)
    assert engine_from(None, "tcp://h:8786") == Engine(scheduler="tcp://h:8786")
    assert Engine(workers=3).describe() == "3 local worker processes"
    assert Engine().describe() == "serial"


@pytest.mark.parametrize(("workers", "cores", "threads"),
                         [(1, 2, 2), (2, 2, 1), (3, 2, 1), (4, 16, 4), (3, 16, 5)])
def test_workers_share_the_cores(workers, cores, threads):
    assert threads_per_worker(workers, cores) == threads


def test_serial_jobs_run_in_order_and_report_each_result():
    seen = []
    shared = Shared(10)
    out = run_jobs(_add, [(1, shared), (2, shared), (3, 4)], progress=False,
                   on_result=lambda i, r: seen.append((i, r)))
    assert out == [11, 12, 7]
    assert seen == [(0, 11), (1, 12), (2, 7)]


def test_a_failing_job_is_named_in_its_error():
    with pytest.raises(TypeError) as info:
        run_jobs(_add, [(1, 2), (1, "x")], labels=["fine", "bad one"], progress=False)
    assert "in job 'bad one'" in "".join(getattr(info.value, "__notes__", []))
    with pytest.raises(ValueError, match="one per job"):
        run_jobs(_add, [(1, 2)], labels=["a", "b"], progress=False)


def test_the_serial_path_imports_no_dask():
    code = (
        "import sys\n"
        "from sae_core.experiments.engine import run_jobs\n"
        "from sae_core.experiments.compare import compare\n"
        "from sae_core.figure_builders import regenerate\n"
        "assert run_jobs(max, [(1, 2)], progress=False) == [2]\n"
        "assert not {'dask', 'distributed'} & set(sys.modules), 'dask imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_an_unreachable_scheduler_fails_fast_and_says_what_to_do():
    t0 = time.perf_counter()
    with pytest.raises(SchedulerUnreachable, match="127.0.0.1:9.*dask scheduler.*--workers"):
        run_jobs(_add, [(1, 2)], Engine(scheduler=NOBODY, connect_timeout_s=2), progress=False)
    assert time.perf_counter() - t0 < 30  # 2 s wait, plus importing distributed


def test_engine_flags_parse():
    parser = build_parser()
    for command in (["figures"], ["compare", "ioi"]):
        args = parser.parse_args([*command, "--workers", "4", "--scheduler", "tcp://h:1"])
        assert (args.workers, args.scheduler) == (4, "tcp://h:1")
        args = parser.parse_args(command)
        assert (args.workers, args.scheduler) == (None, None)
        with pytest.raises(SystemExit):
            parser.parse_args([*command, "--workers", "0"])


def test_compare_flags_reach_the_engine(monkeypatch, capsys):
    import pandas as pd

    import sae_core.experiments.compare as cmp

    seen = {}

    def fake_compare(tasks, **kwargs):
        seen.update(kwargs)
        return pd.DataFrame({"cached": [False]})

    monkeypatch.setattr(cmp, "compare", fake_compare)
    monkeypatch.setattr(cmp, "to_markdown", lambda df: "")
    argv = ["compare", "induction-toy", "--methods", "hisp"]
    main([*argv, "--workers", "3"])
    assert seen["engine"] == Engine(workers=3)
    main([*argv, "--scheduler", "tcp://h:1"])
    assert seen["engine"] == Engine(scheduler="tcp://h:1")
    main(argv)
    assert seen["engine"] is None


def test_figures_flags_reach_the_engine(monkeypatch, tmp_path):
    import sae_core.figure_builders as builders

    seen = {}

    def fake_regenerate(out_dir, names=None, ctx=None, progress=True, engine=None):
        seen["engine"] = engine
        return {}

    monkeypatch.setattr(builders, "regenerate", fake_regenerate)
    assert main(["figures", "demo_auc", "--out", str(tmp_path), "--workers", "2"]) == 0
    assert seen["engine"] == Engine(workers=2)
    main(["figures", "demo_auc", "--out", str(tmp_path)])
    assert seen["engine"] is None


def test_cli_says_when_the_scheduler_does_not_answer(capsys):
    t0 = time.perf_counter()
    code = main(["compare", "induction-toy", "--methods", "hisp", "--scheduler", NOBODY])
    assert code == 2 and time.perf_counter() - t0 < 30  # the default wait is 5 s
    assert "no Dask scheduler answered at 'tcp://127.0.0.1:9'" in capsys.readouterr().err
