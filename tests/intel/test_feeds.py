"""MISP feeds from folders and loopback HTTP: incremental sync, tolerant manifests, bad files."""

from __future__ import annotations

import json
from pathlib import Path

from csirt_kit.intel.store import IndicatorFilter, iter_active_indicators, list_indicators
from csirt_kit.intel.sync import sync_sources
from csirt_kit.store.db import Store
from tests.emulators.feeds import FeedEvent, FeedServer, write_feed
from tests.intel.conftest import EV1, EV2, EV3, config_for, write_config


def _sync(tmp_path: Path, store: Store, location: dict[str, str], full: bool = False, **extra: object):
    cfg = config_for(write_config(tmp_path / "c.toml", feeds=[{"name": "feed", "format": "misp",
                                                              **location, **extra}]))
    report = sync_sources(cfg, store, full=full)
    assert len(report.results) == 1
    return report.results[0]


def _values(store: Store) -> set[str]:
    return {i.value for i in iter_active_indicators(store.conn, include_warninglisted=True)}


def test_folder_feed_imports_events_attributes_and_objects(tmp_path: Path, feed_dir: Path,
                                                          file_store: Store) -> None:
    result = _sync(tmp_path, file_store, {"path": str(feed_dir)})
    assert result.status == "ok", result
    assert result.events_fetched == 3
    values = _values(file_store)
    assert {"198.18.7.7", "evil-c2.example", "http://dinkes.kota.example/wp-content/x.php",
            "172.31.9.0/24", "CVE-2021-36260",
            "cpe:2.3:o:hikvision:ds-7608ni-k2_firmware:4.1.25:*:*:*:*:*:*:*"} <= values
    ind = next(i for i in iter_active_indicators(file_store.conn, types=["domain"])
               if i.value == "evil-c2.example")
    assert ind.event.uuid == EV1 and ind.event.info == "C2 infrastructure targeting city sites"
    assert ind.tlp == "amber" and ind.to_ids
    # 8.8.8.8 is kept but flagged, and left out of the default (matching) view.
    flagged, _ = list_indicators(file_store.conn, IndicatorFilter(search="8.8.8.8"))
    assert flagged and "List of known IPv4 public DNS resolvers" in flagged[0].warninglists
    assert "8.8.8.8" not in {i.value for i in iter_active_indicators(file_store.conn)}


def test_rerun_with_unchanged_manifest_fetches_no_event(tmp_path: Path, feed_server: FeedServer,
                                                        file_store: Store) -> None:
    first = _sync(tmp_path, file_store, {"url": feed_server.url})
    assert first.status == "ok" and first.events_fetched == 3
    feed_server.requests.clear()
    again = _sync(tmp_path, file_store, {"url": feed_server.url})
    assert again.status == "ok" and again.events_fetched == 0 and again.events_unchanged == 3
    assert feed_server.requests == ["/manifest.json"]


def test_changed_event_is_refetched_and_dropped_attribute_expires_with_history(
        tmp_path: Path, feed_dir: Path, file_store: Store) -> None:
    _sync(tmp_path, file_store, {"path": str(feed_dir)})
    write_feed(feed_dir, [FeedEvent(EV3, "Noise v2", [("domain", "unrelated.example", True)],
                                    timestamp=1_790_000_500)])
    result = _sync(tmp_path, file_store, {"path": str(feed_dir)})
    assert result.events_fetched == 1 and result.events_unchanged == 2
    # The rewritten event carries new attribute uuids: both old rows stop being listed.
    assert result.indicators_removed == 2
    assert "198.18.200.1" not in _values(file_store)
    assert "unrelated.example" in _values(file_store)
    history, _ = list_indicators(file_store.conn, IndicatorFilter(search="198.18.200.1",
                                                                  include_expired=True))
    assert len(history) == 1 and history[0].expires


def test_event_missing_from_manifest_expires(tmp_path: Path, feed_dir: Path, file_store: Store) -> None:
    _sync(tmp_path, file_store, {"path": str(feed_dir)})
    manifest = json.loads((feed_dir / "manifest.json").read_text())
    del manifest[EV3]
    (feed_dir / "manifest.json").write_text(json.dumps(manifest))
    result = _sync(tmp_path, file_store, {"path": str(feed_dir)})
    assert result.indicators_removed == 2
    assert "unrelated.example" not in _values(file_store)


def test_bad_event_file_is_reported_by_name_and_the_rest_imports(tmp_path: Path, feed_dir: Path,
                                                                  file_store: Store) -> None:
    (feed_dir / f"{EV2}.json").write_text('{"Event": {"uuid": "', encoding="utf-8")
    (feed_dir / f"{EV3}.json").unlink()
    result = _sync(tmp_path, file_store, {"path": str(feed_dir)})
    assert result.status == "problems"
    text = "\n".join(result.problems)
    assert f"{EV2}.json: not valid JSON" in text and f"{EV3}.json: file not found" in text
    assert result.events_fetched == 1
    assert "evil-c2.example" in _values(file_store)
    # The bad events are retried next time, and import once they are fixed.
    write_feed(feed_dir, [FeedEvent(EV2, "fixed", [("domain", "fixed.example", True)]),
                          FeedEvent(EV3, "back", [("domain", "back.example", True)])])
    again = _sync(tmp_path, file_store, {"path": str(feed_dir)})
    assert again.status == "ok" and again.events_fetched == 2
    assert {"fixed.example", "back.example"} <= _values(file_store)


