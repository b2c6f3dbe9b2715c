"""Pull case and task status changed on the server (responders working in TheHive's UI)."""

from __future__ import annotations

import sqlite3

from csirt_kit.cases import records
from csirt_kit.cases.backend import CaseBackend
from csirt_kit.cases.events import add_event
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso


def resolve_findings(conn: sqlite3.Connection, key: str) -> int:
    """Findings still in a closed case become resolved (a rescan reopens them as new)."""
    cur = conn.execute("UPDATE findings SET status = 'resolved' WHERE case_key = ?"
                             " AND status = 'in_case'", (key,))
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
                resolved = resolve_findings(conn, key)
                add_event(conn, key, "closed", f"Closed in {backend.where} as {remote_case.status}: "
                          f"{remote_case.summary or ''}".rstrip(": "), at=now,
                          data={"status": remote_case.status, "impact": remote_case.impact_status,
                                "summary": remote_case.summary, "resolved_findings": resolved,
                                "by": backend.name})
                closed.append(key)
            else:
                records.update_case(conn, key, now, status=remote_case.status)
                add_event(conn, key, "status", f"Status in {backend.where}: {remote_case.status}",
                          at=now, data={"from": status, "to": remote_case.status})
    return changes, tuple(closed)
