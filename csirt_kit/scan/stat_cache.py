"""Do not read unchanged files again: a stat cache keyed by absolute path (hashed).

Each file read by a scan is remembered with its size, mtime_ns, ctime_ns, inode and
device, its sha256 and its result under the current rules. On the next scan a file whose
five stat values are all unchanged is not opened: its sha256 and result come from here.
Only when the rules changed is it read again, since YARA needs the bytes, but it is not
hashed again (and the content cache may still spare the YARA run).

Rows are compact (hashed path keys, binary sha256) because a nightly rescan reads back
every row of every webroot: that read, not the files, is what an unchanged rescan costs.

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

import hashlib
import os
import sqlite3
import time
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


def key_of(text: str) -> int:
    """A path's (or rules hash's) 64-bit key."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def rules_tag(rules_hash: str) -> int:
    """The 64-bit tag of a rules hash (its first 16 hex digits)."""
    return int.from_bytes(bytes.fromhex(rules_hash[:16].ljust(16, "0")), "big", signed=True)


@dataclass(frozen=True)
class Known:
    """What the cache holds for one file."""

    stat: Stat
    sha256: str
    rules_tag: int
    hits: str | None  # hits JSON under rules_tag; None when the file was clean


@dataclass(frozen=True)
class Seen:
    """One file read in this scan, to be remembered."""

    root_key: int
    path: str
    stat: Stat
    sha256: str
    rules_tag: int
    hits: str | None


def load_root(conn: sqlite3.Connection, root: str) -> dict[int, Known]:
    """Cached entries of one scan root, by path key."""
    rows = conn.execute("SELECT path_key, size, mtime_ns, ctime_ns, inode, device, sha256,"
                        " rules_tag, hits FROM file_stat_cache WHERE root_key = ?", (key_of(root),))
    return {r[0]: Known((r[1], r[2], r[3], r[4], r[5]), r[6].hex(), r[7], r[8]) for r in rows}


def save(store: Store, seen: Iterable[Seen], gone: Iterable[tuple[int, int]]) -> None:
    """Remember files read and forget (root_key, path_key) of files gone, in one transaction."""
    with store.write() as conn:
        conn.executemany("DELETE FROM file_stat_cache WHERE root_key = ? AND path_key = ?", gone)
        conn.executemany(
            "INSERT OR REPLACE INTO file_stat_cache (root_key, path_key, size, mtime_ns,"
            " ctime_ns, inode, device, sha256, rules_tag, hits)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((s.root_key, key_of(s.path), *s.stat, bytes.fromhex(s.sha256), s.rules_tag, s.hits)
             for s in seen))


class StatPlan:
    """The stat cache's side of one scan: what to skip, what to remember, what to forget."""

    def __init__(self, store: Store | None, rules_hash: str, *, full: bool = False,
                 racy_seconds: float = RACY_SECONDS, flush_rows: int = 20000) -> None:
        self.store = store  # None: the cache is off
        self.tag = rules_tag(rules_hash)
        self.full = full
        self.flush_rows = flush_rows
        # A file whose ctime is this recent may change again within the same clock tick.
        self.racy_from = time.time_ns() - int(racy_seconds * 1e9)
        self.seen: list[Seen] = []
        self.gone: list[tuple[int, int]] = []
        self.unchanged = 0

    @property
    def mode(self) -> str:
        """'used', 'full' (ignored this time, refreshed) or 'off'."""
        return "off" if self.store is None else ("full" if self.full else "used")

    def known(self, root: str) -> dict[int, Known]:
        """Cached entries of one root (empty when the cache is off)."""
        return load_root(self.store.conn, root) if self.store else {}

    def skip(self, known: Known, st: Stat) -> bool:
        """True (and counted) when the file need not be opened: unchanged, same rules."""
        if self.full or known.stat != st or known.rules_tag != self.tag:
            return False
        self.unchanged += 1
        return True

    def remember(self, root_key: int, path: str, st: Stat, sha256: str,
                 hits: str | None) -> None:
        """Note a file read in this scan (forgotten instead when it changed too recently)."""
        if self.store is None:
            return
        if st[2] >= self.racy_from:
            self.forget(root_key, path)
            return
        self.seen.append(Seen(root_key, path, st, sha256, self.tag, hits))
        self._maybe_flush()

    def forget(self, root_key: int, path: str) -> None:
        """Drop a file's entry (it failed, vanished or was not trustworthy this time)."""
        if self.store is not None:
            self.gone.append((root_key, key_of(path)))
            self._maybe_flush()

    def forget_keys(self, root_key: int, path_keys: Iterable[int]) -> None:
        """Drop entries of files no longer found below a root."""
        if self.store is not None:
            self.gone.extend((root_key, k) for k in path_keys)

    def flush(self) -> None:
        """Write what was noted so far (a crash later loses nothing already written)."""
        if self.store is not None and (self.seen or self.gone):
            save(self.store, self.seen, self.gone)
        self.seen, self.gone = [], []

    def _maybe_flush(self) -> None:
        if len(self.seen) + len(self.gone) >= self.flush_rows:
            self.flush()
