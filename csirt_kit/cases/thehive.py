"""TheHive 5 backend through thehive4py: cases, tasks, observables, comments, status.

Settings and the client are in ``thehive_client`` (config keys listed there); alert
mode in ``thehive_alerts``; task logs and attachments in ``thehive_files``. A case
carries its key twice: in the dedup tag and in the key custom field, and is found
by either (an analyst who removed the tag does not cause a duplicate).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from thehive4py.query.filters import Eq
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc

from csirt_kit.cases.backend import PRODUCT_TAG, Refused, RemoteCase, RemoteTask, dedup_tag
from csirt_kit.cases.records import Observable
from csirt_kit.cases.templates import template_name
from csirt_kit.cases.thehive_alerts import ALERT_CLOSE, AlertOps
from csirt_kit.cases.thehive_client import CHUNK, PAP, SEVERITY, TLP, TimeoutAdapter, any_id
from csirt_kit.cases.thehive_files import FileOps

__all__ = ["PAP", "SEVERITY", "TLP", "TheHiveBackend", "TimeoutAdapter"]

log = logging.getLogger(__name__)


def playbook_of(key: str, fields: dict[str, Any] | None = None) -> str:
    """The playbook id of a case key (``playbook:group[#n]``)."""
    return str((fields or {}).get("playbook") or key.split(":", 1)[0])


class TheHiveBackend(AlertOps, FileOps):
    """Cases (or alerts, in alert mode) in a TheHive 5 organisation."""

    def find_case(self, key: str) -> RemoteCase | None:
        """In alert mode the alert with this sourceRef; else the oldest case with the key's tag or field."""
        if self.mode == "alert":
            alert = self.find_alert(key)
            if alert is not None:
                return alert
        flt = Eq("tags", dedup_tag(key))
        with_field = self.field_ok is not False
        try:
            found = self._call(f"find case {key}", self.api.case.find,
                               filters=flt | Eq(f"customFields.{self.key_field}", key) if with_field else flt,
                               sortby=Asc("_createdAt"), paginate=Paginate(0, 5))
        except Refused as exc:
            if not with_field or not self.field_missing(exc):
                raise
            found = self._call(f"find case {key}", self.api.case.find, filters=flt,
                               sortby=Asc("_createdAt"), paginate=Paginate(0, 5))
        found = self._expect(f"find case {key}", found, list)
        return self._case(found[0]) if found and isinstance(found[0], dict) and "_id" in found[0] else None

    def create_case(self, key: str, fields: dict[str, Any]) -> RemoteCase:
        """POST the case (or the alert) once; the caller looks it up before any retry."""
        if self.mode == "alert":
            return self.create_alert(key, fields)
        body: dict[str, Any] = {
            "title": fields["title"], "description": fields["description"],
            "severity": SEVERITY.get(fields.get("severity", "medium"), 2),
            "tlp": TLP.get(fields.get("tlp", "amber"), 2), "pap": PAP.get(fields.get("pap", "amber"), 2),
            "tags": sorted({*fields.get("tags", []), PRODUCT_TAG, dedup_tag(key)}), "flag": False}
        if self.use_templates and self.templates_ok:
            body["caseTemplate"] = template_name(playbook_of(key, fields))
        try:
            data = self.with_key_field(f"create case {key}", self.api.case.create, key, body)
        except Refused as exc:
            if "caseTemplate" not in body or not self._template_missing(exc, body["caseTemplate"]):
                raise
            del body["caseTemplate"]
            data = self.with_key_field(f"create case {key}", self.api.case.create, key, body)
        remote = self._case(self._expect(f"create case {key}", data, dict))
        return replace(remote, templated="caseTemplate" in body)

    def _template_missing(self, exc: Refused, name: str) -> bool:
        text = exc.what.lower()
        if "casetemplate" not in text.replace(" ", "") or name.lower() not in text:
            return False
        self.templates_ok = False
        log.warning("%s has no case template %r: cases are opened without templates this run; "
                    "push them with `csirt playbooks push` (or set cases.thehive.use_templates = false)",
                    self.where, name)
        return True

    def list_tasks(self, case_id: str) -> list[RemoteTask]:
        """Tasks already in the case."""
        found = self._expect("list tasks", self._call(f"list tasks of case {case_id}",
                                                      self.api.case.find_tasks, case_id), list)
        return [RemoteTask(str(t["_id"]), str(t.get("title", "")), str(t.get("group", "default")),
                           str(t.get("status", "Waiting"))) for t in found if isinstance(t, dict)]

    def add_task(self, case_id: str, key: str, idx: int, task: dict[str, Any]) -> RemoteTask:
        """Create one task."""
        body = {"title": task["title"], "group": task.get("group", "default"),
                "description": task.get("description", ""), "order": idx, "flag": False}
        data = self._expect(f"add task to case {key}",
                            self._call(f"add task to case {key}", self.api.case.create_task, case_id, body),
                            dict)
        return RemoteTask(str(data["_id"]), body["title"], body["group"], str(data.get("status", "Waiting")))

    def _existing_observables(self, target: str, kind: str) -> set[tuple[str, str]]:
        find = self.api.alert.find_observables if kind == "alert" else self.api.case.find_observables
        found = self._expect("list observables", self._call(
            f"list observables of {kind} {target}", find, target), list)
        return {(str(o.get("dataType")), str(o.get("data"))) for o in found if isinstance(o, dict)}

    def add_observables(self, case_id: str, observables: Sequence[Observable], kind: str = "case") -> int:
        """One request per (type, IoC flag, TLP) group; a duplicate 400 is resolved by a lookup."""
        api = self.api.observable
        create = api.create_in_alert if kind == "alert" else api.create_in_case
        groups: dict[tuple[str, bool, str], list[Observable]] = {}
        for obs in observables:
            groups.setdefault((obs.data_type, obs.ioc, obs.tlp), []).append(obs)
        existing: set[tuple[str, str]] | None = None
        added = 0
        for (dtype, ioc, tlp), members in sorted(groups.items()):
            values = [o.data for o in members]
            if existing is not None:
                values = [v for v in values if (dtype, v) not in existing]
            messages = {o.message for o in members}
            body = {"dataType": dtype, "ioc": ioc, "sighted": False, "tlp": TLP.get(tlp, 2),
                    "tags": [PRODUCT_TAG],
                    "message": messages.pop() if len(messages) == 1 else "from csirt-kit findings"}
            for attempt in range(2):
                if not values:
                    break
                try:
                    data = self._call(f"add {dtype} observables to {kind} {case_id}",
                                      create, case_id, {**body, "data": values})
                except Refused as exc:
                    if attempt or "already exist" not in exc.what.lower():
                        raise
                    existing = self._existing_observables(case_id, kind)
                    values = [v for v in values if (dtype, v) not in existing]
                    continue
                self._expect(f"add {dtype} observables to {kind} {case_id}", data, list)
                added += len(values)
                break
        return added

    def add_comment(self, case_id: str, text: str, kind: str = "case") -> None:
        """Add a comment to the case (or alert)."""
        create = self.api.comment.create_in_alert if kind == "alert" else self.api.comment.create_in_case
        data = self._call(f"comment on {kind} {case_id}", create, case_id, {"message": text})
        self._expect(f"comment on {kind} {case_id}", data, dict)

    def comment_texts(self, case_id: str, kind: str = "case") -> list[str]:
        """Texts of the case's (or alert's) comments."""
        find = self.api.alert.find_comments if kind == "alert" else self.api.case.find_comments
        found = self._expect("list comments", self._call(f"list comments of {kind} {case_id}", find, case_id),
                             list)
        return [str(c.get("message", "")) for c in found if isinstance(c, dict)]

    def update_case(self, case_id: str, fields: dict[str, Any], kind: str = "case") -> None:
        """PATCH case (or alert) fields (severity given as a name is mapped)."""
        body = dict(fields)
        if isinstance(body.get("severity"), str):
            body["severity"] = SEVERITY.get(body["severity"], 2)
        update = self.api.alert.update if kind == "alert" else self.api.case.update
        self._call(f"update {kind} {case_id}", update, case_id, body)

    def close_case(self, case_id: str, status: str, summary: str, impact: str, kind: str = "case") -> None:
        """Close with resolution status, impact and summary (an alert gets the nearest alert status)."""
        if kind == "alert":
            self._call(f"close alert {case_id}", self.api.alert.update, case_id,
                       {"status": ALERT_CLOSE.get(status, "Other"), "summary": summary})
            return
        self._call(f"close case {case_id}", self.api.case.close, case_id, status, summary,
                   impact_status=impact)

    def case_states(self, case_ids: Sequence[str]) -> dict[str, RemoteCase]:
        """Status of cases by id, 100 ids per query."""
        return {i: self._case(item) for i, item in self._by_ids("read case status",
                                                                 self.api.case.find, case_ids)}

    def task_states(self, task_ids: Sequence[str]) -> dict[str, RemoteTask]:
        """Status of tasks by id, 100 ids per query."""
        return {i: RemoteTask(i, str(t.get("title", "")), str(t.get("group", "default")),
                              str(t.get("status", "Waiting")))
                for i, t in self._by_ids("read task status", self.api.task.find, task_ids)}

    def _by_ids(self, what: str, find: Callable[..., Any],
                ids: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        """(id, object) of the ids a find endpoint knows, CHUNK ids per query."""
        out: list[tuple[str, dict[str, Any]]] = []
        for i in range(0, len(ids), CHUNK):
            chunk = list(ids[i:i + CHUNK])
            found = self._expect(what, self._call(what, find, filters=any_id(chunk),
                                                  paginate=Paginate(0, len(chunk))), list)
            out += [(str(item["_id"]), item) for item in found
                    if isinstance(item, dict) and "_id" in item]
        return out

    def close(self) -> None:
        """Close the HTTP session."""
        self.api.session.close()
