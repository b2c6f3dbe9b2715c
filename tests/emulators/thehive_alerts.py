"""Emulator routes for alerts: create, identity, update, observables, merge and promote (API-CONTRACTS 1.10.1)."""

from __future__ import annotations

from typing import Any

from tests.emulators.httpwire import Reply
from tests.emulators.thehive_base import Ctx, HiveBase
from tests.emulators.thehive_model import (
    ALERT_STAGES,
    ALERT_UPDATE_KEYS,
    ApiError,
    Obj,
    apply_tags,
    attribute_error,
    bad_request,
    check_common,
    check_unknown,
    require_object,
    require_text,
    set_labels,
)


class AlertRoutes(HiveBase):
    """Alerts (create, find, merge, promote)."""

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
        return self.empty()

    def _alert_bulk_update(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        fields = dict(require_object(self.json_body(ctx), "bulk update"))
        ids = fields.pop("ids", None)
        if not isinstance(ids, list):
            raise bad_request("Invalid json: attribute ids is missing")
        for alert in [self.alert_of(ctx, str(i)) for i in ids]:
            self.update_alert(alert, fields, ctx.user, ctx.org)
        return self.empty()

    def _alert_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        self._delete_alert(self.alert_of(ctx, m["id"]))
        return self.empty()

    def _delete_alert(self, alert: Obj) -> None:
        for store in (self.observables, self.comments, self.attachments):
            for child in self.children(store, alert["_id"]):
                del store[child["_id"]]
        del self.alerts[alert["_id"]]

    def _alert_bulk_delete(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        body = require_object(self.json_body(ctx), "bulk delete")
        for alert in [self.alert_of(ctx, str(i)) for i in body.get("ids") or []]:
            self._delete_alert(alert)
        return self.empty()

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
