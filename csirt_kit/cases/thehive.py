"""TheHive 5 backend through thehive4py.

Config keys (``[cases.thehive]``): ``url`` (required), ``key_env`` (variable holding
the API key, default ``CSIRT_THEHIVE_KEY``), ``organisation`` (sent as
X-Organisation), ``verify_tls`` (default true; a CA bundle path also works),
``timeout`` (seconds per request, default 10).

thehive4py retries POSTs on 5xx by default and has no timeout; both would turn an
ambiguous failure into a duplicate or a hang, so the client gets ``max_retries=0``
and an adapter that adds the timeout (API-CONTRACTS 1.2, 1.4).
"""

from __future__ import annotations

import functools
import logging
import operator
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import requests
import requests.adapters
from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq, Id
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc

from csirt_kit.cases.backend import (
    PRODUCT_TAG,
    BadAnswer,
    Refused,
    RemoteCase,
    RemoteTask,
    Unavailable,
    dedup_tag,
)
from csirt_kit.cases.records import Observable
from csirt_kit.config import Config
from csirt_kit.errors import AuthError, ConfigError
from csirt_kit.redaction import redact
from csirt_kit.timeutil import iso

log = logging.getLogger(__name__)
SEVERITY = {"info": 1, "low": 1, "medium": 2, "high": 3, "critical": 4}
TLP = {"clear": 0, "white": 0, "green": 1, "amber": 2, "amber+strict": 3, "red": 4}
PAP = {"clear": 0, "white": 0, "green": 1, "amber": 2, "red": 3}
_CHUNK = 100


class TimeoutAdapter(requests.adapters.HTTPAdapter):
    """An adapter that gives every request a timeout unless one was passed."""

    def __init__(self, timeout: float, **kw: Any) -> None:
        self._timeout = timeout
        super().__init__(**kw)

    def send(self, request: requests.PreparedRequest, **kw: Any) -> requests.Response:  # type: ignore[override]
        """Send with the default timeout filled in."""
        if kw.get("timeout") is None:
            kw["timeout"] = self._timeout
        return super().send(request, **kw)


def _any_id(ids: Sequence[str]) -> Any:
    return functools.reduce(operator.or_, [Id(i) for i in ids])


