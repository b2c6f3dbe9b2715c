"""Do not read unchanged files again: a stat cache keyed by absolute path.

Each file read by a scan is remembered with its size, mtime_ns, ctime_ns, inode and
device, its sha256 and its content-cache key. On the next scan a file whose five stat
values are all unchanged is not opened: its sha256 comes from here and its result from
the content cache (same rules hash). Only when the rules changed is it read again, since
YARA needs the bytes, but it is not hashed again.

Why ctime: forging mtime is a common trick to hide a web shell (``touch -d``, or
``os.utime`` after writing same-sized content in place). mtime can be set to anything,
but the kernel sets ctime to the current time on every write, chmod, chown, rename or
utime and offers no call to set it back, so a forged mtime still shows as a changed
ctime and the file is read. Replacing a file by another (rename over it, untar) gives a
new inode. What this does not defeat: someone with root who changes the system clock or
edits the file system offline; ``--full`` (run it now and then) reads everything.

Racy files: the kernel's file timestamps are coarse (one clock tick, more on network
file systems), so a file changed in the same tick in which it was read could keep all
five values. Files whose ctime is within ``RACY_SECONDS`` of the scan's start are read
again next time (git's "racily clean" rule).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from csirt_kit.store.db import Store

RACY_SECONDS = 1.0

Stat = tuple[int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device


def stat_of(st: os.stat_result) -> Stat:
    """The five values that must all be unchanged for a file to be skipped."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, _signed(st.st_ino), _signed(st.st_dev))


def _signed(value: int) -> int:
    # SQLite integers are signed 64-bit; some file systems hand out inode numbers above 2**63.
    return value - (1 << 64) if value >= (1 << 63) else value


@dataclass(frozen=True)
class Known:
    """What the cache holds for one path, and the cached result for the current rules."""

    stat: Stat
    sha256: str
    content_key: str
    hits: str | None  # hits JSON from file_scan_cache; None: not scanned with these rules


@dataclass(frozen=True)
class Seen:
    """One file read in this scan, to be remembered."""

    path: str
    stat: Stat
    sha256: str
    content_key: str


def _prefix_bounds(root: str) -> tuple[str, str]:
    # Every path below root sorts between "root/" and "root0" ("0" follows "/").
    base = root.rstrip(os.sep) + os.sep
    return base, base[:-1] + chr(ord(os.sep) + 1)


def load_root(conn: sqlite3.Connection, root: str, rules_hash: str) -> dict[str, Known]:
    """Cached entries of `root` (a file, or every file below a folder) with their results."""
    low, high = _prefix_bounds(root)
    rows = conn.execute(
        "SELECT s.path, s.size, s.mtime_ns, s.ctime_ns, s.inode, s.device, s.sha256,"
        " s.content_key, c.hits FROM file_stat_cache s LEFT JOIN file_scan_cache c"
        " ON c.rules_hash = ? AND c.content_key = s.content_key"
        " WHERE s.path = ? OR (s.path >= ? AND s.path < ?)", (rules_hash, root, low, high))
    return {r[0]: Known((r[1], r[2], r[3], r[4], r[5]), r[6], r[7], r[8]) for r in rows}


def trustworthy(seen: Seen, started_ns: int, racy_seconds: float = RACY_SECONDS) -> bool:
    """False for a file changed so close to the scan's start that a later change could hide."""
    return seen.stat[2] < started_ns - int(racy_seconds * 1e9)


def save(store: Store, seen: Iterable[Seen], gone: Iterable[str], now: str) -> None:
    """Remember files read and forget files gone from disk, in one transaction."""
    with store.write() as conn:
        conn.executemany("DELETE FROM file_stat_cache WHERE path = ?", ((p,) for p in gone))
        conn.executemany(
            "INSERT OR REPLACE INTO file_stat_cache (path, size, mtime_ns, ctime_ns, inode,"
            " device, sha256, content_key, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((s.path, *s.stat, s.sha256, s.content_key, now) for s in seen))


def forget(store: Store, paths: Iterable[str]) -> None:
    """Drop entries (files that could not be read or were not trustworthy this time)."""
    save(store, (), paths, "")
