"""MISP feeds for tests: written with PyMISP's own feed export, served from a loopback HTTP server.

``write_feed(folder, events)`` builds each event with ``pymisp.MISPEvent`` and writes it
with ``MISPEvent.to_feed()`` and ``pymisp.tools.feed.feed_meta_generator`` (manifest.json
with int fields, event files with string numbers, hashes.csv), as API-CONTRACTS Part 3.
``FeedServer(folder)`` serves a folder on 127.0.0.1 with injectable faults per path.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.emulators.background import BackgroundHTTP


@dataclass
class FeedEvent:
    """One event to write: attributes as (type, value, to_ids) and vulnerability objects."""

    uuid: str
    info: str
    attributes: list[tuple[str, str, bool]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    vulns: list[dict[str, Any]] = field(default_factory=list)
    date: str = "2026-11-01"
    threat_level: int = 2
    timestamp: int = 1_790_000_000


def build_event(spec: FeedEvent) -> Any:
    """A pymisp MISPEvent for the spec."""
    from datetime import UTC, datetime

    from pymisp import MISPEvent, MISPObject, MISPOrganisation

    event = MISPEvent()
    event.uuid = spec.uuid
    event.info = spec.info
    event.date = spec.date
    event.threat_level_id = spec.threat_level
    event.analysis = 1
    event.published = True
    org = MISPOrganisation()
    org.name = "CERT-TEST"
    org.uuid = "55f6ea5e-2c60-40e5-964f-47a8950d210f"
    event.Orgc = org
    for tag in spec.tags:
        event.add_tag(tag)
    for type_, value, to_ids in spec.attributes:
        event.add_attribute(type_, value, to_ids=to_ids, comment=f"{type_} indicator")
    for vuln in spec.vulns:
        obj = MISPObject("vulnerability", standalone=False)
        obj.add_attribute("id", value=vuln["id"])
        for cpe in vuln.get("cpes", []):
            obj.add_attribute("vulnerable-configuration", value=cpe)
        if "cvss" in vuln:
            obj.add_attribute("cvss-score", value=vuln["cvss"])
        if "summary" in vuln:
            obj.add_attribute("summary", value=vuln["summary"])
        event.add_object(obj)
    stamp = datetime.fromtimestamp(spec.timestamp, UTC)
    event.timestamp = stamp
    for attr in event.attributes:
        attr.timestamp = stamp
    for obj in event.objects:
        obj.timestamp = stamp
        for attr in obj.attributes:
            attr.timestamp = stamp
    return event


def write_feed(folder: Path, events: Iterable[FeedEvent]) -> Path:
    """Write a MISP feed folder (event files, manifest.json, hashes.csv) and return it."""
    from pymisp.tools.feed import feed_meta_generator

    folder.mkdir(parents=True, exist_ok=True)
    for spec in events:
        event = build_event(spec)
        (folder / f"{spec.uuid}.json").write_text(json.dumps(event.to_feed()), encoding="utf-8")
    feed_meta_generator(folder)
    return folder


@dataclass
class FeedServer(BackgroundHTTP):
    """A static HTTP server for a feed folder on 127.0.0.1, with faults per request path.

    ``faults[path] = 500 | 404 | "hang" | "close"``; ``requests`` lists the paths asked for.
    """

    folder: Path
    faults: dict[str, Any] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    hang_seconds: float = 5.0

    @property
    def url(self) -> str:
        """Root URL of the served feed (ends with /)."""
        return f"http://127.0.0.1:{self.bound_port}/"

    def start(self) -> FeedServer:
        """Start serving on a random port."""
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                emulator.requests.append(path)
                fault = emulator.faults.get(path.lstrip("/"))
                if fault == "hang":
                    time.sleep(emulator.hang_seconds)
                    return
                if fault == "close":
                    self.close_connection = True
                    return
                if isinstance(fault, int):
                    self._send(fault, b'{"error": "injected"}')
                    return
                target = (emulator.folder / path.lstrip("/")).resolve()
                if emulator.folder.resolve() not in target.parents or not target.is_file():
                    self._send(404, b"not found")
                    return
                self._send(200, target.read_bytes())

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.serve(Handler)
        return self


def serve(folder: Path) -> Iterator[FeedServer]:
    """Generator for a pytest fixture: a started server, stopped afterwards."""
    server = FeedServer(folder).start()
    try:
        yield server
    finally:
        server.stop()
