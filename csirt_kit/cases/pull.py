"""Pull case and task status changed on the server (responders working in TheHive's UI)."""

from __future__ import annotations

import sqlite3

from csirt_kit.cases import records
from csirt_kit.cases.backend import CaseBackend
from csirt_kit.cases.events import add_event
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso, parse_iso


def resolve_findings(conn: sqlite3.Connection, key: str) -> int:
    """Findings still in a closed case become resolved (a rescan reopens them as new)."""
    cur = conn.execute("UPDATE findings SET status = 'resolved' WHERE case_key = ?"
                             " AND status = 'in_case'", (key,))
    return cur.rowcount


def requeue_late_joiners(conn: sqlite3.Connection, key: str, closed_at: str) -> int:
    """Findings that joined after the case was closed on the server go back to new.

    They were joined locally before the close was pulled; resolving them would hide
    them, so the next `cases open` puts them in a follow-up case instead.
    """
    if not closed_at:
        return 0
    closed = parse_iso(closed_at)
    late = [r[0] for r in conn.execute("SELECT fingerprint, joined_at FROM case_findings"
                                       " WHERE case_key = ?", (key,)) if parse_iso(r[1]) > closed]
    cur = conn.executemany(
        "UPDATE findings SET status = 'new', case_key = NULL, previous_case_key = ?"
        " WHERE fingerprint = ? AND case_key = ? AND status = 'in_case'",
        [(key, fp, key) for fp in late])
    return cur.rowcount


def pull_status(store: Store, backend: CaseBackend) -> tuple[int, tuple[str, ...]]:
    """Apply remote status changes of open cases and their tasks; returns (changes, closed keys)."""
    rows = store.conn.execute(
        "SELECT key, backend_id, status FROM cases WHERE stage = 'open' AND backend = ?"
        " AND backend_id IS NOT NULL", (backend.name,)).fetchall()
    if not rows:
        return 0, ()
    by_id = {r["backend_id"]: (r["key"], r["status"]) for r in rows}
    states = backend.case_states(list(by_id))
    tasks = store.conn.execute(
        "SELECT t.case_key, t.idx, t.title, t.status, t.backend_id FROM case_tasks t"
        " JOIN cases c ON c.key = t.case_key WHERE c.stage = 'open' AND c.backend = ?"
        " AND t.backend_id IS NOT NULL", (backend.name,)).fetchall()
    task_states = backend.task_states([t["backend_id"] for t in tasks]) if tasks else {}
    changes = 0
    closed: list[str] = []
    with store.write() as conn:
        now = iso()
        for t in tasks:
            remote = task_states.get(t["backend_id"])
            if remote is None or remote.status == t["status"]:
                continue
            conn.execute("UPDATE case_tasks SET status = ?, updated_at = ? WHERE case_key = ? AND idx = ?",
                         (remote.status, now, t["case_key"], t["idx"]))
            add_event(conn, t["case_key"], "task_status", f"Task \"{t['title']}\" is now {remote.status}",
                      at=now, data={"task": t["idx"], "from": t["status"], "to": remote.status,
                                    "backend": backend.name})
            changes += 1
        for case_id, (key, status) in by_id.items():
            remote_case = states.get(case_id)
            if remote_case is None or remote_case.status == status:
                continue
            changes += 1
            if remote_case.status in records.CLOSED_STATUSES:
                records.update_case(conn, key, now, status=remote_case.status, stage="closed",
                                    summary=remote_case.summary,
                                    impact_status=remote_case.impact_status, closed_at=now)
                back = requeue_late_joiners(conn, key, remote_case.closed_at)
                resolved = resolve_findings(conn, key)
                add_event(conn, key, "closed", f"Closed in {backend.where} as {remote_case.status}: "
                          f"{remote_case.summary or ''}".rstrip(": "), at=now,
                          data={"status": remote_case.status, "impact": remote_case.impact_status,
                                "summary": remote_case.summary, "resolved_findings": resolved,
                                "requeued_findings": back, "by": backend.name})
                closed.append(key)
            else:
                records.update_case(conn, key, now, status=remote_case.status)
                add_event(conn, key, "status", f"Status in {backend.where}: {remote_case.status}",
                          at=now, data={"from": status, "to": remote_case.status})
    return changes, tuple(closed)
