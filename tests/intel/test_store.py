"""The store functions other parts rely on: iter_active_indicators and record_sightings."""

from __future__ import annotations

from csirt_kit.intel.store import (
    iter_active_indicators,
    now_iso,
    record_sightings,
    register_source,
    upsert_event,
    write_indicators,
)
from csirt_kit.models import EventRef
from csirt_kit.store.db import Store


def _row(type_: str, value: str, event: str = "", expires: str = "", wl: str = "", tags: str = ""):
    return (f"{type_}:{value}", type_, value, event, "", "", tags, 1, "", "", 0, expires, wl)


def test_iter_active_indicators_filters_and_carries_event_details(store: Store) -> None:
    now = now_iso()
    with store.write() as conn:
        upsert_event(conn, "feed", EventRef("ev1", "Phishing wave", "2026-11-01", "1"), ["tlp:amber"], 5, now)
        write_indicators(conn, "feed", [
            _row("domain", "a.example", "ev1", tags='["kill-chain:c2"]'),
            _row("ip-dst", "198.51.100.1"),
            _row("url", "http://b.example/", expires="2000-01-01T00:00:00.000000Z"),
            _row("ip-dst", "8.8.8.8", wl='["List of known IPv4 public DNS resolvers"]'),
        ], now)
    all_active = list(iter_active_indicators(store.conn))
    assert [i.value for i in all_active] == ["a.example", "198.51.100.1"]
    first = all_active[0]
    assert first.event == EventRef("ev1", "Phishing wave", "2026-11-01", "1")
    assert first.tags == ("tlp:amber", "kill-chain:c2") and first.tlp == "amber"
    assert [i.value for i in iter_active_indicators(store.conn, types=["ip-dst"])] == ["198.51.100.1"]
    assert [i.value for i in iter_active_indicators(store.conn, types=["ip-dst"], include_warninglisted=True)] \
        == ["198.51.100.1", "8.8.8.8"]
    assert list(iter_active_indicators(store.conn, types=[])) == []
    assert [i.value for i in iter_active_indicators(store.conn, types=["url"],
                                                    now="1999-01-01T00:00:00Z")] == ["http://b.example/"]


def test_record_sightings_only_for_enabled_sources_and_known_values(store: Store) -> None:
    with store.write() as conn:
        register_source(conn, "misp-a", "misp", "https://a", True)
        register_source(conn, "misp-b", "misp", "https://b", False)
        write_indicators(conn, "misp-a", [_row("ip-dst", "198.51.100.1")], now_iso())
        write_indicators(conn, "misp-b", [_row("ip-dst", "198.51.100.1")], now_iso())
        queued = record_sightings(conn, [("misp-a", "ip-dst", "198.51.100.1"),
                                         ("misp-b", "ip-dst", "198.51.100.1"),
                                         ("misp-a", "ip-dst", "198.51.100.2")], "2026-11-23T08:00:00Z")
        assert queued == 1
        assert record_sightings(conn, [("misp-a", "ip-dst", "198.51.100.1")], "2026-11-23T09:00:00Z") == 0
        assert record_sightings(conn, [("misp-a", "ip-dst", "198.51.100.1")], "2026-11-24T09:00:00Z") == 1
