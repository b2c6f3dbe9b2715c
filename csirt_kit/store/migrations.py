"""Numbered migrations, each applied in one transaction together with its record.

Files live in ``csirt_kit/store/migrations/NNNN_name.sql``. Numbers need not be
contiguous (blocks are reserved per subsystem: 0001-0009 core, 0010-0019 intel,
0020-0029 scanning, 0030-0039 cases, 0040-0049 pipeline and timelines), but
must never be renumbered once released.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from csirt_kit.errors import StoreError

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One schema step."""

    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    """All migrations shipped with the package, in version order."""
    found: list[Migration] = []
    folder = resources.files("csirt_kit.store") / "migrations"
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2),
                                   entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise StoreError("two migrations share a number", where="csirt_kit/store/migrations")
    return found


def applied_versions(conn: sqlite3.Connection) -> set[int]:
    """Versions already recorded in the store (read only)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
    ).fetchone()
    if not exists:
        return set()
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def pending(conn: sqlite3.Connection) -> list[Migration]:
    """Migrations not yet applied; never writes, so `doctor` can call it."""
    done = applied_versions(conn)
    return [m for m in available() if m.version not in done]


def schema_version(conn: sqlite3.Connection) -> int:
    """The highest applied migration number (0 for a new store)."""
    return max(applied_versions(conn), default=0)


def _statements(sql: str) -> list[str]:
    out: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip() and not buf.strip().startswith("--"):
        out.append(buf.strip())
    return out


def apply_migrations(conn: sqlite3.Connection) -> list[int]:
    """Apply pending migrations; safe when two processes start at once."""
    known = {m.version for m in available()}
    if applied_versions(conn) - known:
        raise StoreError("the store was written by a newer csirt-kit",
                         fix="upgrade csirt-kit on this machine")
    todo = pending(conn)
    done: list[int] = []
    for migration in todo:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL,"
                " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))"
            )
            # Another process may have applied it while we waited for the lock.
            if conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?",
                            (migration.version,)).fetchone():
                conn.execute("COMMIT")
                continue
            for statement in _statements(migration.sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                         (migration.version, migration.name))
            conn.execute(f"PRAGMA user_version = {migration.version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        done.append(migration.version)
    return done
