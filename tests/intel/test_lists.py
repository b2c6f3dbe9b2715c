"""CSV and text indicator lists: detection, defanged values, columns, bad lines, expiry of dropped values."""

from __future__ import annotations

from pathlib import Path

from csirt_kit.intel.store import IndicatorFilter, iter_active_indicators, list_indicators
from csirt_kit.intel.sync import sync_sources
from csirt_kit.store.db import Store
from tests.emulators.feeds import FeedServer
from tests.intel.conftest import config_for, write_config


def _sync(tmp_path: Path, store: Store, **entry: object):
    cfg = config_for(write_config(tmp_path / "c.toml", feeds=[{"name": "list", **entry}]))
    return sync_sources(cfg, store).results[0]


def _active(store: Store) -> dict[str, str]:
    return {i.value: i.type for i in iter_active_indicators(store.conn, include_warninglisted=True)}


def test_text_list_detects_types_and_refangs(tmp_path: Path, file_store: Store) -> None:
    path = tmp_path / "iocs.txt"
    path.write_text("# blocklist\n198.18.0.1\nevil[.]example  C2 panel\nhxxp://bad.example/x\n"
                    "d41d8cd98f00b204e9800998ecf8427e\n198.18.9.0/24\nCVE-2023-1234\n\n??\n",
                    encoding="utf-8")
    result = _sync(tmp_path, file_store, path=str(path), format="text")
    assert result.status == "problems"
    assert result.problems == (f"{path}:9: cannot tell the type of '??'; set type = ...",)
    assert _active(file_store) == {
        "198.18.0.1": "ip-dst", "evil.example": "domain", "http://bad.example/x": "url",
        "d41d8cd98f00b204e9800998ecf8427e": "md5", "198.18.9.0/24": "ip-dst",
        "CVE-2023-1234": "vulnerability"}
    comment = list_indicators(file_store.conn, IndicatorFilter(search="evil"))[0][0].comment
    assert comment == "C2 panel"


def test_text_list_with_fixed_type_reports_bad_values_by_line(tmp_path: Path, file_store: Store) -> None:
    path = tmp_path / "ips.txt"
    path.write_text("198.18.0.1\nnot-an-ip\n198.18.0.2\n", encoding="utf-8")
    result = _sync(tmp_path, file_store, path=str(path), format="text", type="ip-src")
    assert result.status == "problems" and result.problems[0].startswith(f"{path}:2: ip-src 'not-an-ip'")
    assert _active(file_store) == {"198.18.0.1": "ip-src", "198.18.0.2": "ip-src"}


def test_csv_list_with_columns_over_http(tmp_path: Path, file_store: Store) -> None:
    folder = tmp_path / "srv"
    folder.mkdir()
    (folder / "list.csv").write_text("indicator;kind;note\n198.18.0.1;ip-dst;scanner\n"
                                     "\"bad.example\";domain;phishing\n", encoding="utf-8")
    with FeedServer(folder) as server:
        result = _sync(tmp_path, file_store, url=server.url + "list.csv", format="csv", delimiter=";",
                       value_column="indicator", type_column="kind", comment_column="note")
    assert result.status == "ok", result
    assert _active(file_store) == {"198.18.0.1": "ip-dst", "bad.example": "domain"}


def test_csv_without_the_value_column_is_refused_clearly(tmp_path: Path, file_store: Store) -> None:
    path = tmp_path / "l.csv"
    path.write_text("ip,comment\n198.18.0.1,x\n", encoding="utf-8")
    result = _sync(tmp_path, file_store, path=str(path), format="csv")
    assert result.status == "problems"
    assert "CSV has no column 'value' (columns: ip, comment)" in result.error
    assert "value_column" in result.error


def test_dropped_values_expire_and_unchanged_list_is_not_parsed(tmp_path: Path, file_store: Store) -> None:
    path = tmp_path / "l.txt"
    path.write_text("198.18.0.1\n198.18.0.2\n", encoding="utf-8")
    assert _sync(tmp_path, file_store, path=str(path), format="text").indicators_written == 2
    again = _sync(tmp_path, file_store, path=str(path), format="text")
    assert again.indicators_written == 0 and again.events_unchanged == 1
    path.write_text("198.18.0.2\n", encoding="utf-8")
    changed = _sync(tmp_path, file_store, path=str(path), format="text")
    assert changed.indicators_removed == 1
    assert _active(file_store) == {"198.18.0.2": "ip-dst"}
    _history, total = list_indicators(file_store.conn, IndicatorFilter(include_expired=True))
    assert total == 2


def test_list_ttl_default_is_thirty_days(tmp_path: Path, file_store: Store) -> None:
    path = tmp_path / "l.txt"
    path.write_text("198.18.0.1\n", encoding="utf-8")
    _sync(tmp_path, file_store, path=str(path), format="text")
    ind = next(iter_active_indicators(file_store.conn, include_warninglisted=True))
    from csirt_kit.timeutil import parse_iso

    assert round((parse_iso(ind.expires) - parse_iso(ind.last_seen)).total_seconds() / 86400) == 30


def test_missing_list_file_is_a_problem_naming_it(tmp_path: Path, file_store: Store) -> None:
    result = _sync(tmp_path, file_store, path=str(tmp_path / "nope.txt"), format="text")
    assert result.status == "problems" and f"{tmp_path / 'nope.txt'}: file not found" in result.error
