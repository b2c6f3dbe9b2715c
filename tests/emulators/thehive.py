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
  after the route ran and stored its effect: "500-after", "non-json" (same 2xx status, 200
  instead of 204, body `not json{`), "null" (JSON null, same status rule), "empty" (empty 2xx body), "close-after" (stored,
  then closed without a response), "hang-after" (stored, then wait kw seconds before answering),
  "truncate" (stored; the answer announces its full Content-Length but stops halfway).
Outage: `stop()` refuses connections (open keep-alive connections are dropped); `start()`
listens again on the same port. Analyst actions without HTTP: `close_case`, `set_case_status`,
`set_task_status`, `add_task_log`, `add_comment`, `promote_alert`, `merge_alert`, `set_alert_status`,
`add_custom_field`, `add_case_template`, `create_case`; lookups `tasks_of`, `observables_of`,
`comments_of`, `logs_of`, `cases_with_tag`, and `hive.blobs[content_id]` for attachment bytes.
`clock=` (a callable giving epoch ms) fixes the times. `reset()` forgets objects, requests,
faults and errors and keeps the port.

Layout: httpbase (server, faults, outages) and httpwire (requests, multipart, replies) are
generic; thehive_state/thehive_objects hold the data rules, thehive_cases/_alerts/_templates/
_query the routes, thehive_analyst the UI actions, thehive_model the shapes and input checks.

Emulator choices where TheHive 5's behaviour is not documented (see the contract's
[unverified] tags): a PATCH with an unknown attribute is 400 BadRequest; closing without a
summary is 400 BadRequest; an observable list with any existing value is refused whole;
custom field definitions can only be written from the "admin" organisation (403 otherwise);
alert creation skips duplicate inline observables; a new case is assigned to its creator; merging
or promoting an alert that already has a caseId is 400 BadRequest; a case made from a template
gets the template's tags added to its own; a template PATCH with `tasks` replaces the list; `_like`
and `_match` ignore case, `_eq` and the comparisons do not and never compare numbers with strings.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from tests.emulators.httpbase import LoopbackServer
from tests.emulators.httpwire import Reply, Request
from tests.emulators.thehive_analyst import AnalystActions
from tests.emulators.thehive_base import Ctx, HiveBase
from tests.emulators.thehive_cases import CaseRoutes
from tests.emulators.thehive_model import ApiError
from tests.emulators.thehive_query import QuerySteps

__all__ = ["Ctx", "TheHiveEmulator"]


class TheHiveEmulator(AnalystActions, CaseRoutes, QuerySteps, LoopbackServer):
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
        HiveBase.__init__(self, first_id=first_id, clock=clock)
        self.api_keys = {api_key: user}
        self.passwords = {user: password}
        self.user = user
        self.analyst = analyst
        self.organisation = organisation
        self.organisations = {organisation, *organisations}
        self.route("GET", "/user/current", self._current_user)
        self.add_query_routes()
        self.add_case_routes()
        self.add_alert_routes()
        self.add_template_routes()

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
