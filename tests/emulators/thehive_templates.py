"""Emulator routes for case templates and custom field definitions (API-CONTRACTS 1.10.2, 1.10.3)."""

from __future__ import annotations

from typing import Any

from tests.emulators.httpwire import Reply
from tests.emulators.thehive_base import Ctx, HiveBase
from tests.emulators.thehive_model import (
    CUSTOM_FIELD_TYPES,
    TEMPLATE_KEYS,
    ApiError,
    Obj,
    attribute_error,
    bad_request,
    check_common,
    check_unknown,
    not_found,
    require_object,
    require_text,
    set_labels,
)

ADMIN_ORG = "admin"  # custom field definitions are managed from the platform's admin organisation


class TemplateRoutes(HiveBase):
    """Case templates (also applied to cases), custom field definitions and the status endpoint."""

    # What GET /api/v1/status reports (TheHive 4 source, v1 StatusCtrl; TheHive 5 [unverified]).
    thehive_version = "5.5.7-1"

    def add_template_routes(self) -> None:
        r = self.route
        r("GET", "/status", self._status)
        r("POST", "/case/_bulk/caseTemplate", self._apply_template)
        r("POST", "/caseTemplate", self._template_create)
        r("GET", "/caseTemplate/(?P<id>[^/]+)", self._template_get)
        r("PATCH", "/caseTemplate/(?P<id>[^/]+)", self._template_update)
        r("DELETE", "/caseTemplate/(?P<id>[^/]+)", self._template_delete)
        r("GET", "/customField", self._custom_field_list)
        r("POST", "/customField", self._custom_field_create)
        r("PATCH", "/customField/(?P<id>[^/]+)", self._custom_field_update)
        r("DELETE", "/customField/(?P<id>[^/]+)", self._custom_field_delete)

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
        return self.empty()

    def _template_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        del self.case_templates[self.lookup(self.case_templates, m["id"], ctx.org, "CaseTemplate")["_id"]]
        return self.empty()

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
        return self.empty()

    def _status(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        """Versions and auth config; a real server answers it without credentials too."""
        versions = {"Scalligraph": self.thehive_version, "TheHive": self.thehive_version, "Play": "2.8.20"}
        config = {"protectDownloadsWith": "malware", "authType": ["session", "local", "key"]}
        config.update(capabilities=["changePassword", "setPassword", "authByKey", "mfa"], ssoAutoLogin=False)
        return self.ok({"versions": versions, "connectors": {}, "config": config})

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
        return self.empty()

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
        return self.empty()
