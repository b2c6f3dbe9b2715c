"""Line-aligned byte ranges of one plain log, scanned on a worker with the exact chunks of the
single-machine reader.

A file is cut at nominal split points, multiples of ``range_bytes`` (itself a multiple of
the reader's ``chunk_size``). The single-machine reader reads blocks of ``chunk_size`` and
emits whole lines up to the last newline of each block, so at a block boundary its state
is just "the bytes after the last newline" — provided that newline is within ``max_line``
bytes (else it is cutting an over-long line). A split point is *usable* exactly then; a
range runs from its usable split point to the next usable one, rebuilding that state by
reading back at most ``max_line + 1`` bytes. So each range sees the same chunks (same
YARA string caps, same offsets) as one reader over the whole file, and it returns line
numbers relative to its first line plus its own line count; the submitter adds the lines
of the ranges before it, which makes every line number exact. ``range_chunks`` cuts lines
with ``scan.logs.reader``'s ``LineSplitter``, as ``iter_chunks`` does;
tests/cluster/test_ranges.py checks that the ranges' chunks equal one whole-file pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.scan.logs.reader import LineSplitter, LogReadError, ReadLimits, open_log


@dataclass(frozen=True)
class LogFile:
    """One file of a log plan: size, gzip or not, its format (or the error that stops it)."""

    path: str
    size: int = 0
    gzip: bool = False
    fmt: str = ""
    error: str = ""


@dataclass
class RangeResult:
    """What one range gave: relative line numbers in its aggregates, its own line count."""

    path: str
    index: int
    lines: int = 0
    bytes: int = 0
    cut: int = 0
    aggs: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (relative line, message)
    read_error: str = ""
    cands: Any = None  # what the log heuristics kept (scan.logs.candidates.Candidates)


def usable_carry(fh: Any, pos: int, max_line: int) -> bytes | None:
    """The reader's carry at block boundary `pos`, or None when it is inside an over-long line."""
    if pos == 0:
        return b""
    back = min(pos, max_line + 1)
    fh.seek(pos - back)
    tail = fh.read(back)
    nl = tail.rfind(b"\n")
    if nl < 0:
        return tail if back == pos and len(tail) <= max_line else None
    return tail[nl + 1:]


def range_chunks(path: str, start: int, stop_points: set[int], limits: ReadLimits
                 ) -> Iterator[tuple[bytes, int]]:
    """Chunks (and lines cut) of the range starting at usable split `start`, as iter_chunks makes them.

    Stops at the first block boundary in `stop_points` where the state is usable again.
    """
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed in finally
    except OSError as exc:
        raise LogReadError(f"cannot open: {exc.strerror or exc}", where=path,
                           fix="check the path and the permissions") from None
    try:
        carry = usable_carry(fh, start, limits.max_line)
        if carry is None:
            return  # the range before this one carries on through this split point
        fh.seek(start)
        pos = start
        lines = LineSplitter(limits.max_line, carry)
        while True:
            if pos != start and pos in stop_points and not lines.skipping:
                return  # the next range starts here with exactly this carry
            try:
                block = fh.read(limits.chunk_size)
            except OSError as exc:
                raise LogReadError(f"read failed: {exc.strerror or exc}", where=path) from None
            if not block:
                break
            pos += len(block)
            out = lines.feed(block)
            if out is not None:
                yield out
        if lines.carry:
            yield lines.carry + b"\n", 0
    finally:
        fh.close()


def split_points(size: int, range_bytes: int, limits: ReadLimits | None = None) -> list[int]:
    """Nominal starts of the ranges of a file of `size` bytes (0 first).

    Only [0] when a block could hold no whole capped line (chunk_size <= max_line + 1):
    then the usable-split rule does not hold and the file is read in one pass.
    """
    if limits is not None and limits.chunk_size <= limits.max_line + 1:
        return [0]
    return list(range(0, max(size, 1), range_bytes)) or [0]


def plan_file(path: str, settings: Any, fmt: str = "") -> LogFile:
    """Size, gzip flag and format of one file (read on the worker that has it)."""
    from csirt_kit.scan.logs.reader import GZIP_MAGIC
    from csirt_kit.scan.logs.scanner import _sample_format

    try:
        raw, _ = open_log(path, settings.limits)
        with raw:
            head = raw.read(2)
            size = os.fstat(raw.fileno()).st_size
        return LogFile(path, size, head == GZIP_MAGIC, fmt or _sample_format(path, settings))
    except LogReadError as exc:
        return LogFile(path, error=exc.message)
