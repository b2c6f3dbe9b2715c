"""Feed import with the parse process: same rows as in-process, bad files named, crashes keep whole events."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.intel import feed_parse, misp_feed
from csirt_kit.intel import store as istore
from csirt_kit.intel.sync import sync_sources
from csirt_kit.store.db import Store, open_store
from tests.emulators.feeds import FeedEvent, write_feed
from tests.intel.conftest import config_for, write_config

EVENTS = 20  # above POOL_MIN_EVENTS: the pool is used
PER_EVENT = 4


def _events() -> list[FeedEvent]:
    out = []
    for n in range(EVENTS):
        attrs = [("domain", f"e{n}-{j}.bad.example", True) for j in range(PER_EVENT - 1)]
        attrs.append(("ip-dst", f"203.0.113.{n + 1}", True))
        out.append(FeedEvent(str(uuid.UUID(int=n + 1)), f"Event {n}", attrs, timestamp=1_790_000_000 + n))
    return out


@pytest.fixture
def big_feed(tmp_path: Path) -> Path:
    """A feed folder with EVENTS events of PER_EVENT attributes."""
    return write_feed(tmp_path / "feed", _events())


class CountingPool:
    """The real pool (feed_parse._pool), counting what it was given."""

    submitted = 0
    real = feed_parse._pool

    @staticmethod
    def make(workers: int, builder: Any) -> Any:
        pool = CountingPool.real(workers, builder)
        submit = pool.submit

        def counted(*args: Any, **kwargs: Any) -> Any:
            CountingPool.submitted += 1
            return submit(*args, **kwargs)

        pool.submit = counted  # type: ignore[method-assign]
        return pool


def _sync(tmp_path: Path, store: Store, feed: Path, workers: int) -> Any:
    cfg = config_for(write_config(tmp_path / f"c{workers}.toml", feeds=[
        {"name": "feed", "format": "misp", "path": str(feed), "parse_workers": workers}]))
    return sync_sources(cfg, store).results[0]


def _rows(store: Store) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.conn.execute(
        "SELECT key, type, value, event_uuid, object_key, tags, to_ids, changed, expires, warninglists"
        " FROM indicators ORDER BY key")]


def test_pool_import_equals_in_process_import(tmp_path: Path, big_feed: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_parse, "_pool", CountingPool.make)
    CountingPool.submitted = 0
    here, there = open_store(tmp_path / "here.db"), open_store(tmp_path / "there.db")
    a = _sync(tmp_path, here, big_feed, 0)
    assert CountingPool.submitted == 0
    b = _sync(tmp_path, there, big_feed, 1)
    assert CountingPool.submitted == EVENTS
    assert a.status == b.status == "ok"
    assert a.events_fetched == b.events_fetched == EVENTS
    assert a.warninglisted == b.warninglisted
    assert _rows(here) == _rows(there) and len(_rows(here)) == EVENTS * PER_EVENT


def test_bad_file_parsed_in_the_pool_is_named(tmp_path: Path, big_feed: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_parse, "_pool", CountingPool.make)
    CountingPool.submitted = 0
    bad = big_feed / f"{uuid.UUID(int=7)}.json"
    bad.write_text('{"Event": {"uuid": [', encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    result = _sync(tmp_path, store, big_feed, 1)
    assert CountingPool.submitted == EVENTS
    assert result.status == "problems" and result.events_fetched == EVENTS - 1
    assert any(f"{bad}: not valid JSON" in p for p in result.problems), result.problems
    assert len(_rows(store)) == (EVENTS - 1) * PER_EVENT


def test_crash_between_events_keeps_whole_events_and_rerun_completes(
        tmp_path: Path, big_feed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(tmp_path / "s.db")
    real = istore.write_indicators
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 8:  # the 8th event: inside the third transaction of three events
            raise RuntimeError("simulated crash of the writer")
        return real(*args, **kwargs)

    monkeypatch.setattr(misp_feed, "_BATCH_ROWS", 3 * (PER_EVENT + 1))
    monkeypatch.setattr(istore, "write_indicators", failing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        _sync(tmp_path, store, big_feed, 1)
    kept = {r[0]: r[1] for r in store.conn.execute(
        "SELECT e.uuid, COUNT(i.id) FROM intel_events e LEFT JOIN indicators i"
        " ON i.source = e.source AND i.event_uuid = e.uuid GROUP BY e.uuid")}
    assert len(kept) == 6  # two whole transactions of three events; the third rolled back
    assert set(kept.values()) == {PER_EVENT}
    assert store.conn.execute("SELECT COUNT(*) FROM indicators").fetchone()[0] == 6 * PER_EVENT
    monkeypatch.setattr(istore, "write_indicators", real)
    again = _sync(tmp_path, store, big_feed, 1)
    assert again.status == "ok" and again.events_fetched == EVENTS - 6
    assert again.events_unchanged == 6
    assert len(_rows(store)) == EVENTS * PER_EVENT
    assert store.conn.execute("SELECT COUNT(DISTINCT value) FROM indicators").fetchone()[0] == \
        EVENTS * PER_EVENT


def _die(settings: dict[str, Any]) -> None:
    import os

    os._exit(3)  # the parse process dies at start (killed, out of memory...)


def test_broken_pool_hands_the_rest_back(tmp_path: Path, big_feed: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_parse, "_start_worker", _die)
    store = open_store(tmp_path / "s.db")
    result = _sync(tmp_path, store, big_feed, 1)
    assert result.status == "ok" and result.events_fetched == EVENTS
    assert len(_rows(store)) == EVENTS * PER_EVENT
