"""The shared scan runner: batches of targets over a process pool, rules compiled once per worker.

Each worker process loads the compiled rules once (from the bytes of ``RuleSet.compiled``),
then scans whole batches, so per-target Python and IPC overhead stays small. Small jobs
run in the calling process (a pool costs more to start than it saves). A worker that
dies takes only its batch down: those targets become scan errors and the run goes on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from csirt_kit.scan import cache

T = TypeVar("T")
R = TypeVar("R")

_WORKER_RULES: Any = None  # the compiled rules of this worker process


def worker_rules() -> Any:
    """The compiled rules loaded in this process (by init_worker or set_local_rules)."""
    return _WORKER_RULES


def init_worker(compiled: bytes) -> None:
    """Pool initializer: load the compiled rules once per worker process."""
    global _WORKER_RULES
    _WORKER_RULES = cache.load_compiled(compiled)


def set_local_rules(rules: Any) -> None:
    """Use already-loaded rules in this process (the in-process path)."""
    global _WORKER_RULES
    _WORKER_RULES = rules


def default_workers() -> int:
    """One worker per usable core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_batches(batches: Iterable[Sequence[T]], task: Callable[[Sequence[T]], list[R]], *,
                compiled: bytes, local_rules: Any, workers: int, in_process: bool,
                on_result: Callable[[Sequence[T], list[R]], None],
                on_failure: Callable[[Sequence[T], str], None]) -> None:
    """Run `task` over every batch; results and failures go to the callbacks, in completion order."""
    if in_process or workers <= 1:
        set_local_rules(local_rules)
        for batch in batches:
            on_result(batch, task(batch))
        return
    pending: dict[Future[list[R]], Sequence[T]] = {}
    it: Iterator[Sequence[T]] = iter(batches)
    # Keep a few batches queued per worker so none sits idle while the main process walks.
    depth = workers * 3
    with ProcessPoolExecutor(max_workers=workers, initializer=init_worker,
                             initargs=(compiled,)) as pool:
        broken = False
        while True:
            while not broken and len(pending) < depth:
                nxt: Sequence[T] | None = next(it, None)
                if nxt is None:
                    break
                batch = nxt
                try:
                    pending[pool.submit(task, batch)] = batch
                except BrokenProcessPool:
                    broken = True
                    on_failure(batch, "scanner worker process died")
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                batch = pending.pop(fut)
                try:
                    on_result(batch, fut.result())
                except BrokenProcessPool:
                    broken = True
                    on_failure(batch, "scanner worker process died while scanning this batch")
                except Exception as exc:  # a bug in a task must not end the whole run
                    on_failure(batch, f"scanner failed: {type(exc).__name__}: {exc}")
        if broken:
            # The pool is gone; scan what is left here, one batch at a time.
            set_local_rules(local_rules)
            for batch in it:
                on_result(batch, task(batch))
