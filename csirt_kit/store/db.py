"""Connection handling: WAL, busy timeout, one IMMEDIATE transaction per write."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from csirt_kit.errors import StoreError
from csirt_kit.store.migrations import apply_migrations

MEMORY = ":memory:"


@dataclass
class Store:
    """An open store: the connection and the file it lives in."""

    conn: sqlite3.Connection
    path: str

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with BEGIN IMMEDIATE so writers queue, not deadlock."""
        if self.conn.in_transaction:
            # Nested use joins the outer transaction: one command, one commit.
            yield self.conn
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"store is busy or locked: {exc}", where=self.path,
                fix="another csirt process is writing; try again or raise store.busy_timeout",
            ) from None
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @property
    def folder(self) -> Path:
        """Folder beside the database for blobs (snapshots, evidence, caches)."""
        if self.path == MEMORY:
            raise StoreError("an in-memory store has no folder")
        folder = Path(self.path).with_suffix(".d")
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def _set_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    # Switching a new file to WAL needs a moment of exclusive access and SQLite does not
    # apply the busy timeout to it: two processes opening a new store at once must retry.
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def connect(path: str, busy_timeout: float = 30.0) -> sqlite3.Connection:
    """Open a connection in autocommit mode with WAL and foreign keys on."""
    if path != MEMORY:
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store folder: {exc}", where=path,
                             fix="set store.path to a writable location") from None
    try:
        conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        if path != MEMORY:
            _set_wal(conn, busy_timeout)
            # WAL with NORMAL is durable across application crashes; only an OS crash
            # can lose the last transactions, never corrupt the file.
            conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open the store: {exc}", where=path,
                         fix="check store.path points to a csirt-kit SQLite file") from None
    return conn


def open_store(path: str | Path, busy_timeout: float = 30.0, migrate: bool = True) -> Store:
    """Open (and by default migrate) the store at path; ':memory:' for tests."""
    spath = str(path)
    conn = connect(spath, busy_timeout)
    store = Store(conn=conn, path=spath)
    if migrate:
        try:
            apply_migrations(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"cannot migrate the store: {exc}", where=spath) from None
    return store
