"""Emulator routes for cases and what hangs off them: tasks, logs, observables, comments, attachments."""

from __future__ import annotations

from tests.emulators.httpwire import Reply
from tests.emulators.thehive_base import ID, Ctx, HiveBase
from tests.emulators.thehive_model import Obj, bad_request, not_found, require_object


class CaseRoutes(HiveBase):
    """Cases (API-CONTRACTS 1.5, 1.6, 1.10.4) and their children."""

    def add_case_routes(self) -> None:
        r = self.route
        r("POST", "/case", self._case_create)
        r("PATCH", "/case/_bulk", self._case_bulk_update)
        r("DELETE", f"/case/customField/{ID}", self._case_delete_custom_field)
        r("GET", f"/case/{ID}", self._case_get)
        r("PATCH", f"/case/{ID}", self._case_update)
        r("DELETE", f"/case/{ID}", self._case_delete)
        r("POST", f"/case/{ID}/task", self._task_create)
        r("POST", f"/case/{ID}/observable", self._case_observable)
        r("POST", f"/case/{ID}/comment", self._case_comment)
        r("POST", f"/case/{ID}/attachments", self._case_attachments)
        r("GET", f"/case/{ID}/attachment/(?P<att>[^/]+)/download", self._case_attachment_download)
        r("DELETE", f"/case/{ID}/attachment/(?P<att>[^/]+)", self._case_attachment_delete)
        r("GET", f"/attachment/{ID}/download", self._attachment_download)
        r("GET", f"/task/{ID}", self._task_get)
        r("PATCH", f"/task/{ID}", self._task_update)
        r("DELETE", f"/task/{ID}", self._task_delete)
        r("POST", f"/task/{ID}/log", self._log_create)
        r("PATCH", f"/log/{ID}", self._log_update)
        r("DELETE", f"/log/{ID}", self._log_delete)
        r("GET", f"/observable/{ID}", self._observable_get)
        r("PATCH", f"/observable/{ID}", self._observable_update)
        r("DELETE", f"/observable/{ID}", self._observable_delete)
        r("PATCH", f"/comment/{ID}", self._comment_update)
        r("DELETE", f"/comment/{ID}", self._comment_delete)

    def _case_create(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        return self.ok(self.create_case(self.json_body(ctx), ctx.user, ctx.org), 201)

    def _case_get(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        return self.ok(self.case_of(ctx, m["id"]))

    def _case_update(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        self.update_case(self.case_of(ctx, m["id"]), self.json_body(ctx), ctx.user, ctx.org)
        return Reply.empty()

    def _case_bulk_update(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        body = dict(require_object(self.json_body(ctx), "bulk update"))
        ids = body.pop("ids", None)
        if not isinstance(ids, list):
            raise bad_request("Invalid json: attribute ids is missing")
        cases = [self.case_of(ctx, str(i)) for i in ids]
        for case in cases:
            self.update_case(case, body, ctx.user, ctx.org)
        return Reply.empty()

    def _case_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        self.delete_case(self.case_of(ctx, m["id"])["_id"])
        return Reply.empty()

    def _case_delete_custom_field(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        for case in self.in_org(self.cases, ctx.org):
            kept = [cf for cf in case["customFields"] if cf["_id"] != m["id"]]
            if len(kept) != len(case["customFields"]):
                case["customFields"] = kept
                self.touch(case, ctx.user)
                return Reply.empty()
        raise not_found(f"CustomFieldValue {m['id']} not found")

    def _task_create(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        case = self.case_of(ctx, m["id"])
        task = self.check_task(self.json_body(ctx))
        return self.ok(self.create_task(case["_id"], task, ctx.user, ctx.org), 201)

    def _case_observable(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        case = self.case_of(ctx, m["id"])
        return self.ok(self.observables_from_request(ctx, case["_id"]), 201)

    def _case_comment(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        case = self.case_of(ctx, m["id"])
        return self.ok(self.create_comment(case["_id"], self.json_body(ctx), ctx.user, ctx.org), 201)

    def _case_attachments(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        return self.attachments_from_request(ctx, self.case_of(ctx, m["id"])["_id"])

    def _attachment_of(self, ctx: Ctx, parent_id: str, att_id: str) -> Obj:
        att = self.attachments.get(att_id)
        if att is None or self.parent.get(att_id) != parent_id:
            raise not_found(f"Attachment {att_id} not found")
        return att

    def _case_attachment_download(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        att = self._attachment_of(ctx, self.case_of(ctx, m["id"])["_id"], m["att"])
        return Reply(200, self.blobs[att["id"]], att["contentType"])

    def _case_attachment_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        att = self._attachment_of(ctx, self.case_of(ctx, m["id"])["_id"], m["att"])
        del self.attachments[att["_id"]]
        return Reply.empty()

    def _attachment_download(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        for att in self.in_org(self.attachments, ctx.org):
            if m["id"] in (att["_id"], att["id"]):
                return Reply(200, self.blobs[att["id"]], att["contentType"])
        for obs in self.in_org(self.observables, ctx.org):
            inner = obs.get("attachment")
            if inner and m["id"] in (inner["_id"], inner["id"]):
                return Reply(200, self.blobs[inner["id"]], inner["contentType"])
        raise not_found(f"Attachment {m['id']} not found")

    # -- tasks, logs, observables, comments -------------------------------------------------
    def _task_get(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        return self.ok(self.lookup(self.tasks, m["id"], ctx.org, "Task"))

    def _task_update(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        self.update_task(self.lookup(self.tasks, m["id"], ctx.org, "Task"), self.json_body(ctx), ctx.user)
        return Reply.empty()

    def _task_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        task = self.lookup(self.tasks, m["id"], ctx.org, "Task")
        for log in self.children(self.task_logs, task["_id"]):
            del self.task_logs[log["_id"]]
        del self.tasks[task["_id"]]
        return Reply.empty()

    def _log_create(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        task = self.lookup(self.tasks, m["id"], ctx.org, "Task")
        if isinstance(ctx.request.body, list):
            body = self.multipart_json(ctx)
            files = [self.file_of(p) for p in ctx.request.parts("attachments")]
        else:
            body, files = self.json_body(ctx), []
        return self.ok(self.create_log(task["_id"], body, ctx.user, ctx.org, files), 201)

    def _log_update(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        log = self.lookup(self.task_logs, m["id"], ctx.org, "Log")
        fields = require_object(self.json_body(ctx), "log update")
        for key in ("message", "includeInTimeline"):
            if key in fields:
                log[key] = fields[key]
        self.touch(log, ctx.user)
        return Reply.empty()

    def _log_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        del self.task_logs[self.lookup(self.task_logs, m["id"], ctx.org, "Log")["_id"]]
        return Reply.empty()

    def _observable_get(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        return self.ok(self.lookup(self.observables, m["id"], ctx.org, "Observable"))

    def _observable_update(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        self.update_observable(
            self.lookup(self.observables, m["id"], ctx.org, "Observable"), self.json_body(ctx), ctx.user
        )
        return Reply.empty()

    def _observable_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        obs = self.lookup(self.observables, m["id"], ctx.org, "Observable")
        del self.observables[obs["_id"]]
        self.recount_alert(self.parent.get(obs["_id"], ""))
        return Reply.empty()

    def _comment_update(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        comment = self.lookup(self.comments, m["id"], ctx.org, "Comment")
        fields = require_object(self.json_body(ctx), "comment update")
        if not isinstance(fields.get("message"), str):
            raise bad_request("Invalid json: attribute message is missing")
        comment.update(message=fields["message"], isEdited=True, updatedAt=self.now())
        return Reply.empty()

    def _comment_delete(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        del self.comments[self.lookup(self.comments, m["id"], ctx.org, "Comment")["_id"]]
        return Reply.empty()
