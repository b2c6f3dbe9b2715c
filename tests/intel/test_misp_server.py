"""The real PyMISP client against the loopback MISP emulator: paging, increments, faults, sightings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from csirt_kit.intel.store import iter_active_indicators, record_sightings, source_state
from csirt_kit.intel.sync import sync_sources
from csirt_kit.store.db import Store
from tests.emulators.misp import MispEmulator
from tests.intel.conftest import config_for, write_config


def _server(misp: MispEmulator, **extra: Any) -> dict[str, Any]:
    return {"name": "misp-kota", "url": misp.url, "key_env": "CSIRT_TEST_MISP_KEY", **extra}


def _sync(tmp_path: Path, store: Store, misp: MispEmulator, full: bool = False, **extra: Any):
    cfg = config_for(write_config(tmp_path / "c.toml", misp=[_server(misp, **extra)]))
    return sync_sources(cfg, store, full=full).results[0]


def _searches(misp: MispEmulator) -> list[dict[str, Any]]:
    return [body for method, path, body in misp.requests if path == "/attributes/restSearch"]


def _populate(misp: MispEmulator, count: int) -> str:
    attrs = [("ip-dst", f"198.18.{i // 250}.{i % 250 + 1}", True) for i in range(count)]
    return misp.add_event("Scanning botnet", attrs, tags=("tlp:green",))


def _stored(store: Store) -> list[str]:
    return [i.value for i in iter_active_indicators(store.conn, include_warninglisted=True)]


def test_paged_pull_then_incremental_pull_of_changes_only(tmp_path: Path, misp: MispEmulator,
                                                         misp_key: str, file_store: Store) -> None:
    event = _populate(misp, 25)
    result = _sync(tmp_path, file_store, misp, page_size=10)
    assert result.status == "ok", result
    assert result.indicators_written == 25
    pages = _searches(misp)
    assert [b["page"] for b in pages] == [1, 2, 3] and all(b["limit"] == 10 for b in pages)
    assert "timestamp" not in pages[0]
    assert pages[0]["includeEventUuid"] == 1 and pages[0]["includeEventTags"] == 1
    stored = list(iter_active_indicators(file_store.conn, include_warninglisted=True))
    assert len(stored) == 25 and stored[0].event.uuid == event and "tlp:green" in stored[0].tags
    # Second sync asks only for attributes changed since the first one started.
    misp.requests.clear()
    cursor = int(source_state(file_store.conn, "misp-kota")["cursor"])
    misp.clock = 4_000_000_000  # an edit made after our first sync
    misp.touch(misp.attributes[3], "203.0.113.99")
    result = _sync(tmp_path, file_store, misp, page_size=10)
    assert [b["timestamp"] for b in _searches(misp)] == [cursor]
    assert result.indicators_written == 1
    values = _stored(file_store)
    assert len(values) == 25 and "203.0.113.99" in values


def test_5xx_mid_paging_keeps_pages_and_resumes_without_duplicates(
        tmp_path: Path, misp: MispEmulator, misp_key: str, file_store: Store) -> None:
    _populate(misp, 45)
    misp.fault("/attributes/restSearch", 500, page=3)
    result = _sync(tmp_path, file_store, misp, page_size=10)
    assert result.status == "unreachable" and "500" in result.error
    assert len(_stored(file_store)) == 20  # pages 1 and 2 stayed
    assert source_state(file_store.conn, "misp-kota")["resume"]
    misp.requests.clear()
    result = _sync(tmp_path, file_store, misp, page_size=10)
    assert result.status == "ok"
    assert [b["page"] for b in _searches(misp)] == [2, 3, 4, 5]  # one page of overlap
    values = _stored(file_store)
    assert len(values) == 45 and len(set(values)) == 45
    assert file_store.conn.execute("SELECT COUNT(*) FROM indicators").fetchone()[0] == 45
    assert not source_state(file_store.conn, "misp-kota")["resume"]


def test_hanging_server_times_out(tmp_path: Path, misp: MispEmulator, misp_key: str,
                                  file_store: Store) -> None:
    _populate(misp, 3)
    misp.hang_seconds = 3
    misp.fault("/attributes/restSearch", "hang")
    result = _sync(tmp_path, file_store, misp, timeout=0.5)
    assert result.status == "unreachable" and "timeout" in result.error
    assert result.seconds < 3


def test_bad_key_403_names_the_server_never_the_key(tmp_path: Path, misp: MispEmulator,
                                                    monkeypatch: Any, file_store: Store) -> None:
    monkeypatch.setenv("CSIRT_TEST_MISP_KEY", "wrong-key-value-123456")
    result = _sync(tmp_path, file_store, misp)
    assert result.status == "auth"
    assert "misp-kota" in result.error and misp.url in result.error
    assert "wrong-key-value-123456" not in result.error
    assert "CSIRT_TEST_MISP_KEY" in result.error


def test_malformed_json_and_html_answers(tmp_path: Path, misp: MispEmulator, misp_key: str,
                                         file_store: Store) -> None:
    _populate(misp, 3)
    misp.fault("/attributes/restSearch", "malformed")
    result = _sync(tmp_path, file_store, misp)
    assert result.status == "server" and "not MISP JSON" in result.error
    misp.fault("/servers/getVersion", "html")
    result = _sync(tmp_path, file_store, misp)
    assert result.status == "server" and "login page" in result.error
    assert _stored(file_store) == []
    assert _sync(tmp_path, file_store, misp).status == "ok"
    assert len(_stored(file_store)) == 3


def test_unreachable_server(tmp_path: Path, misp: MispEmulator, misp_key: str, file_store: Store) -> None:
    url = misp.url
    misp.stop()
    cfg = config_for(write_config(tmp_path / "c.toml", misp=[{"name": "gone", "url": url,
                                                              "key_env": "CSIRT_TEST_MISP_KEY"}]))
    result = sync_sources(cfg, file_store).results[0]
    assert result.status == "unreachable" and "gone" in result.error
    assert sync_sources(cfg, file_store).unreachable


def test_filters_are_sent_and_honoured(tmp_path: Path, misp: MispEmulator, misp_key: str,
                                       file_store: Store) -> None:
    misp.add_event("green", [("domain", "green.example", True), ("domain", "noids.example", False)],
                   tags=("tlp:green",))
    misp.add_event("red", [("domain", "red.example", True)], tags=("tlp:red",))
    misp.add_event("unpublished", [("domain", "draft.example", True)], tags=("tlp:green",),
                   published=False)
    misp.add_event("ip", [("ip-dst", "198.18.0.1", True)], tags=("tlp:green",))
    result = _sync(tmp_path, file_store, misp, tags=["tlp:green", "!tlp:red"], to_ids=True,
                   published=True, types=["domain"])
    assert result.status == "ok"
    body = _searches(misp)[0]
    assert body["tags"] == ["tlp:green", "!tlp:red"] and body["to_ids"] == 1
    assert body["published"] is True and body["type"] == ["domain"]
    assert _stored(file_store) == ["green.example"]


def test_sightings_are_queued_and_sent_on_next_sync(tmp_path: Path, misp: MispEmulator, misp_key: str,
                                                    file_store: Store) -> None:
    _populate(misp, 2)
    _sync(tmp_path, file_store, misp, sightings=True)
    with file_store.write() as conn:
        queued = record_sightings(conn, [("misp-kota", "ip-dst", "198.18.0.1"),
                                         ("misp-kota", "ip-dst", "198.18.0.1"),  # same day: once
                                         ("misp-kota", "ip-dst", "192.0.2.250"),  # not held
                                         ("other", "ip-dst", "198.18.0.2")],
                                  "2026-11-23T10:00:00Z")
    assert queued == 1
    result = _sync(tmp_path, file_store, misp, sightings=True)
    assert result.sightings_sent == 1
    assert misp.sightings == [{"value": "198.18.0.1", "source": "csirt-kit", "type": "0",
                               "timestamp": "1795428000"}]
    assert _sync(tmp_path, file_store, misp, sightings=True).sightings_sent == 0


def test_sightings_off_by_default(tmp_path: Path, misp: MispEmulator, misp_key: str,
                                  file_store: Store) -> None:
    _populate(misp, 1)
    _sync(tmp_path, file_store, misp)
    with file_store.write() as conn:
        assert record_sightings(conn, [("misp-kota", "ip-dst", "198.18.0.1")], "2026-11-23T10:00:00Z") == 0


def test_refused_sighting_is_not_retried_forever(tmp_path: Path, misp: MispEmulator, misp_key: str,
                                                 file_store: Store) -> None:
    _populate(misp, 1)
    _sync(tmp_path, file_store, misp, sightings=True)
    with file_store.write() as conn:
        record_sightings(conn, [("misp-kota", "ip-dst", "198.18.0.1")], "2026-11-23T10:00:00Z")
    misp.attributes.clear()  # the server no longer knows the value: 403 JSON, returned as data
    for _ in range(6):
        _sync(tmp_path, file_store, misp, sightings=True)
    tries = [p for m, p, b in misp.requests if p.startswith("/sightings/add")]
    assert len(tries) == 5
    assert misp.sightings == []
