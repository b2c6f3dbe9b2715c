"""Walk folders for a file scan: regular files only, symlinks never followed, size cap.

Each file comes with the stat values the stat cache compares (from the walk's own lstat,
so checking a file costs no extra system call).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from csirt_kit.scan.report import ScanError
from csirt_kit.scan.stat_cache import Stat, stat_of

Walked = tuple[str, int, Stat]  # path, size, stat values


def walk(root: Path, max_size: int, stats: dict[str, int]) -> Iterator[Walked | ScanError]:
    """(path, size, stat) of each regular file below root, or a ScanError; no symlinks followed."""
    try:
        st = root.lstat()
    except OSError as exc:
        yield ScanError(str(root), os_reason(exc))
        return
    if not root.is_dir() or root.is_symlink():
        yield from _one(str(root), st, root.is_file(), max_size)
        return
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            yield ScanError(folder, f"cannot list folder: {os_reason(exc)}")
            continue
        subdirs = []
        for entry in entries:
            try:
                if entry.is_symlink():
                    stats["symlinks_skipped"] = stats.get("symlinks_skipped", 0) + 1
                elif entry.is_dir(follow_symlinks=False):
                    subdirs.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    yield from _one(entry.path, entry.stat(follow_symlinks=False), True, max_size)
            except OSError as exc:
                yield ScanError(entry.path, os_reason(exc))
        stack.extend(reversed(subdirs))


def _one(path: str, st: os.stat_result, regular: bool, max_size: int
         ) -> Iterator[Walked | ScanError]:
    size = st.st_size
    if not regular:
        yield ScanError(path, "not a regular file (device, socket or pipe): skipped")
    elif size > max_size:
        yield ScanError(path, f"skipped: {size} bytes is over the size cap of {max_size} bytes"
                              " (scan.max_file_size)")
    else:
        yield (path, size, stat_of(st))


def os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "vanished or does not exist"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)
