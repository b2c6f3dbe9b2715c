"""First bulk load: secondary indexes built after the rows, always back after a crash; fast paths."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.intel import misp_feed, normalize
from csirt_kit.intel import store as istore
from csirt_kit.intel.warninglists import WarninglistIndex
from csirt_kit.store.db import Store, open_store
from tests.emulators.feeds import FeedEvent, write_feed
from tests.intel.test_feed_import_pool import PER_EVENT, _events, _sync

INDEXES = {"indicators_type_value", "indicators_event"}


def _indexes(store: Store) -> set[str]:
    return {r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'indicators'")} & INDEXES


def _plan(store: Store, sql: str, *args: object) -> str:
    return " ".join(str(r[-1]) for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", args))


def test_first_load_builds_indexes_after_rows_and_queries_use_them(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "feed", _events())
    store = open_store(tmp_path / "s.db")
    dropped: list[bool] = []
    real = istore.defer_indexes
    import csirt_kit.intel.store as mod

    def spy(conn: Any) -> bool:
        dropped.append(real(conn))
        return dropped[-1]

    mod.defer_indexes = spy  # type: ignore[assignment]
    try:
        result = _sync(tmp_path, store, feed, 0)
    finally:
        mod.defer_indexes = real  # type: ignore[assignment]
    assert result.status == "ok" and dropped == [True]
    assert _indexes(store) == INDEXES
    assert "indicators_type_value" in _plan(
        store, "SELECT id FROM indicators WHERE type = ? AND value = ?", "domain", "e1-0.bad.example")


def test_crash_during_bulk_load_keeps_whole_events_with_indexes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = write_feed(tmp_path / "feed", _events())
    store = open_store(tmp_path / "s.db")
    real = istore.write_indicators
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 8:
            raise RuntimeError("simulated crash of the writer")
        return real(*args, **kwargs)

    monkeypatch.setattr(misp_feed, "_BATCH_ROWS", 3 * (PER_EVENT + 1))
    monkeypatch.setattr(istore, "write_indicators", failing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        _sync(tmp_path, store, feed, 0)
    assert store.conn.execute("SELECT COUNT(*) FROM indicators").fetchone()[0] == 6 * PER_EVENT
    assert _indexes(store) == INDEXES


def test_killed_bulk_load_gets_its_indexes_back_on_the_next_sync(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "feed", _events())
    store = open_store(tmp_path / "s.db")
    assert _sync(tmp_path, store, feed, 0).status == "ok"
    with store.write() as conn:  # what a process killed between two batches leaves behind
        conn.execute("DROP INDEX indicators_type_value")
        conn.execute("DROP INDEX indicators_event")
    again = _sync(tmp_path, store, feed, 0)
    assert again.status == "ok" and again.events_unchanged == len(_events())
    assert _indexes(store) == INDEXES


def test_second_source_loads_with_indexes_in_place(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "feed", _events())
    store = open_store(tmp_path / "s.db")
    assert _sync(tmp_path, store, feed, 0).status == "ok"
    other = [FeedEvent(str(uuid.UUID(int=1000 + n)), f"Other {n}", [("domain", f"o{n}.example", True)])
             for n in range(20)]
    feed2 = write_feed(tmp_path / "feed2", other)
    before = istore.defer_indexes(store.conn)  # a non-empty table is never stripped
    assert before is False and _indexes(store) == INDEXES
    assert _sync(tmp_path, store, feed2, 0).status == "ok"
    assert _indexes(store) == INDEXES


@pytest.mark.parametrize("type_,value", [
    ("ip-dst", "198.51.100.7"), ("ip-dst", " 198.51.100.7 "), ("ip-dst", "198[.]51.100.7"),
    ("ip-src", "010.1.1.1"), ("ip-dst", "198.51.100.0/24"), ("ip-dst", "2001:DB8::1"),
    ("domain", "evil.example"), ("domain", "Evil.Example."), ("domain", "*.evil.example"),
    ("domain", "evil[.]example"), ("domain", "-bad.example"), ("domain", "a..example"),
    ("hostname", "a_b.example"), ("domain", "hxxpevil.example"), ("domain", "x" * 64 + ".example"),
    ("domain", "bücher.example"),
])
def test_fast_paths_give_what_the_general_code_gives(type_: str, value: str) -> None:
    def general() -> str:
        text = normalize.refang(value.strip())
        if type_.startswith("ip"):
            return normalize._ip_or_network(text)
        return normalize.normalize_host(text)

    try:
        expected: str | None = general()
    except ValueError:
        expected = None
    try:
        got: str | None = normalize.normalize(type_, value)
    except ValueError:
        got = None
    assert got == expected


def test_warninglist_fast_paths_equal_the_general_check() -> None:
    index = WarninglistIndex()
    index.add("dns", "cidr", ["8.8.8.0/24", "2001:4860::/32"], ["ip-dst", "ip-src", "domain|ip"])
    index.add("cdn", "hostname", ["cdn.example"], ["hostname", "domain", "url"])
    index.add("top", "string", ["popular.example", "http://popular.example/"], [])
    index.add("sub", "substring", ["tracker"], ["domain", "url"])
    index.finish()
    cases = [("ip-dst", "8.8.8.8"), ("ip-dst", "9.9.9.9"), ("ip-src", "8.8.8.0/25"),
             ("ip-dst", "2001:4860::8888"), ("domain", "a.cdn.example"), ("domain", "cdn.example"),
             ("domain", "popular.example"), ("domain", "mytracker.example"), ("hostname", "x.example"),
             ("url", "http://a.cdn.example/x"), ("url", "http://popular.example/"),
             ("url", "https://8.8.8.8:8443/p"), ("url", "http://[2001:4860::1]/"),
             ("url", "http://tracker.example/"), ("domain|ip", "a.cdn.example|8.8.8.8")]
    for type_, value in cases:
        assert index.check(type_, value) == index.check_general(type_, value), (type_, value)
    assert index.check("ip-dst", "8.8.8.8") == ("dns",)
    assert index.check("url", "http://a.cdn.example/x") == ("cdn",)


def test_any_source_sync_restores_indexes_a_killed_load_left_out(tmp_path: Path) -> None:
    from csirt_kit.intel.sync import sync_sources
    from tests.intel.conftest import config_for, write_config

    feed = write_feed(tmp_path / "feed", _events())
    store = open_store(tmp_path / "s.db")
    assert _sync(tmp_path, store, feed, 0).status == "ok"
    with store.write() as conn:
        conn.execute("DROP INDEX indicators_type_value")
        conn.execute("DROP INDEX indicators_event")
    listing = tmp_path / "list.txt"
    listing.write_text("evil.example\n", encoding="utf-8")
    cfg = config_for(write_config(tmp_path / "l.toml", feeds=[
        {"name": "plain", "format": "text", "path": str(listing)}]))
    assert sync_sources(cfg, store).results[0].status == "ok"
    assert _indexes(store) == INDEXES
