"""One outbox drain at a time per store: two drains could both miss a case and both create it."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from csirt_kit.errors import LockHeldError
from csirt_kit.store.db import MEMORY, Store


@contextmanager
def drain_lock(store: Store, timeout: float = 60.0) -> Iterator[None]:
    """Hold an flock beside the store while draining (released by the kernel if we die)."""
    if store.path == MEMORY:
        yield
        return
    path = store.folder / "cases-sync.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockHeldError(f"another csirt process has been sending cases for {timeout:.0f}s",
                                        where=str(path), fix="let it finish, then rerun") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)
