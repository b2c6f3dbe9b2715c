"""The case backend protocol, its errors, and the registry of backends.

A backend is what the outbox drains into. Methods take and return plain values;
failures are ``Unavailable`` (stays queued), ``Refused`` (the item fails, no retry)
``BadAnswer`` (a 2xx that is not what the API promises), or ``AuthError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from csirt_kit.cases.records import Observable
from csirt_kit.errors import ServerError

DEDUP_TAG_PREFIX = "csirt-kit:key="
PRODUCT_TAG = "csirt-kit"


def dedup_tag(key: str) -> str:
    """The tag that finds a case by its key on the server."""
    return f"{DEDUP_TAG_PREFIX}{key}"


class Unavailable(ServerError):
    """The server could not be reached or failed (5xx, timeout): the work stays queued."""

    def __init__(self, what: str, where: str = "", fix: str = "", transport: bool = False) -> None:
        self.transport = transport
        super().__init__(what, where, fix or "the work stays queued; rerun `csirt cases sync` later",
                         queued=True)


class Refused(ServerError):
    """The server refused the request (4xx other than auth): retrying will not help."""


class BadAnswer(ServerError):
    """The server answered 2xx with something that is not the documented shape."""


@dataclass(frozen=True)
class RemoteCase:
    """A case as the backend reports it."""

    id: str
    status: str = "New"
    summary: str | None = None
    impact_status: str | None = None
    url: str = ""
    closed_at: str = ""
    kind: str = "case"  # "alert" when id names a TheHive alert (alert mode)
    alert_id: str = ""  # the alert this case was promoted or merged from
    case_id: str = ""  # for an alert: the case an analyst promoted or merged it into
    templated: bool = False  # created from a case template: the server added tasks
    inline: bool = False  # the create carried the observables (an alert's inline observables)
    existed: bool = False  # the create was refused as a duplicate and this is the one found


@dataclass(frozen=True)
class RemoteTask:
    """A task as the backend reports it."""

    id: str
    title: str
    group: str = "default"
    status: str = "Waiting"


@dataclass(frozen=True)
class RemoteLog:
    """A task log written on the server (by a responder, or by us)."""

    id: str
    task_id: str
    message: str
    created_ms: int
    author: str = ""


@dataclass(frozen=True)
class RemoteFile:
    """An attachment the remote case or alert already has."""

    id: str
    name: str
    sha256: str
    size: int = 0


class CaseBackend(Protocol):
    """What sync needs from a case store: about seven calls, all idempotent or guarded."""

    name: str
    where: str

    def find_case(self, key: str) -> RemoteCase | None:
        """The case carrying the dedup tag of key, or None."""

    def create_case(self, key: str, fields: dict[str, Any]) -> RemoteCase:
        """Create a case (one request, never retried by the client)."""

    def list_tasks(self, case_id: str) -> list[RemoteTask]:
        """The tasks the case already has."""

    def add_task(self, case_id: str, key: str, idx: int, task: dict[str, Any]) -> RemoteTask:
        """Create one task."""

    def add_observables(self, case_id: str, observables: Sequence[Observable], kind: str = "case") -> int:
        """Add observables; ones the case already has are skipped. Returns how many were new."""

    def add_comment(self, case_id: str, text: str, kind: str = "case") -> None:
        """Add a comment (a timeline entry) to the case."""

    def comment_texts(self, case_id: str, kind: str = "case") -> list[str]:
        """The comments the case has (checked before re-sending one after a failed try)."""

    def update_case(self, case_id: str, fields: dict[str, Any], kind: str = "case") -> None:
        """Change fields such as severity."""

    def close_case(self, case_id: str, status: str, summary: str, impact: str, kind: str = "case") -> None:
        """Close with a resolution status, impact status and summary."""

    def alert_states(self, alert_ids: Sequence[str]) -> dict[str, RemoteCase]:
        """Alerts by id (kind "alert"; case_id set once promoted or merged)."""

    def add_task_log(self, task_id: str, message: str) -> RemoteLog:
        """Write a log entry on a task."""

    def task_log_texts(self, task_id: str) -> list[str]:
        """Messages of a task's logs (checked before re-sending one after a failed try)."""

    def task_logs_since(self, since_ms: int, task_ids: Sequence[str],
                        known: set[str]) -> tuple[list[RemoteLog], int]:
        """Logs others wrote on the tasks at or after since_ms (minus known ids); the newest time seen."""

    def attachments(self, case_id: str, kind: str = "case") -> list[RemoteFile]:
        """Attachments of a case (or alert)."""

    def attach(self, case_id: str, path: str, kind: str = "case") -> RemoteFile:
        """Upload one file as an attachment."""

    def case_states(self, case_ids: Sequence[str]) -> dict[str, RemoteCase]:
        """Current status of cases by id (for pulling changes made on the server)."""

    def task_states(self, task_ids: Sequence[str]) -> dict[str, RemoteTask]:
        """Current status of tasks by id."""

    def close(self) -> None:
        """Release connections."""
