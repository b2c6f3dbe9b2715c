"""Send queued sightings to MISP servers whose entry says `sightings = true`."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from csirt_kit.errors import ServerError
from csirt_kit.intel.misp_server import check_answer, classify
from csirt_kit.intel.rows import epoch
from csirt_kit.intel.sources import MispServer
from csirt_kit.store.db import Store

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class SightingsResult:
    """How many queued sightings were sent, refused (dropped after answers), still queued."""

    sent: int = 0
    refused: int = 0
    queued: int = 0


def queued_sightings(conn: sqlite3.Connection, source: str) -> list[sqlite3.Row]:
    """Sightings of one source still to send."""
    return conn.execute(
        "SELECT * FROM intel_sightings WHERE source = ? AND sent_at = '' AND attempts < ? ORDER BY id",
        (source, MAX_ATTEMPTS)).fetchall()


def send_sightings(store: Store, server: MispServer, misp: Any, now: str) -> SightingsResult:
    """Send one server's queue with a connected PyMISP; a refused value is not retried forever.

    Network failures stop the sending (what is left stays queued) and raise ServerError.
    """
    sent = refused = 0
    rows = queued_sightings(store.conn, server.name)
    for row in rows:
        body = {"value": row["value"], "source": "csirt-kit", "type": "0",
                "timestamp": str(epoch(row["seen_at"]) or "")}
        try:
            answer = misp.add_sighting(body)
        except Exception as exc:  # connection errors from requests, unwrapped by PyMISP
            raise classify(exc, server) from None
        if isinstance(answer, Mapping) and "errors" in answer:
            # MISP answers 4xx JSON when it holds no such value: the key itself was fine at start-up.
            try:
                check_answer(answer, server, "add sighting")
            except ServerError as exc:
                reason = exc.what
            with store.write() as conn:
                conn.execute("UPDATE intel_sightings SET attempts = attempts + 1, last_error = ?"
                             " WHERE id = ?", (reason[:300], row["id"]))
            refused += 1
            continue
        with store.write() as conn:
            conn.execute("UPDATE intel_sightings SET sent_at = ?, attempts = attempts + 1"
                         " WHERE id = ?", (now, row["id"]))
        sent += 1
    left = len(queued_sightings(store.conn, server.name))
    return SightingsResult(sent, refused, left)
