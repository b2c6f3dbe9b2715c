"""Analyst actions on a case: close it, add a note (both recorded locally and queued)."""

from __future__ import annotations

from csirt_kit.cases import records
from csirt_kit.cases.events import add_event
from csirt_kit.cases.outbox import enqueue
from csirt_kit.cases.pull import resolve_findings
from csirt_kit.errors import UsageError
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso


def close_case(store: Store, key: str, status: str, summary: str,
               impact: str = "NotApplicable") -> records.Case:
    """Close a case: resolution and impact status, summary; its findings become resolved."""
    if status not in records.CLOSED_STATUSES:
        raise UsageError(f"unknown closing status {status!r}",
                         fix=f"use one of: {', '.join(records.CLOSED_STATUSES)}")
    if impact not in records.IMPACT_STATUSES:
        raise UsageError(f"unknown impact status {impact!r}",
                         fix=f"use one of: {', '.join(records.IMPACT_STATUSES)}")
    if not summary.strip():
        raise UsageError("closing a case needs a summary", fix="pass --summary TEXT")
    with store.write() as conn:
        case = records.get_case(conn, key)
        if case.stage == "closed":
            raise UsageError(f"case {key} is already closed ({case.status})",
                             fix="new findings for it will open a follow-up case")
        now = iso()
        records.update_case(conn, key, now, status=status, stage="closed", summary=summary,
                            impact_status=impact, closed_at=now)
        resolved = resolve_findings(conn, key)
        add_event(conn, key, "closed", f"Closed as {status}: {summary}", at=now,
                  data={"status": status, "impact": impact, "summary": summary,
                        "resolved_findings": resolved, "by": "csirt"})
        enqueue(conn, key, case.backend, "close",
                {"status": status, "summary": summary, "impact": impact}, now)
        return records.get_case(conn, key)


def add_note(store: Store, key: str, text: str, author: str = "") -> int:
    """An analyst note: a case event, and a comment on the backend's case."""
    if not text.strip():
        raise UsageError("a note needs text", fix='csirt cases note KEY "what you found"')
    with store.write() as conn:
        case = records.get_case(conn, key)
        now = iso()
        event_id = add_event(conn, key, "note", text, at=now, data={"author": author})
        message = f"{text}\n\n_(note by {author} via csirt-kit)_" if author else text
        enqueue(conn, key, case.backend, "comment", {"message": message}, now)
        return event_id
