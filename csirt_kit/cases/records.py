"""Local case rows: cases, tasks, observables and the findings that joined them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from csirt_kit.errors import NotFoundError, UsageError

OPEN_STATUSES = ("New", "InProgress")
CLOSED_STATUSES = ("TruePositive", "FalsePositive", "Indeterminate", "Other", "Duplicated")
CASE_STATUSES = OPEN_STATUSES + CLOSED_STATUSES
IMPACT_STATUSES = ("NotApplicable", "WithImpact", "NoImpact")
TASK_STATUSES = ("Waiting", "InProgress", "Completed", "Cancel")
# TheHive alert statuses that end an alert without a case -> our closing status.
ALERT_CLOSED = {"FalsePositive": "FalsePositive", "Ignored": "Other", "Duplicated": "Duplicated",
                "Other": "Other"}


@dataclass(frozen=True)
class Case:
    """One case as the local store knows it (the case itself, or TheHive's mirror)."""

    key: str
    base_key: str
    generation: int
    playbook: str
    group_value: str
    title: str
    severity: str
    backend: str
    created_at: str
    updated_at: str
    asset_id: str | None = None
    previous_key: str | None = None
    title_id: str = ""
    description: str = ""
    description_id: str = ""
    tlp: str = "amber"
    pap: str = "amber"
    tags: tuple[str, ...] = ()
    status: str = "New"
    stage: str = "open"
    impact_status: str | None = None
    summary: str | None = None
    backend_id: str | None = None
    backend_url: str | None = None
    closed_at: str | None = None
    remote_kind: str = "case"
    alert_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data


@dataclass(frozen=True)
class CaseTask:
    """One task of a case."""

    case_key: str
    idx: int
    group: str
    title: str
    status: str = "Waiting"
    title_id: str = ""
    description: str = ""
    description_id: str = ""
    backend_id: str | None = None


@dataclass(frozen=True)
class Observable:
    """An observable of a case: IP, domain, URL, hash, file name..."""

    data_type: str
    data: str
    ioc: bool = False
    tlp: str = "amber"
    message: str = ""


@dataclass(frozen=True)
class CaseFilter:
    """Filters of `cases list`; empty values match everything."""

    stage: str = ""
    playbook: str = ""
    asset_id: str = ""
    severity: str = ""
    problems: bool = False


def case_from_row(row: sqlite3.Row) -> Case:
    """Build a Case from a row of the cases table."""
    data = dict(row)
    data["tags"] = tuple(json.loads(data["tags"]))
    return Case(**data)


def insert_case(conn: sqlite3.Connection, case: Case) -> None:
    """Insert a new case row."""
    data = case.to_dict()
    data["tags"] = json.dumps(list(case.tags), ensure_ascii=False)
    cols = ", ".join(data)
    conn.execute(f"INSERT INTO cases ({cols}) VALUES ({', '.join(':' + c for c in data)})", data)


def get_case(conn: sqlite3.Connection, key: str) -> Case:
    """One case by key (NotFoundError names the command that lists keys)."""
    row = conn.execute("SELECT * FROM cases WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise NotFoundError(f"no case with key {key!r}", fix="see `csirt cases list` for keys")
    return case_from_row(row)


def latest_case(conn: sqlite3.Connection, base_key: str) -> Case | None:
    """The newest generation of a base key, open or closed."""
    row = conn.execute("SELECT * FROM cases WHERE base_key = ? ORDER BY generation DESC LIMIT 1",
                       (base_key,)).fetchone()
    return case_from_row(row) if row else None


def list_cases(conn: sqlite3.Connection, flt: CaseFilter | None = None) -> list[Case]:
    """Cases matching the filter, newest first."""
    flt = flt or CaseFilter()
    where: list[str] = []
    args: list[object] = []
    if flt.stage:
        if flt.stage not in ("open", "closed"):
            raise UsageError(f"unknown stage {flt.stage!r}", fix="use open or closed")
        where.append("stage = ?")
        args.append(flt.stage)
    for column, value in (("playbook", flt.playbook), ("asset_id", flt.asset_id),
                          ("severity", flt.severity)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if flt.problems:
        where.append("key IN (SELECT case_key FROM outbox WHERE status = 'failed'"
                     " OR (status = 'pending' AND last_error IS NOT NULL))")
    sql = "SELECT * FROM cases" + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY created_at DESC, key"
    return [case_from_row(r) for r in conn.execute(sql, args)]


def insert_tasks(conn: sqlite3.Connection, tasks: Sequence[CaseTask], now: str) -> None:
    """Insert the tasks of a new case."""
    conn.executemany(
        "INSERT INTO case_tasks (case_key, idx, grp, title, title_id, description, description_id,"
        " status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(t.case_key, t.idx, t.group, t.title, t.title_id, t.description, t.description_id,
          t.status, now)
         for t in tasks])


def tasks_of(conn: sqlite3.Connection, key: str) -> list[CaseTask]:
    """The tasks of a case in playbook order."""
    return [CaseTask(case_key=r["case_key"], idx=r["idx"], group=r["grp"], title=r["title"],
                     status=r["status"], title_id=r["title_id"], description=r["description"],
                     description_id=r["description_id"], backend_id=r["backend_id"])
            for r in conn.execute("SELECT * FROM case_tasks WHERE case_key = ? ORDER BY idx", (key,))]


def add_observables(conn: sqlite3.Connection, key: str, observables: Iterable[Observable],
                    now: str) -> list[Observable]:
    """Add observables to a case; returns only those it did not have yet."""
    added: list[Observable] = []
    for obs in observables:
        cur = conn.execute(
            "INSERT OR IGNORE INTO case_observables (case_key, data_type, data, ioc, tlp, message,"
            " added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, obs.data_type, obs.data, int(obs.ioc), obs.tlp, obs.message, now))
        if cur.rowcount:
            added.append(obs)
    return added


def observables_of(conn: sqlite3.Connection, key: str) -> list[Observable]:
    """The observables of a case."""
    return [Observable(r["data_type"], r["data"], bool(r["ioc"]), r["tlp"], r["message"])
            for r in conn.execute("SELECT * FROM case_observables WHERE case_key = ?"
                                  " ORDER BY added_at, data_type, data", (key,))]


def link_findings(conn: sqlite3.Connection, key: str, fingerprints: Iterable[str], now: str) -> None:
    """Record that findings joined a case, and point them at it (status in_case)."""
    fps = list(fingerprints)
    conn.executemany("INSERT OR IGNORE INTO case_findings (case_key, fingerprint, joined_at)"
                     " VALUES (?, ?, ?)", [(key, fp, now) for fp in fps])
    conn.executemany("UPDATE findings SET status = 'in_case', case_key = ? WHERE fingerprint = ?",
                     [(key, fp) for fp in fps])


def finding_fingerprints(conn: sqlite3.Connection, key: str) -> list[str]:
    """Fingerprints of every finding that joined a case."""
    return [r[0] for r in conn.execute(
        "SELECT fingerprint FROM case_findings WHERE case_key = ? ORDER BY joined_at, fingerprint",
        (key,))]


def update_case(conn: sqlite3.Connection, key: str, now: str, **fields: Any) -> None:
    """Set some columns of a case and its updated_at."""
    if not fields:
        return
    sets = ", ".join(f"{name} = :{name}" for name in fields)
    conn.execute(f"UPDATE cases SET {sets}, updated_at = :now WHERE key = :key",
                 {**fields, "now": now, "key": key})
