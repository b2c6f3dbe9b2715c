"""The run lock: one `csirt run` at a time per store, taken over from a dead holder."""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from csirt_kit.errors import LockHeldError
from csirt_kit.timeutil import iso


@dataclass
class RunLock:
    """An exclusive flock on a file beside the store.

    The kernel drops a flock when its holder dies, even by SIGKILL, so a lock left by a
    dead process is taken over without any stale-pid guessing.
    """

    path: Path
    wait: bool = False
    timeout: float = 3600.0
    poll: float = 0.2
    _fd: int | None = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: tuple[type[BaseException] | None, BaseException | None,
                                    TracebackType | None]) -> None:
        self.release()

    def holder(self) -> str:
        """What the lock file says about its holder (pid and start time), or ''."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return ""
        return f"pid {info.get('pid', '?')} since {info.get('since', '?')}"

    def acquire(self) -> None:
        """Take the lock, waiting when asked; LockHeldError otherwise."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not self.wait or time.monotonic() >= deadline:
                    os.close(fd)
                    waited = f" after waiting {self.timeout:.0f}s" if self.wait else ""
                    raise LockHeldError(
                        f"another csirt run holds the lock ({self.holder() or 'unknown holder'})"
                        f"{waited}", where=str(self.path),
                        fix="let it finish, or pass --wait to queue behind it",
                    ) from None
                time.sleep(self.poll)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "since": iso()}).encode())
        self._fd = fd

    def release(self) -> None:
        """Drop the lock (closing the descriptor releases the flock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
