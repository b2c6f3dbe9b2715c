"""Task logs (both ways) and attachments on TheHive cases and alerts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from csirt_kit.cases.backend import BadAnswer, RemoteFile, RemoteLog
from csirt_kit.cases.thehive_client import CHUNK, HiveClient, any_id
from csirt_kit.redaction import redact

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
PAGE = 200
MAX_PAGES = 25  # at most 5,000 new log entries read per sync; the rest next time


def _log(data: dict[str, Any], task_id: str) -> RemoteLog:
    created = data.get("_createdAt") or data.get("date") or 0
    return RemoteLog(str(data["_id"]), task_id, str(data.get("message", "")),
                     int(created) if isinstance(created, int | float) else 0,
                     str(data.get("_createdBy") or data.get("owner") or ""))


class FileOps(HiveClient):
    """Task logs written and read, attachments listed and uploaded."""

    _login: str | None = None

    def add_task_log(self, task_id: str, message: str) -> RemoteLog:
        """Write a log on a task."""
        data = self._call(f"log on task {task_id}", self.api.task_log.create, task_id, {"message": message})
        return _log(self._expect(f"log on task {task_id}", data, dict), task_id)

    def task_log_texts(self, task_id: str) -> list[str]:
        """Messages of the task's logs."""
        found = self._expect("list task logs", self._call(
            f"list logs of task {task_id}", self.api.task.find_logs, task_id), list)
        return [str(x.get("message", "")) for x in found if isinstance(x, dict)]

    def _own_login(self) -> str:
        if self._login is None:
            user = self._call("get current user", self.api.user.get_current)
            self._login = str(user.get("login", "")) if isinstance(user, dict) else ""
        return self._login

    def _task_of_log(self, log_id: str) -> str:
        found = self._expect("find the task of a log", self._call(
            f"find the task of log {log_id}", self.api.query.run,
            [{"_name": "getLog", "idOrName": log_id}, {"_name": "task"}]), list)
        return str(found[0]["_id"]) if found and isinstance(found[0], dict) and "_id" in found[0] else ""

    def task_logs_since(self, since_ms: int, task_ids: Sequence[str],
                        known: set[str]) -> tuple[list[RemoteLog], int]:
        """Logs others wrote on our tasks since since_ms (one query per 100 tasks, one per new log)."""
        out: list[RemoteLog] = []
        newest = since_ms
        for i in range(0, len(task_ids), CHUNK):
            chunk = list(task_ids[i:i + CHUNK])
            source = [{"_name": "listTask"}, {"_name": "filter", **any_id(chunk)},
                      {"_name": "logs"},
                      {"_name": "filter", "_gte": {"_field": "_createdAt", "_value": since_ms}},
                      {"_name": "sort", "_fields": [{"_createdAt": "asc"}]}]
            for page in range(MAX_PAGES):
                found = self._expect("read task logs", self._call(
                    "read task logs", self.api.query.run,
                    [*source, {"_name": "page", "from": page * PAGE, "to": (page + 1) * PAGE}]), list)
                for data in found:
                    if not isinstance(data, dict) or "_id" not in data:
                        continue
                    created = data.get("_createdAt")
                    if isinstance(created, int):
                        newest = max(newest, created)
                    if str(data["_id"]) in known:
                        continue
                    if str(data.get("_createdBy") or "") == self._own_login():
                        continue  # ours, sent before an answer was lost
                    task_id = chunk[0] if len(chunk) == 1 else self._task_of_log(str(data["_id"]))
                    if task_id:
                        out.append(_log(data, task_id))
                if len(found) < PAGE:
                    break
        return out, newest

    @staticmethod
    def _file(data: Any) -> RemoteFile:
        hashes = [h for h in (data.get("hashes") or []) if isinstance(h, str) and _SHA256.match(h)]
        return RemoteFile(str(data.get("_id", "")), str(data.get("name", "")),
                          hashes[0] if hashes else "", int(data.get("size") or 0))

    def attachments(self, case_id: str, kind: str = "case") -> list[RemoteFile]:
        """Attachments of the case (or alert)."""
        find = self.api.alert.find_attachments if kind == "alert" else self.api.case.find_attachments
        found = self._expect("list attachments", self._call(
            f"list attachments of {kind} {case_id}", find, case_id), list)
        return [self._file(a) for a in found if isinstance(a, dict)]

    def attach(self, case_id: str, path: str, kind: str = "case") -> RemoteFile:
        """Upload one file (thehive4py indexes the answer itself: a wrong shape is a TypeError)."""
        add = self.api.alert.add_attachment if kind == "alert" else self.api.case.add_attachment
        try:
            found = self._call(f"attach {Path(path).name} to {kind} {case_id}", add, case_id, [path])
        except (TypeError, KeyError) as exc:
            raise BadAnswer(f"attach to {kind} {case_id}: unexpected answer ({redact(str(exc))[:80]})",
                            where=self.where) from None
        found = self._expect(f"attach to {kind} {case_id}", found, list)
        if not found or not isinstance(found[0], dict):
            raise BadAnswer(f"attach to {kind} {case_id}: empty answer", where=self.where)
        return self._file(found[0])
