"""Log files as streams of whole-line chunks: plain or gzip, rotated sets, bounded memory.

A chunk always ends at a line end, so a line never straddles two chunks. A line that
would carry more than ``max_line`` bytes past a chunk's end is cut to that length (the
rest of it is skipped, it is still counted as one line), so memory stays near
``chunk_size + max_line`` whatever the file holds; a long line inside one chunk is kept
whole for matching (evidence snippets are cut to 300 characters). csirt_kit.cluster's
range reader cuts lines with the same ``LineSplitter``.
Gzip input is decompressed in a stream with two caps against decompression bombs: a
total output size and an output/input ratio; tripping either raises ``LogReadError``.
"""

from __future__ import annotations

import glob
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from csirt_kit.errors import CsirtError

GZIP_MAGIC = b"\x1f\x8b"
# access.log.1, access.log.2.gz, access.log-20261122, access.log-20261122.gz
_ROTATED = re.compile(r"^(?P<base>.+?)(?:\.\d+|-\d{8}(?:\d{2})?)(?:\.gz)?$")


class LogReadError(CsirtError):
    """One log file cannot be read (the scan records it and goes on)."""


@dataclass(frozen=True)
class ReadLimits:
    """Caps that keep a hostile or broken log from exhausting memory or time."""

    chunk_size: int = 4 << 20
    max_line: int = 64 << 10
    max_decompressed: int = 16 << 30
    max_ratio: int = 1000  # gzip output/input; real logs compress 5-30x
    ratio_grace: int = 64 << 20  # ratio checked only past this much output


def log_set_name(path: str) -> str:
    """The name a rotated file shares with its live file (access.log.2.gz -> access.log)."""
    m = _ROTATED.match(path)
    if m and not path.endswith((".tar.gz", ".tgz")):
        return m.group("base")
    return path[:-3] if path.endswith(".gz") else path


def expand_paths(patterns: Iterable[str], rotated: bool = True) -> tuple[list[str], list[str]]:
    """Files named by paths, folders and globs (plus rotated siblings); and patterns that match nothing."""
    found: dict[str, None] = {}
    missing: list[str] = []
    for pattern in patterns:
        pattern = os.path.expanduser(pattern)
        if glob.has_magic(pattern):
            hits = sorted(glob.glob(pattern))
        elif os.path.isdir(pattern):
            hits = sorted(str(p) for p in Path(pattern).iterdir() if p.is_file())
        elif os.path.exists(pattern) or os.path.islink(pattern):
            hits = [pattern]
            if rotated:
                hits.extend(rotated_siblings(pattern))
        else:
            hits = []
        files = [h for h in hits if not os.path.isdir(h)]
        if not files:
            missing.append(pattern)
        for h in files:
            found.setdefault(h, None)
    return list(found), missing


def rotated_siblings(path: str) -> list[str]:
    """Older files of the same rotated set (path.1, path.2.gz, path-YYYYMMDD...), newest first."""
    if log_set_name(path) != path:
        return []
    folder = os.path.dirname(path) or "."
    base = os.path.basename(path)
    out = []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    for name in names:
        if name != base and name.startswith(base) and log_set_name(name) == base:
            out.append(os.path.join(folder, name) if os.path.dirname(path) else name)
    return sorted(out, key=_rotation_order)


def _rotation_order(path: str) -> tuple[int, str]:
    m = re.search(r"\.(\d+)(?:\.gz)?$", path)
    return (int(m.group(1)), "") if m else (0, _reverse(path))


