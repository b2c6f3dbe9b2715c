"""Emulator routes for alerts, case templates and custom field definitions (API-CONTRACTS 1.10)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.emulators.httpbase import Reply
from tests.emulators.thehive_model import (
    ALERT_STAGES,
    ALERT_UPDATE_KEYS,
    CUSTOM_FIELD_TYPES,
    OBSERVABLE_UPDATE_KEYS,
    TEMPLATE_KEYS,
    ApiError,
    Obj,
    apply_tags,
    attribute_error,
    bad_request,
    check_common,
    check_unknown,
    not_found,
    require_object,
    require_text,
    set_labels,
)
from tests.emulators.thehive_state import HiveState

if TYPE_CHECKING:
    from tests.emulators.thehive import Ctx

ADMIN_ORG = "admin"


class AlertRoutes(HiveState):
    """Alerts (create, find, merge, promote), case templates and custom field definitions."""

    if TYPE_CHECKING:  # provided by TheHiveEmulator
        from threading import RLock

        from tests.emulators.httpbase import Part

        lock: RLock

        def route(
            self, method: str, pattern: str, handler: Callable[[Ctx, dict[str, str]], Reply]
        ) -> None: ...
        def ok(self, value: Any, status: int = 200) -> Reply: ...
        def json_body(self, ctx: Ctx) -> Any: ...
        def multipart_json(self, ctx: Ctx, name: str = "_json") -> Any: ...
        def file_of(self, part: Part) -> tuple[str, bytes, str | None]: ...
        def case_of(self, ctx: Ctx, ident: str) -> Obj: ...
        def observables_from_request(self, ctx: Ctx, parent_id: str) -> list[Obj]: ...
        def attachments_from_request(self, ctx: Ctx, parent_id: str) -> Reply: ...

    def add_alert_routes(self) -> None:
        r = self.route
        r("POST", "/alert", self._alert_create)
        r("PATCH", "/alert/_bulk", self._alert_bulk_update)
        r("POST", "/alert/merge/_bulk", self._alert_bulk_merge)
        r("POST", "/alert/delete/_bulk", self._alert_bulk_delete)
        r("GET", "/alert/(?P<id>[^/]+)", self._alert_get)
        r("PATCH", "/alert/(?P<id>[^/]+)", self._alert_update)
        r("DELETE", "/alert/(?P<id>[^/]+)", self._alert_delete)
        r("POST", "/alert/(?P<id>[^/]+)/merge/(?P<case>[^/]+)", self._alert_merge)
        r("POST", "/alert/(?P<id>[^/]+)/import/(?P<case>[^/]+)", self._alert_import)
        r("POST", "/alert/(?P<id>[^/]+)/case", self._alert_promote)
        r("POST", "/alert/(?P<id>[^/]+)/(?P<verb>follow|unfollow)", self._alert_follow)
        r("POST", "/alert/(?P<id>[^/]+)/observable", self._alert_observable)
        r("POST", "/alert/(?P<id>[^/]+)/comment", self._alert_comment)
        r("POST", "/alert/(?P<id>[^/]+)/attachments", self._alert_attachments)
        r("POST", "/caseTemplate", self._template_create)
        r("GET", "/caseTemplate/(?P<id>[^/]+)", self._template_get)
        r("PATCH", "/caseTemplate/(?P<id>[^/]+)", self._template_update)
        r("DELETE", "/caseTemplate/(?P<id>[^/]+)", self._template_delete)
        r("GET", "/customField", self._custom_field_list)
        r("POST", "/customField", self._custom_field_create)
        r("PATCH", "/customField/(?P<id>[^/]+)", self._custom_field_update)
        r("DELETE", "/customField/(?P<id>[^/]+)", self._custom_field_delete)

    # -- alerts: domain ----------------------------------------------------------------------
    def create_alert(self, body: Any, user: str, org: str, files: dict[str, tuple]) -> Obj:
        """Identity check first (type:source:sourceRef per organisation), then store with observables."""
        body = require_object(body, "alert")
        require_text(body, "type", "source", "sourceRef", "title", "description")
        check_common(body)
        if "status" in body and body["status"] not in ALERT_STAGES:
            raise attribute_error("status", "InvalidFormatAttributeError", body["status"], "unknown status")
        key = (body["type"], body["source"], body["sourceRef"])
        if any((a["type"], a["source"], a["sourceRef"]) == key for a in self.in_org(self.alerts, org)):
            raise ApiError(
                400, "CreateError", f"Alert {':'.join(key)} already exist in organisation {org}", object=body
            )
        values = self.custom_values(body.get("customFields"), org)
        inline = body.get("observables") or []
        if not isinstance(inline, list) or not all(isinstance(o, dict) for o in inline):
            raise attribute_error("observables", "InvalidFormatAttributeError", inline, "expected a list")
        for obs in inline:
            if obs.get("attachment") is not None and obs["attachment"] not in files:
                raise bad_request(f"Attachment {obs['attachment']} is not in the multipart body")
        alert = self.base("Alert", user, org)
        now = alert["_createdAt"]
        status = body.get("status", "New")
        alert.update(
            type=body["type"],
            source=body["source"],
            sourceRef=body["sourceRef"],
            title=body["title"],
            description=body["description"],
            severity=body.get("severity", 2),
            date=body.get("date", now),
            tags=list(dict.fromkeys(body.get("tags") or [])),
            tlp=body.get("tlp", 2),
            pap=body.get("pap", 2),
            follow=bool(body.get("follow", True)),
            customFields=self.merge_custom_fields([], values),
            observableCount=0,
            status=status,
            stage=ALERT_STAGES[status],
            extraData={},
            newDate=now,
            timeToDetect=0,
        )
        for opt in ("externalLink", "caseTemplate", "assignee", "summary", "lastSyncDate"):
            if body.get(opt) is not None:
                alert[opt] = body[opt]
        set_labels(alert)
        self.alerts[alert["_id"]] = alert
        try:
            for obs in inline:
                obs_body = {k: v for k, v in obs.items() if k != "attachment"}
                file = files.get(obs["attachment"]) if obs.get("attachment") is not None else None
                try:
                    self.create_observables(alert["_id"], obs_body, user, org, file)
                except ApiError as err:
                    if err.kind != "CreateError":  # duplicates inside one alert are skipped
                        raise
        except ApiError:
            for child in self.children(self.observables, alert["_id"]):
                del self.observables[child["_id"]]
            del self.alerts[alert["_id"]]
            raise
        self.recount_alert(alert["_id"])
        return alert

    def recount_alert(self, alert_id: str) -> None:
        if alert_id in self.alerts:
            self.alerts[alert_id]["observableCount"] = len(self.children(self.observables, alert_id))

    def update_alert(self, alert: Obj, fields: Any, user: str, org: str) -> None:
        fields = require_object(fields, "alert update")
        check_unknown(fields, ALERT_UPDATE_KEYS, "alert")
        check_common(fields)
        if "status" in fields and fields["status"] not in ALERT_STAGES:
            raise attribute_error("status", "InvalidFormatAttributeError", fields["status"], "unknown status")
        values = self.custom_values(fields["customFields"], org) if "customFields" in fields else None
        for key, value in fields.items():
            if key not in ("addTags", "removeTags", "tags", "customFields"):
                alert[key] = value
        apply_tags(alert, fields)
        if values is not None:
            alert["customFields"] = self.merge_custom_fields(alert["customFields"], values)
        alert["stage"] = ALERT_STAGES[alert["status"]]
        set_labels(alert)
        self.touch(alert, user)

    def update_observable(self, obs: Obj, fields: Any, user: str) -> None:
        fields = require_object(fields, "observable update")
        check_unknown(fields, OBSERVABLE_UPDATE_KEYS, "observable")
        check_common(fields)
        for key, value in fields.items():
            if key not in ("addTags", "removeTags", "tags"):
                obs[key] = value
        apply_tags(obs, fields)
        set_labels(obs)
        self.touch(obs, user)

    def _import_into(self, alert: Obj, case: Obj, user: str, merge: bool) -> None:
        """Copy the alert's new observables into the case and mark the alert Imported."""
        if alert.get("caseId"):
            raise bad_request(f"Alert {alert['_id']} has already been imported into case {alert['caseId']}")
        org = self.org_of[case["_id"]]
        present = {(o["dataType"], o.get("data")) for o in self.children(self.observables, case["_id"])}
        for obs in self.children(self.observables, alert["_id"]):
            if obs.get("data") is not None and (obs["dataType"], obs["data"]) in present:
                continue
            copy = {**self.snapshot(obs), **self.base("Observable", user, org, parent=case["_id"])}
            self.observables[copy["_id"]] = copy
        if merge:
            case["description"] += f"\n\n#### Merged with alert #{alert['sourceRef']} {alert['title']}\n\n"
            case["description"] += alert["description"]
            case["tags"] = list(dict.fromkeys([*case["tags"], *alert.get("tags", [])]))
            self.touch(case, user)
        now = self.now()
        alert.update(caseId=case["_id"], status="Imported", stage="Imported", importedDate=now)
        self.touch(alert, user)

    def merge_alert_into_case(self, alert: Obj, case: Obj, user: str) -> Obj:
        self._import_into(alert, case, user, merge=True)
        return case

    def promote_alert_to_case(self, alert: Obj, fields: Any, user: str, org: str) -> Obj:
        """A new case from the alert; `fields` (InputPromoteAlert) override, caseTemplate applies."""
        fields = require_object(fields if fields is not None else {}, "promote")
        if alert.get("caseId"):
            raise bad_request(f"Alert {alert['_id']} has already been imported into case {alert['caseId']}")
        body: Obj = {
            "title": alert["title"],
            "description": alert["description"],
            "severity": alert["severity"],
            "tlp": alert["tlp"],
            "pap": alert["pap"],
            "tags": list(alert.get("tags", [])),
            "customFields": [{"name": c["name"], "value": c["value"]} for c in alert["customFields"]],
        }
        body.update({k: v for k, v in fields.items() if k not in ("caseTemplate",)})
        template = fields.get("caseTemplate") or alert.get("caseTemplate")
        if template:
            body["caseTemplate"] = template
        case = self.create_case(body, user, org)
        self._import_into(alert, case, user, merge=False)
        return case

    # -- alerts: routes ----------------------------------------------------------------------
    def alert_of(self, ctx: Ctx, ident: str) -> Obj:
        return self.lookup(self.alerts, ident, ctx.org, "Alert")

    def _alert_create(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        if isinstance(ctx.request.body, list):  # multipart: `_json` as a file part, files by key
            body = self.multipart_json(ctx)
            files = {p.name: self.file_of(p) for p in ctx.request.body if p.name != "_json"}
        else:
            body, files = self.json_body(ctx), {}
        return self.ok(self.create_alert(body, ctx.user, ctx.org, files), 201)

    def _alert_get(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        return self.ok(self.alert_of(ctx, m["id"]))

    def _alert_update(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        self.update_alert(self.alert_of(ctx, m["id"]), self.json_body(ctx), ctx.user, ctx.org)
        return self._empty()

    def _alert_bulk_update(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        fields = dict(require_object(self.json_body(ctx), "bulk update"))
        ids = fields.pop("ids", None)
        if not isinstance(ids, list):
            raise bad_request("Invalid json: attribute ids is missing")
        for alert in [self.alert_of(ctx, str(i)) for i in ids]:
            self.update_alert(alert, fields, ctx.user, ctx.org)
        return self._empty()

    def _alert_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        self._delete_alert(self.alert_of(ctx, m["id"]))
        return self._empty()

    def _delete_alert(self, alert: Obj) -> None:
        for store in (self.observables, self.comments, self.attachments):
            for child in self.children(store, alert["_id"]):
                del store[child["_id"]]
        del self.alerts[alert["_id"]]

    def _alert_bulk_delete(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        body = require_object(self.json_body(ctx), "bulk delete")
        for alert in [self.alert_of(ctx, str(i)) for i in body.get("ids") or []]:
            self._delete_alert(alert)
        return self._empty()

    def _alert_merge(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        alert, case = self.alert_of(ctx, m["id"]), self.case_of(ctx, m["case"])
        return self.ok(self.merge_alert_into_case(alert, case, ctx.user))

    def _alert_import(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        alert, case = self.alert_of(ctx, m["id"]), self.case_of(ctx, m["case"])
        self._import_into(alert, case, ctx.user, merge=False)
        return self.ok(case)

    def _alert_bulk_merge(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        body = require_object(self.json_body(ctx), "bulk merge")
        case = self.case_of(ctx, str(body.get("caseId")))
        alerts = [self.alert_of(ctx, str(i)) for i in body.get("alertIds") or []]
        for alert in alerts:
            self.merge_alert_into_case(alert, case, ctx.user)
        return self.ok(case)

    def _alert_promote(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        alert = self.alert_of(ctx, m["id"])
        body = self.json_body(ctx)
        return self.ok(self.promote_alert_to_case(alert, body, ctx.user, ctx.org), 201)

    def _alert_follow(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        alert = self.alert_of(ctx, m["id"])
        alert["follow"] = m["verb"] == "follow"
        self.touch(alert, ctx.user)
        return self.ok(alert)

    def _alert_observable(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        alert = self.alert_of(ctx, m["id"])
        created = self.observables_from_request(ctx, alert["_id"])
        self.recount_alert(alert["_id"])
        return self.ok(created, 201)

    def _alert_comment(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        alert = self.alert_of(ctx, m["id"])
        comment = self.create_comment(alert["_id"], self.json_body(ctx), ctx.user, ctx.org)
        return self.ok(comment, 201)

    def _alert_attachments(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        return self.attachments_from_request(ctx, self.alert_of(ctx, m["id"])["_id"])

    @staticmethod
    def _empty() -> Reply:
        return Reply.empty()

    # -- case templates ----------------------------------------------------------------------
    def create_template(self, body: Any, user: str, org: str) -> Obj:
        body = require_object(body, "case template")
        require_text(body, "name")
        check_common(body)
        if any(t["name"] == body["name"] for t in self.in_org(self.case_templates, org)):
            raise ApiError(
                400, "CreateError", f"Case template {body['name']} already exist in organisation {org}"
            )
        template = self.base("CaseTemplate", user, org)
        template.update(name=body["name"], displayName=body.get("displayName", ""), tags=[], flag=False)
        template.update(customFields=[], tasks=[], extraData={})
        self._template_fields(template, body, user, org)
        self.case_templates[template["_id"]] = template
        return template

    def _template_fields(self, template: Obj, body: Obj, user: str, org: str) -> None:
        """Check then apply template attributes; tasks and customFields replace the old lists."""
        tasks = [self.check_task(t) for t in body["tasks"]] if "tasks" in body else None
        values = self.custom_values(body["customFields"], org) if "customFields" in body else None
        for key in TEMPLATE_KEYS - {"tasks", "customFields"}:
            if key in body:
                template[key] = body[key]
        if tasks is not None:
            template["tasks"] = [self._template_task(t, user) for t in tasks]
        if values is not None:
            template["customFields"] = self.merge_custom_fields([], values)
        set_labels(template)

    def _template_task(self, body: Obj, user: str) -> Obj:
        task = {"_id": self.new_id(), "_type": "Task", "_createdBy": user, "_createdAt": self.now()}
        task.update(
            title=body["title"], group=body.get("group", "default"), status=body.get("status", "Waiting")
        )
        task.update(flag=bool(body.get("flag", False)), order=int(body.get("order", 0)))
        task.update(mandatory=bool(body.get("mandatory", False)), extraData={})
        for key in ("description", "dueDate", "assignee"):
            if body.get(key) is not None:
                task[key] = body[key]
        return task

    def _template_create(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        return self.ok(self.create_template(self.json_body(ctx), ctx.user, ctx.org), 201)

    def _template_get(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        return self.ok(self.lookup(self.case_templates, m["id"], ctx.org, "CaseTemplate"))

    def _template_update(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        template = self.lookup(self.case_templates, m["id"], ctx.org, "CaseTemplate")
        fields = require_object(self.json_body(ctx), "case template update")
        check_unknown(fields, TEMPLATE_KEYS, "case template")
        check_common(fields)
        self._template_fields(template, fields, ctx.user, ctx.org)
        self.touch(template, ctx.user)
        return self._empty()

    def _template_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        del self.case_templates[self.lookup(self.case_templates, m["id"], ctx.org, "CaseTemplate")["_id"]]
        return self._empty()

    def _apply_template(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        """POST /case/_bulk/caseTemplate: update* flags copy template attributes, importTasks titles."""
        body = require_object(self.json_body(ctx), "apply case template")
        template = self.lookup(self.case_templates, str(body.get("caseTemplate")), ctx.org, "CaseTemplate")
        cases = [self.case_of(ctx, str(i)) for i in body.get("ids") or []]
        for case in cases:
            if body.get("updateTitlePrefix") and template.get("titlePrefix"):
                case["title"] = template["titlePrefix"] + case["title"]
            if body.get("updateDescription") and template.get("description"):
                case["description"] = template["description"]
            if body.get("updateTags"):
                case["tags"] = list(dict.fromkeys([*case["tags"], *template.get("tags", [])]))
            for key in ("severity", "flag", "tlp", "pap"):
                if body.get("update" + key[0].upper() + key[1:]) and template.get(key) is not None:
                    case[key] = template[key]
            if body.get("updateCustomFields"):
                case["customFields"] = self.merge_custom_fields(
                    case["customFields"], template["customFields"]
                )
            wanted = set(body.get("importTasks") or [])
            for task in template.get("tasks", []):
                if task["title"] in wanted or task["_id"] in wanted:
                    self.create_task(case["_id"], task, ctx.user, ctx.org)
            set_labels(case)
            self.touch(case, ctx.user)
        return self._empty()

    # -- custom field definitions --------------------------------------------------------------
    def add_custom_field(
        self, name: str, type: str = "string", *, group: str = "default", description: str = "",
        options: list[Any] | None = None, mandatory: bool = False, display_name: str | None = None,
    ) -> Obj:  # fmt: skip
        """An administrator defines a custom field (setup for tests, no HTTP)."""
        body: Obj = {"name": name, "type": type, "group": group, "description": description}
        body.update(options=options or [], mandatory=mandatory, displayName=display_name or name)
        with self.lock:
            return self.create_custom_field(body, "admin@thehive.local")

    def create_custom_field(self, body: Any, user: str) -> Obj:
        body = require_object(body, "custom field")
        require_text(body, "name", "type")
        if body["type"] not in CUSTOM_FIELD_TYPES:
            raise attribute_error("type", "InvalidFormatAttributeError", body["type"], "unknown type")
        if any(d["name"] == body["name"] for d in self.custom_fields.values()):
            raise ApiError(400, "CreateError", f"CustomField {body['name']} already exists")
        definition = self.base("CustomField", user, ADMIN_ORG)
        definition.update(
            name=body["name"],
            displayName=body.get("displayName") or body["name"],
            group=body.get("group", "default"),
            description=body.get("description", ""),
            type=body["type"],
            options=list(body.get("options") or []),
            mandatory=bool(body.get("mandatory", False)),
            extraData={},
        )
        self.custom_fields[definition["_id"]] = definition
        return definition

    @staticmethod
    def _admin_only(ctx: Ctx) -> None:
        if ctx.org != ADMIN_ORG:
            raise ApiError(403, "AuthorizationError", "Your profile does not allow managing custom fields")

    def _custom_field_of(self, ident: str) -> Obj:
        found = self.custom_fields.get(ident) or next(
            (d for d in self.custom_fields.values() if d["name"] == ident), None
        )
        if found is None:
            raise not_found(f"CustomField {ident} not found")
        return found

    def _custom_field_list(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        return self.ok(list(self.custom_fields.values()))

    def _custom_field_create(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        self._admin_only(ctx)
        return self.ok(self.create_custom_field(self.json_body(ctx), ctx.user), 201)

    def _custom_field_update(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        self._admin_only(ctx)
        definition = self._custom_field_of(m["id"])
        fields = require_object(self.json_body(ctx), "custom field update")
        check_unknown(
            fields, {"displayName", "group", "description", "type", "mandatory", "options"}, "custom field"
        )
        definition.update(fields)
        self.touch(definition, ctx.user)
        return self._empty()

    def _custom_field_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        self._admin_only(ctx)
        definition = self._custom_field_of(m["id"])
        holders = [o for o in [*self.cases.values(), *self.alerts.values()] if any(
            cf["name"] == definition["name"] for cf in o.get("customFields", []))]  # fmt: skip
        if holders and ctx.request.query.get("force") not in ("True", "true"):
            raise bad_request(f"CustomField {definition['name']} is used by {len(holders)} object(s)")
        for obj in holders:
            obj["customFields"] = [cf for cf in obj["customFields"] if cf["name"] != definition["name"]]
        del self.custom_fields[definition["_id"]]
        return self._empty()
