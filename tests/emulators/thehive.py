"""A loopback TheHive 5 emulator (API v1) that the real thehive4py 2.1.0 client can drive.

It follows ../shared/API-CONTRACTS.md Part 1: `Authorization: Bearer`/`Basic` (401
AuthenticationError), `X-Organisation` (403 AuthorizationError for an unknown one), `~<digits>`
ids, epoch-millisecond times, 201 creates, 204 empty PATCH/DELETE, `POST /api/v1/query`, and
`{"type", "message"}` JSON errors.

    with TheHiveEmulator(api_key="test-key", organisation="csirt-kota") as hive:
        api = TheHiveApi(hive.url, apikey="test-key", organisation="csirt-kota", max_retries=0)
        hive.fault("POST", "/api/v1/case", "500-after")   # store the case, then answer 500
        hive.count("POST", "/api/v1/case")                # exact path; prefix=True for a prefix

State: `hive.cases`, `.tasks`, `.observables`, `.comments`, `.task_logs`, `.alerts`,
`.case_templates`, `.custom_fields`, `.attachments` (dicts keyed by `_id`, the objects exactly as
the API returns them); `hive.parent[child_id]` is the case/task/alert an object belongs to;
`hive.requests` is the log of `Request(method, path, query, headers, body, raw)`, where body
is parsed JSON, a list of multipart `Part`s, or raw bytes; `hive.errors` holds exceptions raised
inside the emulator itself (each answered as a 500), so a fixture can assert it stays empty.

Faults, `hive.fault(method, path_regex, mode, times=1, when=None, **kw)`: the path must fully
match the regex (method None or "*" = any method); `times=None` applies to every match;
`when(request) -> bool` narrows further (e.g. on the query's `?name=`). Modes:
  before the route runs, nothing stored: "500-before" (= "500"), "502", "504", "502-html"
  (an HTML body), "503" and "429" (Retry-After: kw retry_after, default 1), "401", "403",
  "404", "400", "400-duplicate" (CreateError "Observable already exists"; kw message/type/
  status override any status fault), "hang" (wait kw seconds=5 then run normally; a stop()
  ends the wait and drops the connection), "close" (close the socket without a response),
  "reset" (TCP reset), "refuse" (TCP reset and the request is left out of the log, as if
  refused; a real refusal of every connection is `stop()`);
  after the route ran and stored its effect: "500-after", "non-json" (same 2xx status,
  body `not json{`), "null" (JSON null), "empty" (empty 2xx body), "close-after" (stored,
  then closed without a response), "hang-after" (stored, then wait kw seconds before answering).
Outage: `stop()` refuses connections (open keep-alive connections are dropped); `start()`
listens again on the same port. Analyst actions without HTTP: `close_case`, `set_case_status`,
`set_task_status`, `add_task_log`, `add_comment`, `promote_alert`, `merge_alert`,
`add_custom_field`, `add_case_template`, `create_case`. `reset()` forgets objects, requests and
faults and keeps the port.

Emulator choices where TheHive 5's behaviour is not documented (see the contract's
[unverified] tags): a PATCH with an unknown attribute is 400 BadRequest; closing without a
summary is 400 BadRequest; an observable list with any existing value is refused whole;
custom field definitions can only be written from the "admin" organisation (403 otherwise);
alert creation skips duplicate inline observables; a new case is assigned to its creator; merging
or promoting an alert that already has a caseId is 400 BadRequest.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from tests.emulators.httpbase import LoopbackServer, Part, Reply, Request
from tests.emulators.thehive_alerts import AlertRoutes
from tests.emulators.thehive_model import ApiError, Obj, bad_request, not_found, require_object
from tests.emulators.thehive_query import QueryError, compile_filter, page_objects, sort_objects


@dataclass(frozen=True)
class Ctx:
    """Who is calling: the authenticated login and the organisation the request acts in."""

    user: str
    org: str
    request: Request


Handler = Callable[[Ctx, dict[str, str]], Reply]
ID = r"(?P<id>[^/]+)"


class TheHiveEmulator(AlertRoutes, LoopbackServer):
    """TheHive 5 on 127.0.0.1 with a random free port (kept across stop/start)."""

    def __init__(
        self,
        api_key: str = "test-key",
        organisation: str = "csirt-kota",
        *,
        user: str = "csirt-kit@thehive.local",
        password: str = "secret",
        analyst: str = "analyst@thehive.local",
        organisations: tuple[str, ...] = ("admin",),
        first_id: int = 4104,
        clock: Callable[[], int] | None = None,
    ) -> None:
        LoopbackServer.__init__(self)
        AlertRoutes.__init__(self, first_id=first_id, clock=clock)
        self.api_keys = {api_key: user}
        self.passwords = {user: password}
        self.user = user
        self.analyst = analyst
        self.organisation = organisation
        self.organisations = {organisation, *organisations}
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._add_routes()

    def __enter__(self) -> TheHiveEmulator:
        self.start()
        return self

    def reset(self) -> None:
        """Forget every object, logged request and fault; keep users, port and running state."""
        with self.lock:
            self.clear_state()
            self.requests.clear()
            self.faults.clear()
            self.errors.clear()

    # -- routing ---------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile("/api/v1" + pattern), handler))

    def _add_routes(self) -> None:
        r = self.route
        r("GET", "/user/current", self._current_user)
        r("POST", "/query", self._query)
        r("POST", "/case", self._case_create)
        r("POST", "/case/_bulk/caseTemplate", self._apply_template)
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
        self.add_alert_routes()

    def dispatch(self, request: Request) -> Reply:
        try:
            ctx = self._authenticate(request)
            for method, pattern, handler in self.routes:
                match = pattern.fullmatch(request.path)
                if match and method == request.method:
                    with self.lock:
                        return handler(ctx, match.groupdict())
            raise ApiError(404, "NotFound", f"No route for {request.method} {request.path}")
        except ApiError as err:
            return Reply.json(err.status, err.body())

    def _authenticate(self, request: Request) -> Ctx:
        header = request.header("Authorization") or ""
        scheme, _, credential = header.partition(" ")
        user = None
        if scheme == "Bearer":
            user = self.api_keys.get(credential)
        elif scheme == "Basic":
            try:
                login, _, password = base64.b64decode(credential).decode().partition(":")
            except ValueError:
                login, password = "", ""
            if self.passwords.get(login) == password:
                user = login
        if user is None:
            raise ApiError(401, "AuthenticationError", "Authentication failure")
        org = request.header("X-Organisation") or self.organisation
        if org not in self.organisations:
            raise ApiError(403, "AuthorizationError", f"User {user} is not a member of organisation {org}")
        return Ctx(user, org, request)

    # -- helpers for handlers --------------------------------------------------------------
    @staticmethod
    def ok(value: Any, status: int = 200) -> Reply:
        return Reply.json(status, value)

    @staticmethod
    def json_body(ctx: Ctx) -> Any:
        body = ctx.request.body
        if isinstance(body, bytes | bytearray) and body:
            raise bad_request("Invalid json: the body is not valid JSON")
        return body

    @staticmethod
    def multipart_json(ctx: Ctx, name: str = "_json") -> Any:
        """The `_json` part of a multipart body (form field or file part), parsed."""
        parts = ctx.request.parts(name)
        if not parts:
            raise bad_request(f"Invalid multipart body: no {name} part")
        try:
            return json.loads(parts[0].data)
        except ValueError:
            raise bad_request(f"Invalid json in the {name} part") from None

    @staticmethod
    def file_of(part: Part) -> tuple[str, bytes, str | None]:
        return (part.filename or part.name, part.data, part.content_type)

    def case_of(self, ctx: Ctx, ident: str) -> Obj:
        return self.lookup(self.cases, ident, ctx.org, "Case")

    # -- user ------------------------------------------------------------------------------
    def _current_user(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        return self.ok(
            {
                "_id": "~8",
                "_createdBy": "system@thehive.local",
                "_createdAt": 1700000000000,
                "login": ctx.user,
                "name": ctx.user.split("@")[0],
                "hasKey": True,
                "hasPassword": ctx.user in self.passwords,
                "hasMFA": False,
                "locked": False,
                "profile": "analyst",
                "permissions": ["manageCase", "manageAlert", "manageObservable", "manageTask"],
                "organisation": ctx.org,
                "organisations": [
                    {"organisation": o, "profile": "analyst"} for o in sorted(self.organisations)
                ],
                "extraData": {},
            }
        )

    # -- cases -----------------------------------------------------------------------------
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

    def observables_from_request(self, ctx: Ctx, parent_id: str) -> list[Obj]:
        """JSON body, or multipart with a `_json` form field and a file part `attachment`."""
        if isinstance(ctx.request.body, list):
            files = ctx.request.parts("attachment")
            file = self.file_of(files[0]) if files else None
            return self.create_observables(parent_id, self.multipart_json(ctx), ctx.user, ctx.org, file)
        return self.create_observables(parent_id, self.json_body(ctx), ctx.user, ctx.org, None)

    def _case_comment(self, ctx: Ctx, m: dict[str, str]) -> Reply:
        case = self.case_of(ctx, m["id"])
        return self.ok(self.create_comment(case["_id"], self.json_body(ctx), ctx.user, ctx.org), 201)

    def attachments_from_request(self, ctx: Ctx, parent_id: str) -> Reply:
        """Multipart with one file part `attachments` per file; answers {"attachments": [...]}."""
        files = ctx.request.parts("attachments")
        if not files:
            raise bad_request("Invalid multipart body: no attachments part")
        can_rename = [p.text for p in ctx.request.parts("canRename")]
        taken = {a["name"] for a in self.children(self.attachments, parent_id)}
        names = []
        for part in files:
            name = part.filename or "attachment"
            if name in taken:
                if can_rename and can_rename[0] in ("False", "false"):
                    raise ApiError(400, "CreateError", f"Attachment {name} already exists")
                stem, dot, ext = name.rpartition(".")
                stem, ext = (stem, dot + ext) if dot else (name, "")
                name = next(f"{stem}_{i}{ext}" for i in range(1, 10**6) if f"{stem}_{i}{ext}" not in taken)
            taken.add(name)
            names.append(name)
        created = [
            self.make_attachment(name, p.data, p.content_type, ctx.user, ctx.org, parent_id)
            for name, p in zip(names, files, strict=True)
        ]
        return self.ok({"attachments": created}, 201)

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

    # -- query -----------------------------------------------------------------------------
    def _query(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        body = require_object(self.json_body(ctx), "query")
        steps = body.get("query")
        if not isinstance(steps, list) or not steps:
            raise bad_request("Invalid query: attribute query must be a non-empty list")
        try:
            result = self.run_query(steps, ctx.org)
        except QueryError as err:
            raise bad_request(str(err)) from None
        if isinstance(result, list):
            excluded = set(body.get("excludeFields") or [])
            result = [{k: v for k, v in o.items() if k not in excluded} for o in result]
        return self.ok(result)

    def run_query(self, steps: list[Any], org: str) -> list[Obj] | int:
        """Apply source, traverse, filter, sort, page and count steps left to right."""
        kind, items = self.query_source(steps[0], org)
        for position, step in enumerate(steps[1:], start=1):
            if not isinstance(step, dict) or not isinstance(step.get("_name"), str):
                raise QueryError(f"Invalid query step {step!r}")
            name = step["_name"]
            if name == "filter":
                predicate = compile_filter({k: v for k, v in step.items() if k != "_name"})
                items = [o for o in items if predicate(o)]
            elif name == "sort":
                items = sort_objects(items, step.get("_fields"))
            elif name == "page":
                items = page_objects(items, step)
            elif name == "count":
                if position != len(steps) - 1:
                    raise QueryError("count must be the last step")
                return len(items)
            else:
                kind, items = self.traverse(kind, items, name)
        return items

    SOURCES: ClassVar[dict[str, tuple[str, str]]] = {
        "listCase": ("case", "cases"),
        "listTask": ("task", "tasks"),
        "listObservable": ("observable", "observables"),
        "listComment": ("comment", "comments"),
        "listLog": ("log", "task_logs"),
        "listAlert": ("alert", "alerts"),
        "listCaseTemplate": ("caseTemplate", "case_templates"),
        "listCustomField": ("customField", "custom_fields"),
    }
    GETTERS: ClassVar[dict[str, tuple[str, str, str]]] = {
        "getCase": ("case", "cases", "Case"),
        "getTask": ("task", "tasks", "Task"),
        "getObservable": ("observable", "observables", "Observable"),
        "getComment": ("comment", "comments", "Comment"),
        "getLog": ("log", "task_logs", "Log"),
        "getAlert": ("alert", "alerts", "Alert"),
        "getCaseTemplate": ("caseTemplate", "case_templates", "CaseTemplate"),
    }

    def query_source(self, step: Any, org: str) -> tuple[str, list[Obj]]:
        if not isinstance(step, dict) or not isinstance(step.get("_name"), str):
            raise QueryError(f"Invalid query: the first step must be a source, got {step!r}")
        name = step["_name"]
        if name in self.SOURCES:
            kind, store = self.SOURCES[name]
            if kind == "customField":
                return kind, list(self.custom_fields.values())
            return kind, self.in_org(getattr(self, store), org)
        if name in self.GETTERS:
            kind, store, what = self.GETTERS[name]
            if "idOrName" not in step:
                raise QueryError(f"Invalid query: {name} needs idOrName")
            return kind, [self.lookup(getattr(self, store), str(step["idOrName"]), org, what)]
        raise QueryError(f"Invalid query: unknown source step {name}")

    def traverse(self, kind: str, items: list[Obj], name: str) -> tuple[str, list[Obj]]:
        """Follow a relation (tasks, observables, comments, logs, attachments, alerts, case...)."""
        children = {
            ("case", "tasks"): ("task", self.tasks),
            ("case", "observables"): ("observable", self.observables),
            ("case", "comments"): ("comment", self.comments),
            ("case", "attachments"): ("attachment", self.attachments),
            ("task", "logs"): ("log", self.task_logs),
            ("alert", "observables"): ("observable", self.observables),
            ("alert", "comments"): ("comment", self.comments),
            ("alert", "attachments"): ("attachment", self.attachments),
        }
        if (kind, name) in children:
            child_kind, store = children[(kind, name)]
            return child_kind, [c for o in items for c in self.children(store, o["_id"])]
        if (kind, name) in (
            ("case", "pages"),
            ("case", "procedures"),
            ("alert", "procedures"),
            ("case", "shares"),
        ):
            return name.rstrip("s"), []
        if (kind, name) == ("case", "alerts"):
            ids = {o["_id"] for o in items}
            return "alert", [a for a in self.alerts.values() if a.get("caseId") in ids]
        if (kind, name) in (("task", "case"), ("observable", "case")):
            return "case", [
                self.cases[p] for o in items if (p := self.parent.get(o["_id"], "")) in self.cases
            ]
        if (kind, name) == ("log", "task"):
            return "task", [
                self.tasks[p] for o in items if (p := self.parent.get(o["_id"], "")) in self.tasks
            ]
        if (kind, name) == ("alert", "case"):
            return "case", [self.cases[o["caseId"]] for o in items if o.get("caseId") in self.cases]
        raise QueryError(f"Invalid query: unknown step {name} after {kind}")

    # -- analyst actions (the UI, without HTTP) --------------------------------------------
    def create_case(self, body: Any, user: str | None = None, org: str | None = None) -> Obj:
        """Create a case as POST /api/v1/case would (default: as the analyst)."""
        with self.lock:
            return super().create_case(body, user or self.analyst, org or self.organisation)

    def close_case(
        self, case_id: str, status: str = "TruePositive", summary: str = "Closed in TheHive",
        impact: str = "NotApplicable",
    ) -> Obj:  # fmt: skip
        """An analyst closes the case in the UI."""
        fields = {"status": status, "summary": summary, "impactStatus": impact}
        return self.set_case_fields(case_id, fields)

    def set_case_status(self, case_id: str, status: str) -> Obj:
        return self.set_case_fields(case_id, {"status": status})

    def set_case_fields(self, case_id: str, fields: Obj) -> Obj:
        with self.lock:
            case = self.lookup(self.cases, case_id, self.org_of.get(case_id, self.organisation), "Case")
            self.update_case(case, fields, self.analyst, self.org_of[case["_id"]])
            return case

    def set_task_status(self, task_id: str, status: str) -> Obj:
        with self.lock:
            task = self.tasks[task_id] if task_id in self.tasks else self._missing("Task", task_id)
            self.update_task(task, {"status": status}, self.analyst)
            return task

    def add_task_log(self, task_id: str, message: str) -> Obj:
        with self.lock:
            if task_id not in self.tasks:
                self._missing("Task", task_id)
            return self.create_log(task_id, {"message": message}, self.analyst, self.org_of[task_id], [])

    def add_comment(self, case_id: str, message: str) -> Obj:
        with self.lock:
            if case_id not in self.cases:
                self._missing("Case", case_id)
            return self.create_comment(case_id, {"message": message}, self.analyst, self.org_of[case_id])

    def promote_alert(self, alert_id: str, case_template: str | None = None, **fields: Any) -> Obj:
        """An analyst promotes the alert to a new case (optionally with a case template)."""
        with self.lock:
            alert = self.alerts[alert_id] if alert_id in self.alerts else self._missing("Alert", alert_id)
            body = {**fields, **({"caseTemplate": case_template} if case_template else {})}
            return self.promote_alert_to_case(alert, body, self.analyst, self.org_of[alert_id])

    def merge_alert(self, alert_id: str, case_id: str) -> Obj:
        """An analyst merges the alert into an existing case."""
        with self.lock:
            alert = self.alerts[alert_id] if alert_id in self.alerts else self._missing("Alert", alert_id)
            case = self.cases[case_id] if case_id in self.cases else self._missing("Case", case_id)
            return self.merge_alert_into_case(alert, case, self.analyst)

    def add_case_template(self, body: Obj) -> Obj:
        """An analyst creates a case template in the UI."""
        with self.lock:
            return self.create_template(body, self.analyst, self.organisation)

    @staticmethod
    def _missing(what: str, ident: str) -> Any:
        raise KeyError(f"{what} {ident} not found in the emulator")

    def tasks_of(self, case_id: str) -> list[Obj]:
        return self.children(self.tasks, case_id)

    def observables_of(self, parent_id: str) -> list[Obj]:
        return self.children(self.observables, parent_id)

    def comments_of(self, parent_id: str) -> list[Obj]:
        return self.children(self.comments, parent_id)

    def logs_of(self, task_id: str) -> list[Obj]:
        return self.children(self.task_logs, task_id)

    def cases_with_tag(self, tag: str) -> list[Obj]:
        return [c for c in self.cases.values() if tag in c["tags"]]
