"""A loopback MISP server for the real PyMISP client (API-CONTRACTS Part 2).

Serves the start-up calls (getVersion, users/view/me with UserSetting, describeTypes
404), ``POST /attributes/restSearch`` (timestamp >=, page/limit, type, tags with ``!``,
to_ids, published, includeEventUuid, includeEventTags; ids and timestamps as strings,
wrapped in ``{"response": {"Attribute": [...]}}``) and ``POST /sightings/add``.
Auth compares ``Authorization`` with the raw key; a wrong key gets MISP's 403 body.
Faults: ``emu.fault(path_part, mode, page=None, times=1)`` with mode an HTTP status
(500, 502, 404...), "hang", "html", "malformed" or "close".
"""

from __future__ import annotations

import json
import threading
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.emulators.background import BackgroundHTTP

FORBIDDEN = {"name": "Authentication failed. Please make sure you pass the API key of an API enabled "
             "user along in the Authorization header.", "message": "Authentication failed. Please make "
             "sure you pass the API key of an API enabled user along in the Authorization header.",
             "url": "/users/view/me"}


@dataclass
class Fault:
    """One injected fault: requests whose path contains `path` (and page, if set)."""

    path: str
    mode: Any
    page: int | None = None
    times: int = 1


@dataclass
class MispEmulator(BackgroundHTTP):
    """State and faults of the emulated MISP; start() serves it on 127.0.0.1."""

    key: str = "emu-key-0123456789abcdef0123456789abcdef"
    version: str = "2.5.17"
    attributes: list[dict[str, Any]] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    sightings: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    hang_seconds: float = 3.0
    clock: int = 1_790_000_000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- state -------------------------------------------------------------
    def add_event(self, info: str, attributes: list[tuple[str, str, bool]], tags: tuple[str, ...] = (),
                  published: bool = True, timestamp: int | None = None,
                  threat_level: str = "2") -> str:
        """Add an event with attributes (type, value, to_ids); returns its uuid."""
        event_uuid = str(uuidlib.uuid4())
        eid = str(len(self.events) + 1)
        self.events[event_uuid] = {"id": eid, "uuid": event_uuid, "info": info, "published": published,
                                   "tags": list(tags), "threat_level_id": threat_level,
                                   "date": "2026-11-01"}
        for type_, value, to_ids in attributes:
            self.add_attribute(event_uuid, type_, value, to_ids, timestamp=timestamp)
        return event_uuid

    def add_attribute(self, event_uuid: str, type_: str, value: str, to_ids: bool = True,
                      timestamp: int | None = None, object_id: str = "0", relation: str | None = None,
                      tags: tuple[str, ...] = ()) -> dict[str, Any]:
        """Add (or return) one attribute of an event."""
        self.clock += 1
        attr = {"id": str(len(self.attributes) + 1), "event_id": self.events[event_uuid]["id"],
                "object_id": object_id, "object_relation": relation, "category": "Network activity",
                "type": type_, "value": value, "to_ids": to_ids, "uuid": str(uuidlib.uuid4()),
                "timestamp": str(timestamp or self.clock), "distribution": "5", "sharing_group_id": "0",
                "comment": "", "deleted": False, "disable_correlation": False, "first_seen": None,
                "last_seen": None, "_event": event_uuid, "_tags": list(tags)}
        self.attributes.append(attr)
        return attr

    def touch(self, attr: dict[str, Any], value: str | None = None) -> None:
        """Modify an attribute now (new timestamp, optionally a new value)."""
        self.clock += 1
        attr["timestamp"] = str(self.clock)
        if value is not None:
            attr["value"] = value

    def fault(self, path: str, mode: Any, page: int | None = None, times: int = 1) -> None:
        """Inject a fault for the next `times` matching requests."""
        self.faults.append(Fault(path, mode, page, times))

    # -- HTTP --------------------------------------------------------------
    @property
    def url(self) -> str:
        """Root URL (ends with /)."""
        return f"http://127.0.0.1:{self.bound_port}/"

    def start(self) -> MispEmulator:
        """Serve on a random port in a daemon thread."""
        emu = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                emu._handle(self, "GET")

            def do_POST(self) -> None:
                emu._handle(self, "POST")

        self.serve(Handler)
        return self

    def _take_fault(self, path: str, page: int | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.path in path and (fault.page is None or fault.page == page):
                    fault.times -= 1
                    return fault
        return None

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            body = {}
        path = h.path.split("?", 1)[0]
        self.requests.append((method, path, body))
        fault = self._take_fault(path, body.get("page") if isinstance(body, dict) else None)
        if fault is not None:
            if fault.mode == "hang":
                time.sleep(self.hang_seconds)
                return
            if fault.mode == "close":
                h.close_connection = True
                return
            if fault.mode == "html":
                self._send(h, 200, b"<html><body>Login</body></html>", "text/html")
                return
            if fault.mode == "malformed":
                self._send(h, 200, b'{"response": {"Attribute": [ {"id": "1", ', "application/json")
                return
            self._json(h, int(fault.mode), {"name": "Injected", "message": "Injected fault", "url": path})
            return
        if h.headers.get("Authorization", "") != self.key:
            self._json(h, 403, {**FORBIDDEN, "url": path})
            return
        if path == "/servers/getVersion":
            self._json(h, 200, {"version": self.version, "pymisp_recommended_version": self.version,
                                "perm_sync": False, "perm_sighting": True})
        elif path == "/users/view/me":
            self._json(h, 200, {"User": {"id": "3", "email": "csirt@city.example", "org_id": "1",
                                         "role_id": "3"},
                                "Role": {"id": "3", "name": "User", "perm_sighting": True},
                                "UserSetting": {}})
        elif path == "/attributes/restSearch" and method == "POST":
            self._json(h, 200, {"response": {"Attribute": self.search(body)}})
        elif path.startswith("/sightings/add") and method == "POST":
            self._sighting(h, body)
        else:
            self._json(h, 404, {"name": "Not Found", "message": "Not Found", "url": path})

    def search(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """restSearch over attributes, ordered by id, paged."""
        types = body.get("type")
        types = [types] if isinstance(types, str) else types
        tags = body.get("tags") or []
        want = [t for t in tags if not t.startswith("!")]
        avoid = [t[1:] for t in tags if t.startswith("!")]
        out = []
        for attr in self.attributes:
            event = self.events[attr["_event"]]
            all_tags = [*event["tags"], *attr["_tags"]]
            if body.get("timestamp") is not None and int(attr["timestamp"]) < int(body["timestamp"]):
                continue
            if types and attr["type"] not in types:
                continue
            if "to_ids" in body and bool(int(body["to_ids"])) != attr["to_ids"]:
                continue
            if "published" in body and bool(body["published"]) != event["published"]:
                continue
            if want and not any(t in all_tags for t in want):
                continue
            if any(t in all_tags for t in avoid):
                continue
            out.append(self._render(attr, event, body))
        if "limit" in body:
            page, limit = int(body.get("page", 1)), int(body["limit"])
            out = out[(page - 1) * limit: page * limit]
        return out

    def _render(self, attr: dict[str, Any], event: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in attr.items() if not k.startswith("_")}
        shown["Event"] = {"id": event["id"], "uuid": event["uuid"], "info": event["info"],
                          "org_id": "1", "orgc_id": "1", "distribution": "1"}
        tags = list(attr["_tags"]) + (list(event["tags"]) if body.get("includeEventTags") else [])
        if tags:
            shown["Tag"] = [{"id": str(i + 1), "name": t, "colour": "#339900"} for i, t in enumerate(tags)]
        if body.get("includeEventUuid"):
            shown["event_uuid"] = event["uuid"]
        return shown

    def _sighting(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        match = [a for a in self.attributes if a["value"] == body.get("value")]
        if not match:
            self._json(h, 403, {"name": "Could not add the Sighting.", "message": "Could not add the "
                                "Sighting.", "url": "/sightings/add"})
            return
        self.sightings.append(dict(body))
        self._json(h, 200, {"Sighting": {"id": str(len(self.sightings)), "attribute_id": match[0]["id"],
                                         "event_id": match[0]["event_id"], "org_id": "1",
                                         "date_sighting": body.get("timestamp", ""),
                                         "uuid": str(uuidlib.uuid4()), "source": body.get("source", ""),
                                         "type": body.get("type", "0")}})

    @staticmethod
    def _json(h: BaseHTTPRequestHandler, status: int, doc: Any) -> None:
        MispEmulator._send(h, status, json.dumps(doc).encode(), "application/json")

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, data: bytes, ctype: str) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
