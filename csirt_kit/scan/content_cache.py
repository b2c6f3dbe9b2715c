"""Never scan the same content twice with the same rules: a content-hash result cache.

Each worker keeps the results of this run in memory (so identical files in many webroots,
e.g. WordPress core, are scanned once per worker) and looks up earlier runs in the store's
``file_scan_cache`` table through its own read-only connection. The main process stores
what was newly scanned in one transaction at the end. A file that is read is always
hashed, and the key is its content, never its timestamps. Which files are read at all is
the stat cache's call (stat_cache.py): a file whose size, mtime, ctime, inode and device
are unchanged is not opened and its result comes from here by the key remembered for
it; a forged mtime still changes ctime, so such a file is read and hashed again.
When a loaded rule reads the externals (filename, extension, ...), the key mixes them in.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from csirt_kit.scan.rules import RuleHit, StringHit
from csirt_kit.store.db import MEMORY, Store


def content_key(sha256: str, externals: Mapping[str, Any], uses_externals: bool) -> str:
    """The cache key of one file's content (and externals when rules read them)."""
    if not uses_externals:
        return sha256
    mixed = json.dumps([sha256, sorted(externals.items())], sort_keys=True)
    return hashlib.sha256(mixed.encode("utf-8", "surrogateescape")).hexdigest()


def hits_to_json(hits: Iterable[RuleHit]) -> str:
    """Hits as compact JSON (matched bytes in base64)."""
    return json.dumps([{"n": h.namespace, "r": h.rule, "t": list(h.tags), "m": h.meta,
                        "s": [[s.identifier, s.offset, base64.b64encode(s.data).decode()]
                              for s in h.strings]} for h in hits], default=str)


def hits_from_json(text: str) -> tuple[RuleHit, ...]:
    """Hits back from hits_to_json."""
    return tuple(RuleHit(d["n"], d["r"], tuple(d["t"]), d["m"],
                         tuple(StringHit(i, int(o), base64.b64decode(b)) for i, o, b in d["s"]))
                 for d in json.loads(text))


class WorkerCache:
    """One process's view: this run's results in memory, earlier runs in the store."""

    def __init__(self, rules_hash: str, db_path: str | None, run_id: str = "") -> None:
        self.run_id = run_id
        self.rules_hash = rules_hash
        self.db_path = db_path
        self.memory: dict[str, tuple[RuleHit, ...]] = {}
        self._conn: sqlite3.Connection | None = None
        self._conn_failed = False

    def get(self, key: str) -> tuple[RuleHit, ...] | None:
        """Cached hits of this content, or None when it was never scanned with these rules."""
        found = self.memory.get(key)
        if found is not None:
            return found
        conn = self._connect()
        if conn is None:
            return None
        try:
            row = conn.execute("SELECT hits FROM file_scan_cache WHERE rules_hash = ? AND"
                               " content_key = ?", (self.rules_hash, key)).fetchone()
        except sqlite3.Error:
            return None  # the cache only saves time
        if row is None:
            return None
        hits = hits_from_json(row[0])
        self.memory[key] = hits
        return hits

    def put(self, key: str, hits: tuple[RuleHit, ...]) -> None:
        """Remember a result for the rest of this run."""
        self.memory[key] = hits

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None and self.db_path and not self._conn_failed:
            try:
                self._conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)
            except sqlite3.Error:
                self._conn_failed = True
        return self._conn


def store_path(store: Store | None) -> str | None:
    """The store file workers may read the cache from (None for in-memory stores)."""
    if store is None or store.path == MEMORY:
        return None
    return str(store.path)


def save(store: Store, rules_hash: str, fresh: Mapping[str, str], now: str) -> None:
    """Store newly scanned results and drop rows of other rule sets, in one transaction."""
    with store.write() as conn:
        conn.execute("DELETE FROM file_scan_cache WHERE rules_hash != ?", (rules_hash,))
        conn.executemany("INSERT OR REPLACE INTO file_scan_cache (rules_hash, content_key, hits,"
                         " scanned_at) VALUES (?, ?, ?, ?)",
                         [(rules_hash, key, hits, now) for key, hits in fresh.items()])
