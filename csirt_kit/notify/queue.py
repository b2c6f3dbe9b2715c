"""The notification outbox: one row per message owed to a channel.

Rows are ``pending`` until a receiver accepts them (``sent``); a refusal retrying cannot fix
makes them ``failed`` (listed by ``notify list --problems``, put back by
``notify send --retry-failed``). (channel, case_key, kind) is unique, so enqueueing is idempotent.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any

KINDS = ("case", "digest")
STATUSES = ("pending", "sent", "failed")
_NAMESPACE = uuid.UUID("5b1f0c8e-9a57-4d59-9c3e-6a1d2f0b7c41")


@dataclass(frozen=True)
class NotifyItem:
    """One owed (or delivered) message."""

    id: int
    channel: str
    case_key: str
    kind: str
    lang: str
    delivery_id: str
    status: str
    attempts: int
    last_error: str | None
    created_at: str
    updated_at: str
    sent_at: str | None = None
    payload: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"id": self.id, "channel": self.channel, "case_key": self.case_key, "kind": self.kind,
                "lang": self.lang, "delivery_id": self.delivery_id, "status": self.status,
                "attempts": self.attempts, "last_error": self.last_error,
                "created_at": self.created_at, "sent_at": self.sent_at}


def _item(row: sqlite3.Row) -> NotifyItem:
    data = dict(row)
    data["payload"] = json.loads(data["payload"])
    return NotifyItem(**data)


def delivery_id(channel: str, case_key: str, kind: str) -> str:
    """Stable per message: the same on every retry, so receivers can drop repeats."""
    return str(uuid.uuid5(_NAMESPACE, f"{channel}\x00{case_key}\x00{kind}"))


def enqueue(conn: sqlite3.Connection, channel: str, case_key: str, kind: str, lang: str,
            now: str, payload: dict[str, Any] | None = None) -> bool:
    """Queue one message unless it was queued before; True when it is new."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    cur = conn.execute(
        "INSERT OR IGNORE INTO notify_outbox (channel, case_key, kind, lang, payload, delivery_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (channel, case_key, kind, lang, json.dumps(payload or {}, ensure_ascii=False, sort_keys=True),
         delivery_id(channel, case_key, kind), now, now))
    return bool(cur.rowcount)


def queued_keys(conn: sqlite3.Connection, channel: str, kind: str) -> set[str]:
    """Every subject ever queued for a channel (any status)."""
    return {r[0] for r in conn.execute(
        "SELECT case_key FROM notify_outbox WHERE channel = ? AND kind = ?", (channel, kind))}


def channel_since(conn: sqlite3.Connection, channel: str, now: str) -> str:
    """When the channel was first seen (recorded now if it is new); caller holds the write."""
    conn.execute("INSERT OR IGNORE INTO notify_channels (name, since) VALUES (?, ?)", (channel, now))
    row = conn.execute("SELECT since FROM notify_channels WHERE name = ?", (channel,)).fetchone()
    return str(row[0])


def pending(conn: sqlite3.Connection, channel: str, limit: int) -> list[NotifyItem]:
    """The oldest pending messages of one channel."""
    return [_item(r) for r in conn.execute(
        "SELECT * FROM notify_outbox WHERE status = 'pending' AND channel = ? ORDER BY id LIMIT ?",
        (channel, limit))]


def items(conn: sqlite3.Connection, status: str = "", problems: bool = False,
          channel: str = "") -> list[NotifyItem]:
    """Outbox rows, newest first; problems = failed, or pending after a failed try."""
    sql, args = "SELECT * FROM notify_outbox WHERE 1=1", []
    if status:
        sql += " AND status = ?"
        args.append(status)
    if channel:
        sql += " AND channel = ?"
        args.append(channel)
    if problems:
        sql += " AND (status = 'failed' OR (status = 'pending' AND last_error IS NOT NULL))"
    return [_item(r) for r in conn.execute(sql + " ORDER BY id DESC", args)]


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Number of rows per status."""
    found = {r[0]: r[1] for r in conn.execute(
        "SELECT status, COUNT(*) FROM notify_outbox GROUP BY status")}
    return {s: found.get(s, 0) for s in STATUSES}


def mark_sent(conn: sqlite3.Connection, item_id: int, now: str) -> None:
    """The receiver accepted the message."""
    conn.execute("UPDATE notify_outbox SET status = 'sent', attempts = attempts + 1,"
                 " last_error = NULL, sent_at = ?, updated_at = ? WHERE id = ?", (now, now, item_id))


def mark_attempt(conn: sqlite3.Connection, item_id: int, error: str, now: str, failed: bool) -> None:
    """A try that did not deliver: stays pending, or becomes failed, with the reason."""
    conn.execute("UPDATE notify_outbox SET status = ?, attempts = attempts + 1, last_error = ?,"
                 " updated_at = ? WHERE id = ?",
                 ("failed" if failed else "pending", error, now, item_id))


def fail_pending(conn: sqlite3.Connection, channel: str, error: str, now: str) -> int:
    """Mark every pending message of a channel failed without trying it (credentials refused)."""
    return conn.execute("UPDATE notify_outbox SET status = 'failed', last_error = ?, updated_at = ?"
                        " WHERE channel = ? AND status = 'pending'", (error, now, channel)).rowcount


def retry_failed(conn: sqlite3.Connection, now: str, channel: str = "") -> int:
    """Put failed messages back in the queue (after the cause was fixed)."""
    sql = "UPDATE notify_outbox SET status = 'pending', updated_at = ? WHERE status = 'failed'"
    args: list[str] = [now]
    if channel:
        sql += " AND channel = ?"
        args.append(channel)
    return conn.execute(sql, args).rowcount
