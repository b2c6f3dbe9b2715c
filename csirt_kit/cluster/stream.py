"""Submit work units to the cluster and stream their results back (bounded memory).

At most ``window`` tasks are in flight; each result is handed over as it completes
(``as_completed``) and its future released, so the submitting process never holds more
than a window of results. Scan tasks are idempotent (they only read and return hits), so
they are submitted with retries, and a task whose worker died is rerun elsewhere by the
scheduler. A scheduler that goes away ends the stream with ``ClusterLost`` (exit 4).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from csirt_kit.errors import ServerError
from csirt_kit.redaction import redact
from csirt_kit.scan.report import ScanReport

T = TypeVar("T")


class ClusterLost(ServerError):
    """The scheduler went away mid-scan; `partial` holds what was scanned before."""

    def __init__(self, what: str, where: str = "", partial: ScanReport | None = None) -> None:
        super().__init__(what, where, fix="check the scheduler; the next run scans the rest",
                         queued=True)
        self.partial = partial or ScanReport()


@dataclass(frozen=True)
class Job(Generic[T]):
    """One work unit: a tag for the caller, the function and its arguments, and where it may run."""

    tag: T
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    workers: Sequence[str] | None = None  # pinned: only these worker names
    kwargs: dict[str, Any] = field(default_factory=dict)


def scheduler_gone(client: Any) -> bool:
    """True when the client lost its scheduler for good."""
    # "connecting" is a client that lost its scheduler: it has cancelled every future.
    return str(getattr(client, "status", "running")) not in ("running", "newly-created")


def stream(client: Any, jobs: deque[Job[T]], *, retries: int = 3, window: int = 64
           ) -> Iterator[tuple[T, Any, str]]:
    """(tag, value, "") for each finished job, (tag, None, reason) for each failed one.

    The caller may append jobs to `jobs` while it handles a result (a listing that
    yields batches). Raises ClusterLost when the scheduler disappears.
    """
    from distributed import as_completed

    address = str(getattr(getattr(client, "scheduler", None), "address", "") or "")
    pending: dict[str, tuple[Job[T], int]] = {}  # key -> job, times resubmitted
    ac = as_completed(loop=client.loop)

    def submit(job: Job[T], again: int = 0) -> None:
        opts: dict[str, Any] = {"pure": False, "retries": retries}
        if job.workers is not None:
            opts.update(workers=list(job.workers), allow_other_workers=False)
        try:
            fut = client.submit(job.fn, *job.args, **job.kwargs, **opts)
        except Exception as exc:  # closed client: the scheduler is gone
            raise ClusterLost(f"cannot submit to the Dask scheduler: {_short(exc)}", address) from None
        pending[fut.key] = (job, again)
        ac.add(fut)

    def refill() -> None:
        while jobs and len(pending) < window:
            submit(jobs.popleft())

    refill()
    for fut in ac:
        status = fut.status
        if scheduler_gone(client):
            raise ClusterLost(f"the Dask scheduler went away ({status})", address)
        if status == "lost":
            # A finished result died with its worker: the scheduler computes it again.
            ac.add(fut)
            continue
        job, again = pending.pop(fut.key)
        if status == "finished":
            try:
                value = fut.result()
            except Exception as exc:
                raise ClusterLost(f"lost the result of a task: {_short(exc)}", address) from None
            fut.release()
            yield job.tag, value, ""
        elif status == "error":
            reason = _short(fut.exception())
            fut.release()
            yield job.tag, None, f"cluster task failed: {reason}"
        elif again < retries:  # cancelled while the client still runs: submit it once more
            submit(job, again + 1)
            continue
        else:
            yield job.tag, None, f"cluster task was cancelled {again + 1} times"
        refill()


def _short(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = f"{type(exc).__name__}: {exc}"
    return redact(text if len(text) < 300 else text[:300] + "…")


def placement(client: Any, hosts: Iterable[str]) -> dict[str, list[str]]:
    """Worker names that serve each host: its name, ``NAME-<n>`` (dask worker --nworkers) or a resource."""
    workers = client.scheduler_info(n_workers=-1)["workers"] if _takes_n(client) else \
        client.scheduler_info()["workers"]
    out: dict[str, list[str]] = {}
    for host in hosts:
        if not host:
            continue
        names = []
        for info in workers.values():
            name = str(info.get("name", ""))
            if (name == host or _numbered(name, host) or host in (info.get("resources") or {})
                    or f"host:{host}" in (info.get("resources") or {})):
                names.append(name)
        out[host] = sorted(names)
    return out


def _takes_n(client: Any) -> bool:
    import inspect

    try:
        return "n_workers" in inspect.signature(client.scheduler_info).parameters
    except (TypeError, ValueError):
        return False


def _numbered(name: str, host: str) -> bool:
    head, _, tail = name.rpartition("-")
    return head == host and tail.isdigit()


def no_worker_reason(host: str) -> str:
    """The scan error of a target whose host no worker serves (never a silent skip)."""
    return (f"no cluster worker serves host {host!r}: start one there with "
            f"'dask worker SCHEDULER --name {host}' (or --resources {host}=1)")


def share(client: Any, value: Any) -> Any:
    """One future holding `value` on every worker, sent once per scan.

    ``client.scatter`` splits a list, tuple, set or dict into one future per element: a
    scope of 20,000 hosts became 20,000 futures and every task depended on all of them
    (seconds of graph handling per task). Wrapping the value keeps it a single future.
    """
    return client.scatter([value], broadcast=True, hash=True)[0]


def windowed(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """Consecutive slices of at most `size` items."""
    for i in range(0, len(items), max(1, size)):
        yield list(items[i:i + max(1, size)])
