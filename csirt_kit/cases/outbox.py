"""The outbox: writes owed to a case backend, stored with the change that caused them.

Rows are ``pending`` until sent, then ``done``; a refusal that retrying cannot fix
(401/403, other 4xx, repeated malformed answers) makes them ``failed``, listed by
``cases list --problems`` and put back with ``cases sync --retry-failed``.
``progress`` remembers what part of a multi-request step (case, tasks,
observables) already reached the server, so a rerun resumes instead of repeating.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

OPS = ("create_case", "add_observables", "update", "comment", "close", "task_log")


@dataclass(frozen=True)
class OutboxItem:
    """One owed write."""

    id: int
    case_key: str
    backend: str
    op: str
    payload: dict[str, Any] = field(hash=False, compare=False)
    progress: dict[str, Any] = field(hash=False, compare=False)
    status: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    created_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (payload left out: it can be long)."""
        return {"id": self.id, "case_key": self.case_key, "backend": self.backend, "op": self.op,
                "status": self.status, "attempts": self.attempts, "last_error": self.last_error,
                "created_at": self.created_at}


def _item(row: sqlite3.Row) -> OutboxItem:
    return OutboxItem(id=row["id"], case_key=row["case_key"], backend=row["backend"], op=row["op"],
                      payload=json.loads(row["payload"]), progress=json.loads(row["progress"]),
                      status=row["status"], attempts=row["attempts"], last_error=row["last_error"],
                      created_at=row["created_at"])


def enqueue(conn: sqlite3.Connection, case_key: str, backend: str, op: str,
            payload: dict[str, Any], now: str) -> int:
    """Record an owed write; the caller holds the transaction that made it necessary."""
    if op not in OPS:
        raise ValueError(f"unknown outbox op {op!r}")
    cur = conn.execute(
        "INSERT INTO outbox (case_key, backend, op, payload, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (case_key, backend, op, json.dumps(payload, ensure_ascii=False, sort_keys=True), now, now))
    return int(cur.lastrowid or 0)


def pending_by_case(conn: sqlite3.Connection, backend: str) -> dict[str, list[OutboxItem]]:
    """Pending items per case key, cases in order of their first item, items in order."""
    out: dict[str, list[OutboxItem]] = {}
    for row in conn.execute("SELECT * FROM outbox WHERE status = 'pending' AND backend = ?"
                            " ORDER BY id", (backend,)):
        out.setdefault(row["case_key"], []).append(_item(row))
    return out


def items(conn: sqlite3.Connection, case_key: str | None = None, status: str = "") -> list[OutboxItem]:
    """Outbox rows, optionally of one case and status."""
    sql, args = "SELECT * FROM outbox WHERE 1=1", []
    if case_key:
        sql += " AND case_key = ?"
        args.append(case_key)
    if status:
        sql += " AND status = ?"
        args.append(status)
    return [_item(r) for r in conn.execute(sql + " ORDER BY id", args)]


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Number of rows per status."""
    return {r[0]: r[1] for r in conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status")}


def save_progress(conn: sqlite3.Connection, item_id: int, progress: dict[str, Any], now: str) -> None:
    """Remember what part of a step reached the server."""
    conn.execute("UPDATE outbox SET progress = ?, updated_at = ? WHERE id = ?",
                 (json.dumps(progress, sort_keys=True), now, item_id))


def mark_done(conn: sqlite3.Connection, item_ids: list[int], now: str) -> None:
    """The writes reached the server."""
    conn.executemany("UPDATE outbox SET status = 'done', attempts = attempts + 1, last_error = NULL,"
                     " updated_at = ? WHERE id = ?", [(now, i) for i in item_ids])


def mark_attempt(conn: sqlite3.Connection, item_ids: list[int], error: str, now: str,
                 failed: bool = False) -> None:
    """A try that did not complete: stays pending (or becomes failed) with the reason."""
    status = "failed" if failed else "pending"
    conn.executemany("UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?,"
                     " updated_at = ? WHERE id = ? AND status != 'done'",
                     [(status, error, now, i) for i in item_ids])


def retry_failed(conn: sqlite3.Connection, now: str) -> int:
    """Put failed items back in the queue (after the cause was fixed)."""
    cur = conn.execute("UPDATE outbox SET status = 'pending', updated_at = ? WHERE status = 'failed'",
                       (now,))
    return cur.rowcount
