"""Where a case key lives on the server: its case, its alert, or the case an analyst made of the alert.

After a promotion or merge the key follows the alert's ``caseId``: new findings,
task logs and status then go to (and come from) that case, and our playbook tasks
are matched to the case's tasks (those the case template created) by title, then
by group in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from csirt_kit.cases import records
from csirt_kit.cases.backend import CaseBackend, RemoteCase, RemoteTask
from csirt_kit.cases.events import add_event
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso


def match_tasks(local: Sequence[dict[str, Any]], remote: Sequence[RemoteTask]) -> dict[str, str]:
    """Local task idx (as str) -> remote task id: same title first, then next free task of the group."""
    free = list(remote)
    out: dict[str, str] = {}
    for exact in (True, False):
        for t in local:
            idx = str(t["idx"])
            if idx in out:
                continue
            hit = next((r for r in free if (r.title == t["title"] if exact else r.group == t["group"])), None)
            if hit is not None:
                out[idx] = hit.id
                free.remove(hit)
    return out


def set_task_ids(store: Store, key: str, ids: dict[str, str]) -> None:
    """Record the remote ids of local tasks."""
    with store.write() as conn:
        conn.executemany("UPDATE case_tasks SET backend_id = ? WHERE case_key = ? AND idx = ?",
                         [(tid, key, int(idx)) for idx, tid in ids.items()])


def adopt_tasks(store: Store, backend: CaseBackend, key: str, case_id: str) -> int:
    """Give local tasks the ids of the case's tasks; a case without tasks gets ours. Returns how many."""
    local: list[dict[str, Any]] = [
        {"idx": t.idx, "title": t.title, "group": t.group, "description": t.description}
        for t in records.tasks_of(store.conn, key) if not t.backend_id]
    if not local:
        return 0
    remote = backend.list_tasks(case_id)
    ids = match_tasks(local, remote)
    if not remote:
        for t in local:
            ids[str(t["idx"])] = backend.add_task(case_id, key, int(t["idx"]), t).id
            set_task_ids(store, key, ids)
    set_task_ids(store, key, ids)
    return len(ids)


def record_remote(store: Store, backend: CaseBackend, key: str, remote: RemoteCase) -> tuple[str, str]:
    """Store where the key lives; an alert with a caseId leads to that case. Returns (id, kind)."""
    if remote.kind == "alert" and remote.case_id:
        return follow_alert(store, backend, key, remote)
    with store.write() as conn:
        records.update_case(conn, key, iso(), backend_id=remote.id, backend_url=remote.url or None,
                            remote_kind=remote.kind, alert_id=remote.alert_id or None)
    return remote.id, remote.kind


def follow_alert(store: Store, backend: CaseBackend, key: str, alert: RemoteCase) -> tuple[str, str]:
    """The alert was promoted or merged: the key now lives in the alert's case (tasks adopted first)."""
    adopt_tasks(store, backend, key, alert.case_id)  # a failure here leaves the key on the alert
    url = getattr(backend, "url", "")
    with store.write() as conn:
        now = iso()
        records.update_case(conn, key, now, backend_id=alert.case_id, remote_kind="case", alert_id=alert.id,
                            backend_url=f"{url}/cases/{alert.case_id}/details" if url else None)
        add_event(conn, key, "promoted", f"Alert {alert.id} became case {alert.case_id} in {backend.where}"
                  " (promoted or merged by an analyst)", at=now,
                  data={"alert": alert.id, "case": alert.case_id, "backend": backend.name})
    return alert.case_id, "case"
