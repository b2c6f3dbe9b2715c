"""Stored indicators reach `scan logs`, and new IoC hits queue one MISP sighting each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from csirt_kit.store.db import open_store

from .conftest import access_line


@pytest.fixture
def intel_city(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    feed = tmp_path / "blocklist.txt"
    feed.write_text("203.0.113.99\nevil-judi.example\n")
    config = tmp_path / "config.toml"
    # Warninglists off: they are the intel tests' business and slow to build per test.
    config.write_text(f'[intel.warninglists]\nenabled = false\n[[intel.feeds]]\nname = "blocklist"\n'
                      f'path = "{feed}"\nformat = "text"\n')
    monkeypatch.setenv("CSIRT_KIT_CONFIG", str(config))
    cli(["intel", "sync"])
    return tmp_path


def test_stored_indicators_hit_and_queue_sightings_once(cli: Any, intel_city: Path, store_path: Path) -> None:
    # Sightings go back to MISP servers; mark this source as one that wants them.
    from csirt_kit.intel.store import register_source

    store = open_store(str(store_path))
    with store.write() as conn:
        register_source(conn, "blocklist", "feed:text", str(intel_city / "blocklist.txt"), True)
    store.close()
    log = intel_city / "access.log"
    log.write_text(access_line(ip="192.0.2.1") + access_line(ip="203.0.113.99")
                   + access_line(referer="https://www.evil-judi.example/slot"))
    doc = cli(["--json", "scan", "logs", str(log), "--no-rules"]).json
    got = sorted((f["indicator"], f["evidence"]["field"], f["evidence"]["line"]) for f in doc["findings"])
    assert got == [("203.0.113.99", "ip", 2), ("evil-judi.example", "domain", 3)]
    assert all(f["kind"] == "ioc.log" for f in doc["findings"])
    cli(["--json", "scan", "logs", str(log), "--no-rules"])  # rerun: nothing new to sight
    store = open_store(str(store_path))
    try:
        rows = store.conn.execute("SELECT source, value FROM intel_sightings ORDER BY value").fetchall()
    finally:
        store.close()
    assert [tuple(r) for r in rows] == [("blocklist", "203.0.113.99"), ("blocklist", "evil-judi.example")]
    quiet = cli(["--json", "scan", "logs", str(log), "--no-rules", "--no-iocs"]).json
    assert quiet["findings"] == [] and quiet["stats"]["indicators"] == 0