def test_manifest_forms_strings_and_lists_are_accepted(tmp_path: Path, feed_dir: Path,
                                                       file_store: Store) -> None:
    manifest = json.loads((feed_dir / "manifest.json").read_text())
    as_list = [{**entry, "uuid": uuid, "timestamp": str(entry["timestamp"])}
               for uuid, entry in manifest.items()]
    (feed_dir / "manifest.json").write_text(json.dumps(as_list))
    result = _sync(tmp_path, file_store, {"path": str(feed_dir)})
    assert result.status == "ok" and result.events_fetched == 3


def test_unreadable_manifest_says_what_was_wrong(tmp_path: Path, feed_dir: Path, file_store: Store) -> None:
    (feed_dir / "manifest.json").write_text('["a", "b"]')
    result = _sync(tmp_path, file_store, {"path": str(feed_dir)})
    assert result.status == "problems"
    assert "expected an object keyed by event UUID, got a JSON array of 2 item(s) (str)" in result.error
    assert "manifest.json" in result.error


def test_path_traversal_in_manifest_is_refused(tmp_path: Path, feed_dir: Path, file_store: Store) -> None:
    manifest = json.loads((feed_dir / "manifest.json").read_text())
    manifest["../../etc/hosts"] = {"timestamp": 1}
    (feed_dir / "manifest.json").write_text(json.dumps(manifest))
    result = _sync(tmp_path, file_store, {"path": str(feed_dir)})
    assert result.status == "problems" and result.events_fetched == 3
    assert any("not an event UUID" in p for p in result.problems), result


def test_empty_feed_imports_nothing_without_error(tmp_path: Path, file_store: Store) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "manifest.json").write_text("{}")
    result = _sync(tmp_path, file_store, {"path": str(folder)})
    assert result.status == "ok" and result.events_fetched == 0 and result.indicators_written == 0
    (folder / "manifest.json").write_text("")
    result = _sync(tmp_path, file_store, {"path": str(folder)})
    assert result.status == "problems" and "manifest.json is empty" in result.error


def test_http_feed_missing_event_and_server_errors(tmp_path: Path, feed_server: FeedServer,
                                                   file_store: Store) -> None:
    feed_server.faults[f"{EV1}.json"] = 404
    result = _sync(tmp_path, file_store, {"url": feed_server.url})
    assert result.status == "problems" and result.events_fetched == 2
    assert any(f"{EV1}.json: HTTP 404" in p for p in result.problems)
    feed_server.faults.clear()
    feed_server.faults["manifest.json"] = 503
    result = _sync(tmp_path, file_store, {"url": feed_server.url})
    assert result.status == "unreachable" and "HTTP 503" in result.error
    # Stored indicators are untouched by the failed sync.
    assert "evil-c2.example" not in _values(file_store)
    assert "unrelated.example" in _values(file_store)


def test_http_feed_that_hangs_times_out(tmp_path: Path, feed_server: FeedServer, file_store: Store) -> None:
    feed_server.faults["manifest.json"] = "hang"
    result = _sync(tmp_path, file_store, {"url": feed_server.url}, timeout=0.5)
    assert result.status == "unreachable" and "timed out" in result.error.lower()
    assert result.seconds < 3.0


def test_full_resync_fetches_every_event(tmp_path: Path, feed_dir: Path, file_store: Store) -> None:
    _sync(tmp_path, file_store, {"path": str(feed_dir)})
    result = _sync(tmp_path, file_store, {"path": str(feed_dir)}, full=True)
    assert result.events_fetched == 3
    count = file_store.conn.execute("SELECT COUNT(*) FROM indicators").fetchone()[0]
    first = _sync(tmp_path, file_store, {"path": str(feed_dir)}, full=True)
    assert first.events_fetched == 3
    assert file_store.conn.execute("SELECT COUNT(*) FROM indicators").fetchone()[0] == count


def test_ttl_expires_feed_indicators(tmp_path: Path, feed_dir: Path, file_store: Store) -> None:
    _sync(tmp_path, file_store, {"path": str(feed_dir)}, ttl_days=1)
    later = "2999-01-01T00:00:00.000000Z"
    assert list(iter_active_indicators(file_store.conn, now=later)) == []
    assert list(iter_active_indicators(file_store.conn))
    assert EV1 and EV2 and EV3


def test_event_that_comes_back_is_fetched_again(tmp_path: Path, feed_dir: Path, file_store: Store) -> None:
    _sync(tmp_path, file_store, {"path": str(feed_dir)})
    original = (feed_dir / "manifest.json").read_text()
    manifest = json.loads(original)
    del manifest[EV3]
    (feed_dir / "manifest.json").write_text(json.dumps(manifest))
    _sync(tmp_path, file_store, {"path": str(feed_dir)})
    assert "unrelated.example" not in _values(file_store)
    (feed_dir / "manifest.json").write_text(original)
    back = _sync(tmp_path, file_store, {"path": str(feed_dir)})
    assert back.events_fetched == 1
    assert "unrelated.example" in _values(file_store)
