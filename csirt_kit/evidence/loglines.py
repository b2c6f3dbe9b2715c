"""The log lines around hit lines: each log read once per capture, for all its findings."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from csirt_kit.evidence.settings import EvidenceSettings

LINE_CAP = 4096  # one kept line is cut here (minified payloads can be megabytes long)


@dataclass(frozen=True)
class LogRead:
    """The wanted lines of one log, or why they could not be read."""

    lines: dict[int, bytes] = field(default_factory=dict)
    note: str = ""  # e.g. stopped reading at the cap
    error: str = ""  # the log could not be read


def windows(hits: Iterable[int], context: int) -> set[int]:
    """Line numbers within context lines of a hit."""
    wanted: set[int] = set()
    for line in hits:
        wanted.update(range(max(1, line - context), line + context + 1))
    return wanted


def _open_log(path: str) -> BinaryIO:
    fh = open(path, "rb")  # noqa: SIM115 - returned to the caller's with-block
    if fh.read(2) == b"\x1f\x8b":
        fh.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    fh.seek(0)
    return fh


def read_lines(path: str, wanted: set[int], settings: EvidenceSettings) -> LogRead:
    """Read one log (plain or gzip) up to its last wanted line, keeping the wanted ones."""
    if not wanted:
        return LogRead()
    last = max(wanted)
    kept: dict[int, bytes] = {}
    read = 0
    try:
        with _open_log(path) as fh:
            for no, raw in enumerate(fh, 1):
                read += len(raw)
                if no in wanted:
                    text = raw.rstrip(b"\r\n")
                    kept[no] = text if len(text) <= LINE_CAP else text[:LINE_CAP] + b" [...]"
                if no >= last:
                    break
                if read > settings.max_log_read_bytes:
                    return LogRead(kept, f"stopped reading after {settings.max_log_read_bytes}"
                                         " bytes (max_log_read_bytes)")
    except (OSError, EOFError) as exc:
        return LogRead(kept, error=f"log not readable: {getattr(exc, 'strerror', None) or exc}")
    return LogRead(kept)


def read_logs(requests: dict[str, set[int]], settings: EvidenceSettings) -> dict[str, LogRead]:
    """Each log once: path -> its wanted lines (hits of every finding, with context)."""
    return {path: read_lines(path, windows(hits, settings.context_lines), settings)
            for path, hits in sorted(requests.items())}


def excerpt(path: str, hits: list[int], got: LogRead, context: int) -> bytes:
    """Numbered lines around the hits ('>' marks a hit line); b'' when none was read."""
    hit_set = set(hits)
    lines = [(no, got.lines[no]) for no in sorted(windows(hits, context)) if no in got.lines]
    if not lines:
        return b""
    head = f"# csirt-kit evidence: lines around {len(hits)} hit line(s) of {os.path.basename(path)}"
    out = [(head + f" ({path})\n").encode("utf-8", "backslashreplace")]
    out += [b"%s %8d: %s\n" % (b">" if no in hit_set else b" ", no, text) for no, text in lines]
    return b"".join(out)
