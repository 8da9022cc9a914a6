"""Where independent jobs run: here one after another, or on Dask distributed.

Comparisons, sweeps and figure regeneration are lists of independent jobs (one
comparison row, one sweep setting, one figure). :func:`run_jobs` runs such a list and
returns the results in the order of the jobs:

* ``engine=None`` or ``Engine(workers=1)`` (the default): one after another in this
  process; dask is not imported.
* ``Engine(workers=N)``: on a Dask ``LocalCluster`` of N worker processes on this
  machine, made here and closed on the way out (also on an error or Ctrl-C). Each worker
  runs one job at a time with ``torch.set_num_threads(max(1, cores // N))`` and numba's
  threads set the same, so N workers share the cores instead of each taking all of them.
* ``Engine(scheduler="tcp://host:8786")``: on a running Dask scheduler, e.g. one whose
  workers dask-jobqueue started on SLURM or PBS (dask-jobqueue is not a dependency). There
  each job sets torch's threads to ``max(1, cores // threads of its worker)``: give each
  worker process the cores it may use (``dask worker --nthreads 1`` per process when the
  processes split a node, or jobqueue's ``processes=1``).

Jobs are plain functions of picklable arguments (cloudpickle). A large argument shared by
many jobs (a task and its cached activations) is wrapped in :class:`Shared`: it is sent to
the cluster once (``Client.scatter``) instead of once per job. Nothing is cached here:
the jobs write their own results to disk as they finish (compare rows, figure PNGs), so
an interrupted run resumes from what was written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm

DEFAULT_CONNECT_TIMEOUT_S = 5.0
"""Seconds to wait for a scheduler to answer before :class:`SchedulerUnreachable`."""


class SchedulerUnreachable(ConnectionError):
    """The Dask scheduler at the given address did not answer in time."""


@dataclass(frozen=True)
class Engine:
    """How :func:`run_jobs` runs its jobs.

    ``workers``: worker processes of a LocalCluster made on this machine (None or 1:
    serial, in this process). ``scheduler``: address of a running Dask scheduler
    (``tcp://host:8786``) to use instead; ``workers`` is then ignored (the cluster has its
    own). ``connect_timeout_s``: how long to wait for that scheduler.
    """

    workers: int | None = None
    scheduler: str | None = None
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.workers is not None and (
            isinstance(self.workers, bool) or not isinstance(self.workers, int)
            or self.workers < 1
        ):
            raise ValueError(f"workers={self.workers!r}; give a whole number >= 1 (or None)")
        if self.scheduler is not None and not str(self.scheduler).strip():
            raise ValueError("scheduler is empty; give an address like tcp://host:8786 or None")
        if not self.connect_timeout_s > 0:
            raise ValueError(f"connect_timeout_s={self.connect_timeout_s}; give seconds > 0")

    @property
    def distributed(self) -> bool:
        """Whether jobs go to Dask (a scheduler, or more than one local worker)."""
        return self.scheduler is not None or (self.workers or 1) > 1

    def describe(self) -> str:
        """The engine in words, for records: "serial", "2 local workers" or the address."""
        if self.scheduler is not None:
            return f"dask scheduler {self.scheduler}"
        if self.distributed:
            return f"{self.workers} local worker processes"
        return "serial"


def engine_from(workers: int | None = None, scheduler: str | None = None) -> Engine | None:
    """The engine of ``--workers`` / ``--scheduler`` flags; None (serial) when neither asks
    for Dask."""
    engine = Engine(workers=workers, scheduler=scheduler)
    return engine if engine.distributed else None


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Torch (and numba) threads of each of ``workers`` processes sharing ``cores``:
    ``max(1, cores // workers)``."""
    return max(1, (cores or available_cores()) // max(1, workers))


def set_threads(n_threads: int) -> None:
    """Use ``n_threads`` threads in torch (the process) and numba (this thread)."""
    import numba
    import torch

    torch.set_num_threads(n_threads)
    numba.set_num_threads(max(1, min(n_threads, numba.config.NUMBA_NUM_THREADS)))


@dataclass(frozen=True, eq=False)
class Shared:
    """A job argument shared by many jobs: sent to a cluster once, not once per job.

    Wrap the object where it is passed (``(Shared(task), setting)``); the job function
    receives the object itself, in both the serial and the distributed path. Only
    top-level job arguments are unwrapped.
    """

    value: Any


def _unwrap(args: Sequence[Any]) -> tuple:
    return tuple(a.value if isinstance(a, Shared) else a for a in args)


def _run_with_threads(fn: Callable, n_threads: int | None, *args: Any) -> Any:
    """A job on a Dask worker: set this worker's threads, then run ``fn(*args)``."""
    if n_threads is None:  # a worker of someone else's cluster: share its cores
        from distributed import get_worker

        n_threads = threads_per_worker(get_worker().state.nthreads)
    set_threads(n_threads)
    return fn(*args)


@contextlib.contextmanager
def open_client(engine: Engine) -> Iterator[Any]:
    """A ``distributed.Client`` for ``engine`` (a LocalCluster made here, or the running
    scheduler), closed on exit, with the cluster made here.

    Raises :class:`SchedulerUnreachable` (naming the address and the fix) when the
    scheduler does not answer within ``engine.connect_timeout_s``.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise ImportError(
            f"{engine.describe()} needs Dask distributed, which is not installed here; "
            "pip install 'dask[distributed]>=2024.1', or run serially (no --workers)"
        ) from err

    if engine.scheduler is not None:
        try:
            client = Client(engine.scheduler, timeout=engine.connect_timeout_s)
        except (OSError, TimeoutError, ValueError) as err:
            raise SchedulerUnreachable(
                f"no Dask scheduler answered at {engine.scheduler!r} within "
                f"{engine.connect_timeout_s:g} s ({type(err).__name__}: {err}); start one "
                "(`dask scheduler`, then `dask worker ADDRESS` on each machine) and pass its "
                "address as tcp://host:8786, or use --workers N for a cluster on this "
                "machine"
            ) from err
        with client:
            if not client.scheduler_info().get("workers"):
                warnings.warn(
                    f"the Dask scheduler at {engine.scheduler!r} has no workers yet; the jobs "
                    "wait until some join (`dask worker ADDRESS`, or scale a dask-jobqueue "
                    "cluster)", stacklevel=3,
                )
            yield client
        return
    # memory_limit=0: no share of the RAM per worker, past which Dask would pause or
    # restart it; one job (a GPT-2 xl stand-in: ~7 GiB) may need more than RAM / workers.
    cluster = LocalCluster(
        n_workers=engine.workers, threads_per_worker=1, processes=True, memory_limit=0,
        dashboard_address=None, silence_logs=logging.ERROR,
    )
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def run_jobs(
    fn: Callable[..., Any],
    jobs: Sequence[Sequence[Any]],
    engine: Engine | None = None,
    *,
    labels: Sequence[str] | None = None,
    desc: str = "jobs",
    progress: bool = True,
    on_result: Callable[[int, Any], None] | None = None,
    priorities: Sequence[float] | None = None,
) -> list[Any]:
    """``[fn(*job) for job in jobs]``, serially or on Dask (``engine``); results in order.

    ``labels``: one per job, shown on the progress bar and in the note added to a job's
    error. ``on_result(i, result)``: called in this process as each job finishes (in
    finishing order on Dask), e.g. to record it. ``priorities``: Dask starts jobs of
    higher priority first (e.g. the expected seconds, so the longest jobs do not start
    last); the serial path runs jobs in order. A job's error is raised here, with a note
    naming the job; the jobs not yet finished are cancelled.
    """
    jobs = [tuple(job) for job in jobs]
    labels = list(labels) if labels is not None else [f"{desc} {i}" for i in range(len(jobs))]
    if len(labels) != len(jobs):
        raise ValueError(f"{len(labels)} labels for {len(jobs)} jobs; give one per job")
    if engine is None or not engine.distributed:
        return _run_serial(fn, jobs, labels, desc, progress, on_result)
    with open_client(engine) as client:
        return _run_on(client, engine, fn, jobs, labels, desc, progress, on_result, priorities)


def _run_serial(fn, jobs, labels, desc, progress, on_result) -> list[Any]:
    results = []
    bar = tqdm(jobs, desc=desc, disable=not progress)
    for i, args in enumerate(bar):
        bar.set_postfix_str(labels[i])
        try:
            result = fn(*_unwrap(args))
        except Exception as err:
            err.add_note(f"in job {labels[i]!r}")
            raise
        if on_result is not None:
            on_result(i, result)
        results.append(result)
    return results


def _scatter_shared(client: Any, jobs: list[tuple]) -> list[tuple]:
    """Jobs with each :class:`Shared` argument replaced by the future of one scattered
    copy (one per distinct object)."""
    futures: dict[int, Any] = {}
    out = []
    for args in jobs:
        new = []
        for a in args:
            if isinstance(a, Shared):
                if id(a) not in futures:
                    futures[id(a)] = client.scatter(a.value, hash=False)
                a = futures[id(a)]
            new.append(a)
        out.append(tuple(new))
    return out


def _run_on(client, engine, fn, jobs, labels, desc, progress, on_result, priorities) -> list:
    from distributed import as_completed

    n_threads = None if engine.scheduler is not None else threads_per_worker(engine.workers)
    jobs = _scatter_shared(client, jobs)
    run_id = uuid.uuid4().hex[:8]
    futures = []
    for i, args in enumerate(jobs):
        priority = 0 if priorities is None else priorities[i]
        futures.append(client.submit(
            _run_with_threads, fn, n_threads, *args, key=f"{desc}-{run_id}-{i}",
            pure=False, priority=priority,
        ))
    where = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(jobs)
    bar = tqdm(total=len(jobs), desc=f"{desc} ({engine.describe()})", disable=not progress)
    try:
        for future in as_completed(futures):
            i = where[future.key]
            try:
                results[i] = future.result()
            except Exception as err:
                err.add_note(f"in job {labels[i]!r} on a Dask worker")
                raise
            if on_result is not None:
                on_result(i, results[i])
            bar.set_postfix_str(labels[i])
            bar.update()
    except BaseException:
        client.cancel(futures)
        raise
    finally:
        bar.close()
    return results
