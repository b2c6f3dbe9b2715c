"""The local backend: the SQLite store is the case system (the embedded default).

``open_cases`` already writes cases, tasks, observables and events to the store;
draining the outbox into this backend confirms each write by giving the rows
their backend ids, so both backends share one code path and one outbox.
No config keys.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from csirt_kit.cases.backend import RemoteCase, RemoteFile, RemoteLog, RemoteTask
from csirt_kit.cases.records import Observable


class LocalBackend:
    """Cases live in the store itself."""

    name = "local"

    def __init__(self, conn: sqlite3.Connection, where: str = "local store") -> None:
        self.conn = conn
        self.where = where

    def find_case(self, key: str) -> RemoteCase | None:
        """The local case with this key, once confirmed."""
        row = self.conn.execute("SELECT backend_id, status, summary, impact_status FROM cases"
                                " WHERE key = ? AND backend_id IS NOT NULL", (key,)).fetchone()
        return RemoteCase(row[0], row[1], row[2], row[3]) if row else None

    def create_case(self, key: str, fields: dict[str, Any]) -> RemoteCase:
        """Confirm the case row written by open_cases."""
        self.conn.execute("UPDATE cases SET backend_id = ? WHERE key = ?", (f"local:{key}", key))
        return RemoteCase(f"local:{key}")

    def list_tasks(self, case_id: str) -> list[RemoteTask]:
        """Confirmed tasks of the case."""
        return [RemoteTask(r[0], r[1], r[2], r[3]) for r in self.conn.execute(
            "SELECT backend_id, title, grp, status FROM case_tasks WHERE case_key = ?"
            " AND backend_id IS NOT NULL", (case_id.removeprefix("local:"),))]

    def add_task(self, case_id: str, key: str, idx: int, task: dict[str, Any]) -> RemoteTask:
        """Confirm one task row."""
        task_id = f"local:{key}/{idx}"
        self.conn.execute("UPDATE case_tasks SET backend_id = ? WHERE case_key = ? AND idx = ?",
                          (task_id, key, idx))
        return RemoteTask(task_id, str(task.get("title", "")), str(task.get("group", "default")))

    def add_observables(self, case_id: str, observables: Sequence[Observable], kind: str = "case") -> int:
        """Observables are already in the store."""
        return len(observables)

    def add_comment(self, case_id: str, text: str, kind: str = "case") -> None:
        """Comments are already case events."""

    def comment_texts(self, case_id: str, kind: str = "case") -> list[str]:
        """No comment is ever half-sent to the store."""
        return []

    def update_case(self, case_id: str, fields: dict[str, Any], kind: str = "case") -> None:
        """Field changes are already in the store."""

    def close_case(self, case_id: str, status: str, summary: str, impact: str, kind: str = "case") -> None:
        """Closing is already in the store."""

    def case_states(self, case_ids: Sequence[str]) -> dict[str, RemoteCase]:
        """Nothing changes behind the store's back."""
        return {}

    def task_states(self, task_ids: Sequence[str]) -> dict[str, RemoteTask]:
        """Nothing changes behind the store's back."""
        return {}

    def alert_states(self, alert_ids: Sequence[str]) -> dict[str, RemoteCase]:
        """The store has no alerts."""
        return {}

    def add_task_log(self, task_id: str, message: str) -> RemoteLog:
        """Task logs are already case events."""
        return RemoteLog(f"local-log:{task_id}", task_id, message, 0)

    def task_log_texts(self, task_id: str) -> list[str]:
        """Nothing is ever half-sent to the store."""
        return []

    def task_logs_since(self, since_ms: int, task_ids: Sequence[str],
                        known: set[str]) -> tuple[list[RemoteLog], int]:
        """Nobody writes logs behind the store's back."""
        return [], since_ms

    def attachments(self, case_id: str, kind: str = "case") -> list[RemoteFile]:
        """Bundles are recorded as case events instead."""
        return []

    def attach(self, case_id: str, path: str, kind: str = "case") -> RemoteFile:
        """Bundles stay where they were written."""
        return RemoteFile(path, path, "")

    def close(self) -> None:
        """Nothing to release."""
