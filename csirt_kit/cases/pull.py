"""Pull what responders changed on the server: case, alert and task status, and task logs."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

from csirt_kit.cases import records
from csirt_kit.cases.backend import BadAnswer, CaseBackend, Refused
from csirt_kit.cases.events import add_event
from csirt_kit.cases.follow import follow_alert
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso, parse_iso

log = logging.getLogger(__name__)


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


def _close_local(conn: sqlite3.Connection, key: str, status: str, summary: str | None,
                 impact: str | None, closed_at: str, where: str, by: str, now: str) -> None:
    records.update_case(conn, key, now, status=status, stage="closed", summary=summary,
                        impact_status=impact, closed_at=now)
    back = requeue_late_joiners(conn, key, closed_at)
    resolved = resolve_findings(conn, key)
    add_event(conn, key, "closed", f"Closed in {where} as {status}: {summary or ''}".rstrip(": "), at=now,
              data={"status": status, "impact": impact, "summary": summary, "resolved_findings": resolved,
                    "requeued_findings": back, "by": by})


def pull_alerts(store: Store, backend: CaseBackend) -> tuple[int, list[str]]:
    """Alerts promoted or merged (the key follows the case), or ended without a case (closed here)."""
    rows = store.conn.execute(
        "SELECT key, backend_id, status FROM cases WHERE stage = 'open' AND backend = ?"
        " AND remote_kind = 'alert' AND backend_id IS NOT NULL", (backend.name,)).fetchall()
    if not rows:
        return 0, []
    states = backend.alert_states([r["backend_id"] for r in rows])
    changes, closed = 0, []
    for r in rows:
        alert = states.get(r["backend_id"])
        if alert is None:
            continue
        if alert.case_id:
            try:
                follow_alert(store, backend, r["key"], alert)
            except (Refused, BadAnswer) as exc:  # the case cannot be read: the next pull retries
                log.warning("%s: alert %s became case %s, which cannot be read: %s", r["key"],
                            alert.id, alert.case_id, exc.what)
                continue
            changes += 1
        elif alert.status in records.ALERT_CLOSED:
            with store.write() as conn:
                summary = alert.summary or f"alert marked {alert.status}"
                _close_local(conn, r["key"], records.ALERT_CLOSED[alert.status], summary, None, "",
                             backend.where, backend.name, iso())
            closed.append(r["key"])
            changes += 1
        elif alert.status != r["status"] and alert.status in records.OPEN_STATUSES:
            with store.write() as conn:
                now = iso()
                records.update_case(conn, r["key"], now, status=alert.status)
                add_event(conn, r["key"], "status", f"Alert status in {backend.where}: {alert.status}",
                          at=now, data={"from": r["status"], "to": alert.status})
            changes += 1
    return changes, closed


def pull_task_logs(store: Store, backend: CaseBackend) -> int:
    """Logs responders wrote on our tasks become case events (each log once, ours never)."""
    tasks = store.conn.execute(
        "SELECT t.case_key, t.idx, t.title, t.backend_id, c.created_at FROM case_tasks t"
        " JOIN cases c ON c.key = t.case_key WHERE c.stage = 'open' AND c.backend = ?"
        " AND c.remote_kind = 'case' AND t.backend_id IS NOT NULL", (backend.name,)).fetchall()
    if not tasks:
        return 0
    mark = store.conn.execute("SELECT value FROM case_sync_marks WHERE backend = ? AND name = 'task_logs_ms'",
                              (backend.name,)).fetchone()
    since = int(mark[0]) if mark else int(min(parse_iso(t["created_at"]) for t in tasks).timestamp() * 1000)
    known = {r[0] for r in store.conn.execute("SELECT log_id FROM case_remote_logs WHERE backend = ?",
                                              (backend.name,))}
    by_task: dict[str, list[sqlite3.Row]] = {}
    for t in tasks:
        by_task.setdefault(t["backend_id"], []).append(t)
    logs, newest = backend.task_logs_since(since, sorted(by_task), known)
    with store.write() as conn:
        for entry in logs:
            owners = by_task.get(entry.task_id, [])
            at = iso(datetime.fromtimestamp(entry.created_ms / 1000, UTC)) if entry.created_ms else iso()
            for t in owners:  # a case an alert was merged into can be shared by two keys
                add_event(conn, t["case_key"], "task_log",
                          f"Log on task \"{t['title']}\" by {entry.author or 'a responder'}: {entry.message}",
                          at=at, data={"task": t["idx"], "log_id": entry.id, "author": entry.author,
                                       "message": entry.message, "backend": backend.name})
            conn.execute("INSERT OR IGNORE INTO case_remote_logs (log_id, backend, case_key, task_idx,"
                         " created_ms, origin) VALUES (?, ?, ?, ?, ?, 'theirs')",
                         (entry.id, backend.name, owners[0]["case_key"] if owners else "",
                          owners[0]["idx"] if owners else None, entry.created_ms))
        conn.execute("INSERT INTO case_sync_marks (backend, name, value) VALUES (?, 'task_logs_ms', ?)"
                     " ON CONFLICT (backend, name) DO UPDATE SET value = excluded.value",
                     (backend.name, str(max(newest, since))))
    return len(logs)


def pull_status(store: Store, backend: CaseBackend) -> tuple[int, tuple[str, ...]]:
    """Apply remote changes to open cases, alerts and tasks; returns (changes, closed keys)."""
    alert_changes, alert_closed = pull_alerts(store, backend)
    log_changes = pull_task_logs(store, backend)
    rows = store.conn.execute(
        "SELECT key, backend_id, status FROM cases WHERE stage = 'open' AND backend = ?"
        " AND remote_kind = 'case' AND backend_id IS NOT NULL", (backend.name,)).fetchall()
    if not rows:
        return alert_changes + log_changes, tuple(alert_closed)
    by_id = {r["backend_id"]: (r["key"], r["status"]) for r in rows}
    states = backend.case_states(list(by_id))
    tasks = store.conn.execute(
        "SELECT t.case_key, t.idx, t.title, t.status, t.backend_id FROM case_tasks t"
        " JOIN cases c ON c.key = t.case_key WHERE c.stage = 'open' AND c.backend = ?"
        " AND t.backend_id IS NOT NULL", (backend.name,)).fetchall()
    task_states = backend.task_states([t["backend_id"] for t in tasks]) if tasks else {}
    changes = alert_changes + log_changes
    closed: list[str] = list(alert_closed)
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
                _close_local(conn, key, remote_case.status, remote_case.summary, remote_case.impact_status,
                             remote_case.closed_at, backend.where, backend.name, now)
                closed.append(key)
            else:
                records.update_case(conn, key, now, status=remote_case.status)
                add_event(conn, key, "status", f"Status in {backend.where}: {remote_case.status}",
                          at=now, data={"from": status, "to": remote_case.status})
    return changes, tuple(closed)
