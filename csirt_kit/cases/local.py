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

from csirt_kit.cases.backend import RemoteCase, RemoteTask
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

    def add_observables(self, case_id: str, observables: Sequence[Observable]) -> int:
        """Observables are already in the store."""
        return len(observables)

    def add_comment(self, case_id: str, text: str) -> None:
        """Comments are already case events."""

    def comment_texts(self, case_id: str) -> list[str]:
        """No comment is ever half-sent to the store."""
        return []

    def update_case(self, case_id: str, fields: dict[str, Any]) -> None:
        """Field changes are already in the store."""

    def close_case(self, case_id: str, status: str, summary: str, impact: str) -> None:
        """Closing is already in the store."""

    def case_states(self, case_ids: Sequence[str]) -> dict[str, RemoteCase]:
        """Nothing changes behind the store's back."""
        return {}

    def task_states(self, task_ids: Sequence[str]) -> dict[str, RemoteTask]:
        """Nothing changes behind the store's back."""
        return {}

    def close(self) -> None:
        """Nothing to release."""
