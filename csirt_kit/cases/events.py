"""Case events: the raw material of case timelines (opened, finding_joined, closed, ...)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.timeutil import iso

EVENT_KINDS = ("opened", "finding_joined", "severity_raised", "task_status", "status", "comment",
               "note", "synced", "sync_failed", "closed", "reopened_as", "promoted", "task_log",
               "evidence")


@dataclass(frozen=True)
class CaseEvent:
    """One dated entry of a case's history."""

    case_key: str
    at: str
    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    id: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"id": self.id, "case_key": self.case_key, "at": self.at, "kind": self.kind,
                "text": self.text, "data": self.data}


def add_event(conn: sqlite3.Connection, case_key: str, kind: str, text: str,
              at: str | None = None, data: dict[str, Any] | None = None) -> int:
    """Append an event to a case's history; returns its id."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown case event kind {kind!r}")
    cur = conn.execute(
        "INSERT INTO case_events (case_key, at, kind, text, data) VALUES (?, ?, ?, ?, ?)",
        (case_key, at or iso(), kind, text,
         json.dumps(data or {}, ensure_ascii=False, sort_keys=True, default=str)))
    return int(cur.lastrowid or 0)


def list_events(conn: sqlite3.Connection, case_key: str) -> list[CaseEvent]:
    """A case's events, oldest first."""
    return [CaseEvent(case_key=r["case_key"], at=r["at"], kind=r["kind"], text=r["text"],
                      data=json.loads(r["data"]), id=r["id"])
            for r in conn.execute("SELECT * FROM case_events WHERE case_key = ? ORDER BY at, id",
                                  (case_key,))]
