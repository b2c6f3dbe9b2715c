"""The emulated TheHive's data: objects, ids, clock, and the create/update rules of TheHive 5."""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable
from typing import Any

from tests.emulators.thehive_model import (
    CASE_STAGES,
    CASE_UPDATE_KEYS,
    IMPACT_STATUSES,
    TASK_STATUSES,
    TASK_UPDATE_KEYS,
    Obj,
    apply_tags,
    attribute_error,
    bad_request,
    check_common,
    check_custom_value,
    check_unknown,
    normalise_custom_fields,
    not_found,
    require_object,
    require_text,
    set_labels,
    unique,
)

KINDS = (
    "cases", "tasks", "observables", "comments", "task_logs", "alerts", "case_templates",
    "custom_fields", "attachments",
)  # fmt: skip


class HiveState:
    """All objects by kind, each a dict keyed by `_id`, plus ownership and parent links."""

    cases: dict[str, Obj]
    tasks: dict[str, Obj]
    observables: dict[str, Obj]
    comments: dict[str, Obj]
    task_logs: dict[str, Obj]
    alerts: dict[str, Obj]
    case_templates: dict[str, Obj]
    custom_fields: dict[str, Obj]
    attachments: dict[str, Obj]

    def __init__(self, first_id: int = 4104, clock: Callable[[], int] | None = None) -> None:
        self.first_id = first_id
        self.clock = clock or (lambda: int(time.time() * 1000))
        self.clear_state()

    def clear_state(self) -> None:
        for kind in KINDS:
            setattr(self, kind, {})
        self.org_of: dict[str, str] = {}  # object id -> organisation
        self.parent: dict[str, str] = {}  # child id -> case/task/alert id
        self.blobs: dict[str, bytes] = {}  # attachment content id -> bytes
        self._ids = itertools.count(self.first_id, 8)
        self._numbers: dict[str, int] = {}
        self._last_ms = 0

    # -- ids, time, lookups ---------------------------------------------------------------
    def new_id(self) -> str:
        return f"~{next(self._ids)}"

    def now(self) -> int:
        """Epoch milliseconds, strictly increasing so creation order is also sort order."""
        self._last_ms = max(self.clock(), self._last_ms + 1)
        return self._last_ms

    def base(self, kind: str, user: str, org: str, parent: str | None = None) -> Obj:
        """The `_id/_type/_createdBy/_createdAt` header of a new object, registered to org."""
        oid = self.new_id()
        self.org_of[oid] = org
        if parent is not None:
            self.parent[oid] = parent
        return {"_id": oid, "_type": kind, "_createdBy": user, "_createdAt": self.now()}

    def lookup(self, store: dict[str, Obj], ident: str, org: str, what: str) -> Obj:
        """An object of this organisation by id (cases also by number), or 404 NotFoundError."""
        obj = store.get(ident)
        if obj is None and what == "Case" and str(ident).lstrip("#").isdigit():
            number = int(str(ident).lstrip("#"))
            obj = next(
                (c for c in store.values() if c["number"] == number and self.org_of[c["_id"]] == org), None
            )
        if obj is None and what == "CaseTemplate":
            obj = next(
                (t for t in store.values() if t["name"] == ident and self.org_of[t["_id"]] == org), None
            )
        if obj is None or self.org_of.get(obj["_id"]) != org:
            raise not_found(f"{what} {ident} not found")
        return obj

    def children(self, store: dict[str, Obj], parent_id: str) -> list[Obj]:
        return [o for oid, o in store.items() if self.parent.get(oid) == parent_id]

    def in_org(self, store: dict[str, Obj], org: str) -> list[Obj]:
        return [o for oid, o in store.items() if self.org_of.get(oid) == org]

    def touch(self, obj: Obj, user: str) -> None:
        obj["_updatedAt"] = self.now()
        obj["_updatedBy"] = user

    # -- custom fields --------------------------------------------------------------------
    def custom_values(self, value: Any, org: str) -> list[Obj]:
        """Checked output-form values [{_id,name,type,value,order}] from list or dict input."""
        out = []
        for item in normalise_custom_fields(value):
            definition = next((d for d in self.custom_fields.values() if d["name"] == item["name"]), None)
            if definition is None:
                raise not_found(f"CustomField {item['name']} not found")
            check_custom_value(definition, item["value"])
            out.append({"_id": "", "name": item["name"], "type": definition["type"], **item})
        return out

    def merge_custom_fields(self, current: list[Obj], updates: list[Obj]) -> list[Obj]:
        """Values merged by name (updates win), with fresh ids for new ones, sorted by order."""
        merged = {cf["name"]: dict(cf) for cf in current}
        for cf in updates:
            old = merged.get(cf["name"])
            merged[cf["name"]] = {**cf, "_id": old["_id"] if old else self.new_id()}
        return sorted(merged.values(), key=lambda cf: cf.get("order", 0))

    # -- cases and tasks ------------------------------------------------------------------
    def check_task(self, body: Any) -> Obj:
        task = require_object(body, "task")
        require_text(task, "title")
        if "status" in task and task["status"] not in TASK_STATUSES:
            raise attribute_error("status", "InvalidFormatAttributeError", task["status"], "unknown status")
        return task

    def create_task(self, case_id: str, body: Obj, user: str, org: str) -> Obj:
        task = self.base("Task", user, org, parent=case_id)
        status = body.get("status", "Waiting")
        task.update(
            title=body["title"],
            group=body.get("group", "default"),
            status=status,
            flag=bool(body.get("flag", False)),
            order=int(body.get("order", 0)),
            mandatory=bool(body.get("mandatory", False)),
            extraData={},
        )
        for key in ("description", "startDate", "endDate", "dueDate", "assignee"):
            if body.get(key) is not None:
                task[key] = body[key]
        if status == "InProgress":
            task.setdefault("startDate", task["_createdAt"])
        self.tasks[task["_id"]] = task
        return task

    def update_task(self, task: Obj, fields: Any, user: str) -> None:
        fields = require_object(fields, "task update")
        check_unknown(fields, TASK_UPDATE_KEYS, "task")
        if "status" in fields and fields["status"] not in TASK_STATUSES:
            raise attribute_error("status", "InvalidFormatAttributeError", fields["status"], "unknown status")
        task.update(fields)
        status = fields.get("status")
        if status == "InProgress":
            task.setdefault("startDate", self.now())
        if status in ("Completed", "Cancel"):
            task.setdefault("startDate", self.now())
            task["endDate"] = fields.get("endDate", self.now())
        self.touch(task, user)

    def check_case_status(self, body: Obj) -> None:
        if "status" in body and body["status"] not in CASE_STAGES:
            raise attribute_error("status", "InvalidFormatAttributeError", body["status"], "unknown status")
        if "impactStatus" in body and body["impactStatus"] not in IMPACT_STATUSES:
            raise attribute_error(
                "impactStatus", "InvalidFormatAttributeError", body["impactStatus"], "unknown impact status"
            )

    def create_case(self, body: Any, user: str, org: str) -> Obj:
        """Check everything, then store the case, its template's tasks and its own tasks."""
        body = require_object(body, "case")
        require_text(body, "title", "description")
        check_common(body)
        self.check_case_status(body)
        template = None
        if body.get("caseTemplate"):
            template = self.lookup(self.case_templates, str(body["caseTemplate"]), org, "CaseTemplate")
        values = self.custom_values(body.get("customFields"), org)
        task_inputs = [self.check_task(t) for t in body.get("tasks") or []]
        merged: Obj = dict(body)
        if template is not None:
            merged["title"] = str(template.get("titlePrefix") or "") + body["title"]
            for key in ("severity", "tlp", "pap", "flag", "summary"):
                if key not in body and template.get(key) is not None:
                    merged[key] = template[key]
            merged["tags"] = unique([*(body.get("tags") or []), *(template.get("tags") or [])])
            base_values = [dict(cf) for cf in template.get("customFields") or []]
            values = [*[v for v in base_values if v["name"] not in {x["name"] for x in values}], *values]
            task_inputs = [*template.get("tasks", []), *task_inputs]
        case = self.base("Case", user, org)
        now = case["_createdAt"]
        status = merged.get("status", "New")
        self._numbers[org] = self._numbers.get(org, 0) + 1
        case.update(
            number=self._numbers[org],
            title=merged["title"],
            description=merged["description"],
            severity=merged.get("severity", 2),
            startDate=merged.get("startDate", now),
            tags=unique(list(merged.get("tags") or [])),
            flag=bool(merged.get("flag", False)),
            tlp=merged.get("tlp", 2),
            pap=merged.get("pap", 2),
            status=status,
            stage=CASE_STAGES[status],
            assignee=merged.get("assignee", user),
            customFields=self.merge_custom_fields([], values),
            extraData={},
            newDate=now,
            timeToDetect=0,
        )
        for key in ("summary", "impactStatus", "endDate"):
            if merged.get(key) is not None:
                case[key] = merged[key]
        if template is not None:
            case["caseTemplate"] = template["name"]
        set_labels(case)
        self._enter_status(case, status)
        self.cases[case["_id"]] = case
        for task_input in task_inputs:
            self.create_task(case["_id"], task_input, user, org)
        return case

    def _enter_status(self, case: Obj, status: str) -> None:
        now = self.now()
        if status == "InProgress":
            case.setdefault("inProgressDate", now)
        if CASE_STAGES[status] == "Closed":
            case.setdefault("endDate", now)
            case["closedDate"] = now
        else:
            case.pop("endDate", None)
            case.pop("closedDate", None)

    def update_case(self, case: Obj, fields: Any, user: str, org: str) -> None:
        """PATCH semantics: check all, then apply; closing needs a summary and sets endDate."""
        fields = require_object(fields, "case update")
        check_unknown(fields, CASE_UPDATE_KEYS, "case")
        check_common(fields)
        self.check_case_status(fields)
        if "title" in fields or "description" in fields:
            require_text({**case, **fields}, "title", "description")
        values = self.custom_values(fields["customFields"], org) if "customFields" in fields else None
        status = fields.get("status", case["status"])
        closing = CASE_STAGES[status] == "Closed" and "status" in fields
        if closing and not (fields.get("summary") or case.get("summary")):
            raise bad_request("A summary is required to close a case")
        for key, value in fields.items():
            if key not in ("addTags", "removeTags", "tags", "customFields"):
                case[key] = value
        apply_tags(case, fields)
        if values is not None:
            case["customFields"] = self.merge_custom_fields(case["customFields"], values)
        case["stage"] = CASE_STAGES[case["status"]]
        if "status" in fields:
            self._enter_status(case, status)
        set_labels(case)
        self.touch(case, user)

    def delete_case(self, case_id: str) -> None:
        for store in (self.tasks, self.observables, self.comments, self.attachments):
            for child in self.children(store, case_id):
                if store is self.tasks:
                    for log in self.children(self.task_logs, child["_id"]):
                        del self.task_logs[log["_id"]]
                del store[child["_id"]]
        del self.cases[case_id]

    def snapshot(self, obj: Obj) -> Obj:
        return copy.deepcopy(obj)