class TheHiveBackend:
    """Cases in a TheHive 5 organisation."""

    name = "thehive"

    def __init__(self, config: Config) -> None:
        section = config.get("cases.thehive", {}) or {}
        self.url = str(section.get("url") or "").rstrip("/")
        if not self.url:
            raise ConfigError("cases.thehive.url is not set", where=config.where(),
                              fix='add [cases.thehive] url = "https://thehive.example.go.id"')
        self.where = f"TheHive {self.url}"
        key = config.secret(str(section.get("key_env") or "CSIRT_THEHIVE_KEY"), "cases.thehive")
        verify = section.get("verify_tls", True)
        if verify is False:
            log.warning("TLS verification is off for %s (cases.thehive.verify_tls = false)", self.url)
        timeout = float(section.get("timeout", 10.0))
        self.organisation = str(section.get("organisation") or "") or None
        self.api = TheHiveApi(self.url, apikey=key, organisation=self.organisation,
                              verify=verify, max_retries=0)
        for scheme in ("http://", "https://"):
            self.api.session.mount(scheme, TimeoutAdapter(timeout, max_retries=0))

    def _call(self, action: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except TheHiveError as exc:
            status = exc.response.status_code if exc.response is not None else None
            text = redact(str(exc))[:300]
            if status in (401, 403):
                raise AuthError(f"{action}: HTTP {status} {text}", where=self.where,
                                fix="check the API key variable named by cases.thehive.key_env, "
                                    "its permissions and cases.thehive.organisation") from None
            if status is None or status >= 500 or status in (408, 429):
                raise Unavailable(f"{action}: HTTP {status} {text}", where=self.where) from None
            raise Refused(f"{action}: HTTP {status} {text}", where=self.where,
                          fix="the item is marked failed; see `csirt cases list --problems`") from None
        except requests.exceptions.RequestException as exc:
            raise Unavailable(f"{action}: {type(exc).__name__}: {redact(str(exc))[:200]}",
                              where=self.where, transport=True) from None

    def _expect(self, action: str, value: Any, kind: type) -> Any:
        if not isinstance(value, kind) or (isinstance(value, dict) and not isinstance(value.get("_id"), str)):
            raise BadAnswer(f"{action}: unexpected answer {redact(repr(value))[:120]}",
                            where=self.where, fix="check that the URL points to TheHive 5 (API v1)")
        return value

    def _case(self, data: dict[str, Any]) -> RemoteCase:
        cid = str(data["_id"])
        closed = data.get("closedDate") or data.get("endDate")
        closed_at = iso(datetime.fromtimestamp(closed / 1000, UTC)) if isinstance(closed, int) else ""
        return RemoteCase(cid, str(data.get("status") or "New"), data.get("summary"),
                          data.get("impactStatus"), f"{self.url}/cases/{cid}/details", closed_at)

    def find_case(self, key: str) -> RemoteCase | None:
        """The oldest case carrying the key's dedup tag."""
        found = self._call(f"find case {key}", self.api.case.find, filters=Eq("tags", dedup_tag(key)),
                           sortby=Asc("_createdAt"), paginate=Paginate(0, 5))
        found = self._expect(f"find case {key}", found, list)
        return self._case(found[0]) if found and isinstance(found[0], dict) and "_id" in found[0] else None

    def create_case(self, key: str, fields: dict[str, Any]) -> RemoteCase:
        """POST the case once; the caller looks it up by tag before any retry."""
        body = {"title": fields["title"], "description": fields["description"],
                "severity": SEVERITY.get(fields.get("severity", "medium"), 2),
                "tlp": TLP.get(fields.get("tlp", "amber"), 2), "pap": PAP.get(fields.get("pap", "amber"), 2),
                "tags": sorted({*fields.get("tags", []), PRODUCT_TAG, dedup_tag(key)}), "flag": False}
        data = self._call(f"create case {key}", self.api.case.create, body)
        return self._case(self._expect(f"create case {key}", data, dict))

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

    def _existing_observables(self, case_id: str) -> set[tuple[str, str]]:
        found = self._expect("list observables", self._call(
            f"list observables of case {case_id}", self.api.case.find_observables, case_id), list)
        return {(str(o.get("dataType")), str(o.get("data"))) for o in found if isinstance(o, dict)}

    def add_observables(self, case_id: str, observables: Sequence[Observable]) -> int:
        """One request per (type, IoC flag, TLP) group; a duplicate 400 is resolved by a lookup."""
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
                    data = self._call(f"add {dtype} observables to case {case_id}",
                                      self.api.observable.create_in_case, case_id, {**body, "data": values})
                except Refused as exc:
                    if attempt or "already exist" not in exc.what.lower():
                        raise
                    existing = self._existing_observables(case_id)
                    values = [v for v in values if (dtype, v) not in existing]
                    continue
                self._expect(f"add {dtype} observables to case {case_id}", data, list)
                added += len(values)
                break
        return added

    def add_comment(self, case_id: str, text: str) -> None:
        """Add a comment to the case."""
        data = self._call(f"comment on case {case_id}", self.api.comment.create_in_case, case_id,
                          {"message": text})
        self._expect(f"comment on case {case_id}", data, dict)

    def comment_texts(self, case_id: str) -> list[str]:
        """Texts of the case's comments."""
        found = self._expect("list comments", self._call(
            f"list comments of case {case_id}", self.api.case.find_comments, case_id), list)
        return [str(c.get("message", "")) for c in found if isinstance(c, dict)]

    def update_case(self, case_id: str, fields: dict[str, Any]) -> None:
        """PATCH case fields (severity given as a name is mapped)."""
        body = dict(fields)
        if isinstance(body.get("severity"), str):
            body["severity"] = SEVERITY.get(body["severity"], 2)
        self._call(f"update case {case_id}", self.api.case.update, case_id, body)

    def close_case(self, case_id: str, status: str, summary: str, impact: str) -> None:
        """Close with resolution status, impact and summary."""
        self._call(f"close case {case_id}", self.api.case.close, case_id, status, summary,
                   impact_status=impact)

    def case_states(self, case_ids: Sequence[str]) -> dict[str, RemoteCase]:
        """Status of cases by id, 100 ids per query."""
        out: dict[str, RemoteCase] = {}
        for i in range(0, len(case_ids), _CHUNK):
            chunk = list(case_ids[i:i + _CHUNK])
            found = self._expect("read case status", self._call(
                "read case status", self.api.case.find, filters=_any_id(chunk),
                paginate=Paginate(0, len(chunk))), list)
            for item in found:
                if isinstance(item, dict) and "_id" in item:
                    out[str(item["_id"])] = self._case(item)
        return out

    def task_states(self, task_ids: Sequence[str]) -> dict[str, RemoteTask]:
        """Status of tasks by id, 100 ids per query."""
        out: dict[str, RemoteTask] = {}
        for i in range(0, len(task_ids), _CHUNK):
            chunk = list(task_ids[i:i + _CHUNK])
            found = self._expect("read task status", self._call(
                "read task status", self.api.task.find, filters=_any_id(chunk),
                paginate=Paginate(0, len(chunk))), list)
            for t in found:
                if isinstance(t, dict) and "_id" in t:
                    out[str(t["_id"])] = RemoteTask(str(t["_id"]), str(t.get("title", "")),
                                                    str(t.get("group", "default")),
                                                    str(t.get("status", "Waiting")))
        return out

    def close(self) -> None:
        """Close the HTTP session."""
        self.api.session.close()
