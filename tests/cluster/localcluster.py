"""A real distributed LocalCluster on loopback for tests: worker processes, quiet, bounded memory."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def wait_for(cond: Any, timeout: float = 30.0, what: str = "condition") -> None:
    """Poll `cond` until true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@contextmanager
def local_cluster(workers: int) -> Iterator[Any]:
    """A LocalCluster of `workers` single-threaded worker processes (nannies restart killed ones)."""
    import dask
    import distributed

    with dask.config.set({"distributed.worker.profile.enabled": False}), \
            distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                     host="127.0.0.1", dashboard_address=":0",
                                     memory_limit="600MiB", silence_logs=40) as lc:
        yield lc


@contextmanager
def local_client(workers: int) -> Iterator[Any]:
    """A client of a fresh local cluster, returned once all its workers are up."""
    import distributed

    with local_cluster(workers) as lc, \
            distributed.Client(lc.scheduler_address, set_as_default=False, timeout=20) as c:
        c.wait_for_workers(workers, timeout=60)
        yield c


@contextmanager
def dask_worker(scheduler: str, name: str, *extra: str) -> Iterator[str]:
    """A worker started as on a hosting server (`dask worker ... --name NAME`), up until exit."""
    import distributed

    dask = Path(sys.executable).with_name("dask")
    proc = subprocess.Popen([str(dask), "worker", scheduler, "--name", name, "--nthreads", "1",
                             "--memory-limit", "600MiB", "--no-dashboard", "--host", "127.0.0.1",
                             *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with distributed.Client(scheduler, set_as_default=False, timeout=20) as c:
            wait_for(lambda: any(w.get("name") == name for w in c.scheduler_info()["workers"].values()),
                     90, f"the worker {name}")
        yield name
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
