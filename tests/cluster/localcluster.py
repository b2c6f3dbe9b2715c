"""A real distributed LocalCluster on loopback for tests: worker processes, quiet, bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


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
