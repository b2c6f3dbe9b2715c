"""The thehive4py client as csirt-kit uses it: no retries, a timeout, errors mapped to ours.

Config keys (``[cases.thehive]``): ``url`` (required), ``key_env`` (variable holding
the API key, default ``CSIRT_THEHIVE_KEY``), ``organisation`` (sent as
X-Organisation), ``verify_tls`` (default true; a CA bundle path also works),
``timeout`` (seconds per request, default 10), ``mode`` (``case`` or ``alert``,
default ``case``), ``source`` (alert source, default ``csirt-kit``), ``key_field``
(custom field holding the case key, default ``csirt-case-key``), ``use_templates``
(case mode: open cases from the playbook's case template, default false),
and ``attachment_max_mb`` (default 20; bigger evidence bundles are not attached). Evidence
bundles as such are switched by ``[cases] attach_evidence`` (default true).

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
from thehive4py.query.filters import Id

from csirt_kit.cases.backend import BadAnswer, Refused, RemoteCase, Unavailable
from csirt_kit.cases.templates import key_field
from csirt_kit.config import Config
from csirt_kit.errors import AuthError, ConfigError
from csirt_kit.redaction import redact
from csirt_kit.timeutil import iso

log = logging.getLogger("csirt_kit.cases.thehive")
MODES = ("case", "alert")
SEVERITY = {"info": 1, "low": 1, "medium": 2, "high": 3, "critical": 4}
TLP = {"clear": 0, "white": 0, "green": 1, "amber": 2, "amber+strict": 3, "red": 4}
PAP = {"clear": 0, "white": 0, "green": 1, "amber": 2, "red": 3}
CHUNK = 100


def any_id(ids: Sequence[str]) -> Any:
    """A filter matching any of the ids."""
    return functools.reduce(operator.or_, [Id(i) for i in ids])


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


class HiveClient:
    """Connection, error mapping and the settings every TheHive call shares."""

    name = "thehive"

    def __init__(self, config: Config) -> None:
        section = config.get("cases.thehive", {}) or {}
        self.url = str(section.get("url") or "").rstrip("/")
        if not self.url:
            raise ConfigError("cases.thehive.url is not set", where=config.where(),
                              fix='add [cases.thehive] url = "https://thehive.example.go.id"')
        self.where = f"TheHive {self.url}"
        self.mode = str(section.get("mode") or "case")
        if self.mode not in MODES:
            raise ConfigError(f"cases.thehive.mode: unknown mode {self.mode!r}", where=config.where(),
                              fix='use mode = "case" or mode = "alert"')
        self.source = str(section.get("source") or "csirt-kit")
        self.key_field = key_field(config)
        self.use_templates = bool(section.get("use_templates", False))
        self.attachment_max = int(float(section.get("attachment_max_mb", 20)) * 1024 * 1024)
        self.field_ok: bool | None = None  # None: not known yet; False: the server lacks the field
        self.templates_ok = True
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

    # -- the key custom field --------------------------------------------------------------
    def key_values(self, key: str) -> list[dict[str, Any]]:
        """The customFields list carrying the key (empty when the server lacks the field)."""
        if self.field_ok is None:
            self._check_field()
        return [] if self.field_ok is False else [{"name": self.key_field, "value": key, "order": 0}]

    def _check_field(self) -> None:
        """Read the field definitions once (a read any user may do); unknown if that is refused."""
        try:
            found = self._call("list custom fields", self.api.custom_field.list)
        except (Refused, AuthError, BadAnswer):
            return  # try with the field; a refusal naming it is handled by with_key_field
        if isinstance(found, list):
            names = {str(d.get("name")) for d in found if isinstance(d, dict)}
            self.field_ok = self.key_field in names
            if not self.field_ok:
                self._warn_field()

    def _warn_field(self) -> None:
        log.warning("%s has no custom field %r: cases and alerts carry the case key only in their "
                    "tag; a TheHive administrator can create it (Entities management > Custom fields, "
                    "type string, name %s) and `csirt doctor` checks it", self.where, self.key_field,
                    self.key_field)

    def field_missing(self, exc: Refused) -> bool:
        """Whether a refusal says our key custom field is not defined; warns once if so."""
        text = exc.what.lower()
        if self.field_ok is False or "customfield" not in text.replace(" ", "") \
                or self.key_field.lower() not in text:
            return False
        self.field_ok = False
        self._warn_field()
        return True

    def with_key_field(self, action: str, fn: Callable[..., Any], key: str, body: dict[str, Any],
                       *args: Any) -> Any:
        """POST a body with the key custom field; without it if the server lacks the field."""
        values = self.key_values(key)
        try:
            return self._call(action, fn, *args, {**body, **({"customFields": values} if values else {})})
        except Refused as exc:
            if not values or not self.field_missing(exc):
                raise
        return self._call(action, fn, *args, body)