def _reverse(text: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


class _GzipStream:
    """Streaming gzip reader (multi-member) with size and ratio caps."""

    def __init__(self, raw: BinaryIO, path: str, limits: ReadLimits) -> None:
        self.raw: BinaryIO | _Prefixed = raw
        self.path, self.limits = path, limits
        self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self.consumed = 0
        self.produced = 0
        self.fed = False  # the current member has received data
        self.eof = False

    def read(self, size: int) -> bytes:
        out: list[bytes] = []
        got = 0
        while got < size and not self.eof:
            pending = self.inflater.unconsumed_tail
            if not pending:
                block = self.raw.read(1 << 20)
                if not block:
                    if self.fed:
                        raise LogReadError("truncated gzip file (unexpected end of data)",
                                           where=self.path, fix="the file may still be written")
                    self.eof = True
                    break
                self.consumed += len(block)
                pending = block
            self.fed = True
            try:
                data = self.inflater.decompress(pending, size - got)
            except zlib.error as exc:
                raise LogReadError(f"corrupt gzip data: {exc}", where=self.path) from None
            if self.inflater.eof:
                rest = self.inflater.unused_data
                self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
                self.fed = False
                if rest.strip(b"\x00"):
                    self._push_back(rest)
            self.produced += len(data)
            self._check()
            out.append(data)
            got += len(data)
        return b"".join(out)

    def _push_back(self, rest: bytes) -> None:
        # Next member starts inside data already read: feed it first.
        self.raw = _Prefixed(rest, self.raw)

    def _check(self) -> None:
        lim = self.limits
        if self.produced > lim.max_decompressed:
            raise LogReadError(
                f"gzip expands past {lim.max_decompressed} bytes: possible decompression bomb",
                where=self.path, fix="raise scan.logs.max_decompressed if the log is genuine")
        if self.produced > lim.ratio_grace and self.produced > lim.max_ratio * max(self.consumed, 1):
            raise LogReadError(
                f"gzip expands more than {lim.max_ratio}x: possible decompression bomb",
                where=self.path, fix="raise scan.logs.max_ratio if the log is genuine")


class _Prefixed:
    """A byte source that first yields `head`, then reads from `tail`."""

    def __init__(self, head: bytes, tail: BinaryIO | _Prefixed) -> None:
        self.head, self.tail = head, tail

    def read(self, size: int) -> bytes:
        if self.head:
            out, self.head = self.head[:size], self.head[size:]
            return out
        return self.tail.read(size)


def open_log(path: str, limits: ReadLimits) -> tuple[BinaryIO, object]:
    """The raw file and a reader with .read(n) that decompresses gzip transparently."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by iter_chunks
    except OSError as exc:
        raise LogReadError(f"cannot open: {exc.strerror or exc}", where=path,
                           fix="check the path and the permissions") from None
    try:
        head = raw.read(2)
        raw.seek(0)
    except OSError as exc:
        raw.close()
        raise LogReadError(f"cannot read: {exc.strerror or exc}", where=path) from None
    if head == GZIP_MAGIC:
        return raw, _GzipStream(raw, path, limits)
    return raw, raw


@dataclass
class LineSplitter:
    """Cut blocks into whole lines: the partial last line is carried to the next block, and a
    line longer than max_line is cut there (its tail skipped up to the next newline).

    `iter_chunks` and the cluster's byte ranges share it so both cut lines identically.
    """

    max_line: int
    carry: bytes = b""
    skipping: bool = False  # inside the skipped tail of an over-long line

    def feed(self, block: bytes) -> tuple[bytes, int] | None:
        """(whole lines, lines cut) of this block, or None when it yields nothing."""
        cut = 0
        if self.skipping:
            nl = block.find(b"\n")
            if nl < 0:
                return None
            block = block[nl + 1:]
            self.skipping = False
        buf = self.carry + block if self.carry else block
        last = buf.rfind(b"\n")
        if last < 0:
            whole, self.carry = b"", buf
        else:
            whole, self.carry = buf[:last + 1], buf[last + 1:]
        if len(self.carry) > self.max_line:
            whole += self.carry[:self.max_line] + b"\n"
            self.carry, self.skipping, cut = b"", True, 1
        if whole:
            return whole, cut
        return (b"", cut) if cut else None


def iter_chunks(path: str, limits: ReadLimits | None = None) -> Iterator[tuple[bytes, int]]:
    """Yield (chunk of whole lines, lines cut) pairs; every chunk ends with a newline."""
    limits = limits or ReadLimits()
    raw, reader = open_log(path, limits)
    lines = LineSplitter(limits.max_line)
    try:
        while True:
            try:
                block = reader.read(limits.chunk_size)  # type: ignore[attr-defined]
            except OSError as exc:
                raise LogReadError(f"read failed: {exc.strerror or exc}", where=path) from None
            if not block:
                break
            out = lines.feed(block)
            if out is not None:
                yield out
        if lines.carry:
            yield lines.carry + b"\n", 0
    finally:
        raw.close()
