"""Walk folders for a file scan: regular files only, symlinks never followed, size cap."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from csirt_kit.scan.report import ScanError


def walk(root: Path, max_size: int, stats: dict[str, int]) -> Iterator[tuple[str, int] | ScanError]:
    """(path, size) of each regular file below root, or a ScanError; symlinks are not followed."""
    try:
        st = root.lstat()
    except OSError as exc:
        yield ScanError(str(root), os_reason(exc))
        return
    if not root.is_dir() or root.is_symlink():
        yield from _one(str(root), st.st_size, root.is_file(), max_size)
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
                    yield from _one(entry.path, entry.stat(follow_symlinks=False).st_size, True,
                                    max_size)
            except OSError as exc:
                yield ScanError(entry.path, os_reason(exc))
        stack.extend(reversed(subdirs))


def _one(path: str, size: int, regular: bool, max_size: int) -> Iterator[tuple[str, int] | ScanError]:
    if not regular:
        yield ScanError(path, "not a regular file (device, socket or pipe): skipped")
    elif size > max_size:
        yield ScanError(path, f"skipped: {size} bytes is over the size cap of {max_size} bytes"
                              " (scan.max_file_size)")
    else:
        yield (path, size)


def os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "vanished or does not exist"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)
