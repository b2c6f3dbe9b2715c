"""`csirt intel sync|sources|list|match` end to end: exit codes, messages, --json shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.emulators.misp import MispEmulator
from tests.intel.conftest import EV2, city_assets_csv, write_config

# The test city uses 198.18.0.0/15 and 172.16.0.0/12, which the RFC warninglists cover;
# the config tells csirt to ignore those two lists (and so tests that setting too).
IGNORE = ('[intel.warninglists]\nignore = ["List of RFC 5735 CIDR blocks", '
          '"List of RFC 1918 CIDR blocks", "List of RFC 6598 CIDR blocks"]\n')


def _config(tmp_path: Path, misp: MispEmulator | None = None, feed: Path | None = None,
            **misp_extra: Any) -> Path:
    servers = [{"name": "misp-kota", "url": misp.url, "key_env": "CSIRT_TEST_MISP_KEY", **misp_extra}] \
        if misp else []
    feeds = [{"name": "city-feed", "path": str(feed), "format": "misp"}] if feed else []
    return write_config(tmp_path / "config.toml", misp=servers, feeds=feeds, extra=IGNORE)


def test_sync_list_sources_match(cli: Any, tmp_path: Path, feed_dir: Path) -> None:
    cfg = _config(tmp_path, feed=feed_dir)
    cli(["--config", cfg, "assets", "import", city_assets_csv(tmp_path / "assets.csv")])
    sync = cli(["--config", cfg, "--json", "intel", "sync"]).json
    assert sync["count"] == 1 and sync["items"][0]["status"] == "ok"
    assert sync["items"][0]["events_fetched"] == 3 and not sync["unreachable"]
    sources = cli(["--config", cfg, "--json", "intel", "sources"]).json
    row = sources["items"][0]
    assert row["name"] == "city-feed" and row["status"] == "ok" and row["events"] == 3
    assert row["indicators"] == 11 and row["warninglisted"] == 2
    listed = cli(["--config", cfg, "--json", "intel", "list", "--type", "domain"]).json
    assert {i["value"] for i in listed["items"]} == {"evil-c2.example", "unrelated.example"}
    assert listed["count"] == listed["total"] == 2
    flagged = cli(["--config", cfg, "--json", "intel", "list", "--warninglisted"]).json
    # Public DNS and the md5 of an empty file are on warninglists; the ignored RFC lists are not used.
    assert {i["value"] for i in flagged["items"]} == {"8.8.8.8", "d41d8cd98f00b204e9800998ecf8427e"}
    text = cli(["--config", cfg, "intel", "list", "--tag", "tlp:green"]).stdout
    assert "CVE-2021-36260" in text and "evil-c2" not in text
    match = cli(["--config", cfg, "--json", "intel", "match"]).json
    got = {(f["asset_id"], f["kind"], f["evidence"]["match"], f["severity"]) for f in match["findings"]}
    assert got == {
        ("web-dinkes", "intel.asset", "ip", "critical"),        # to_ids, threat level 1
        ("web-dinkes", "intel.asset", "url_host", "critical"),
        ("mail", "intel.asset", "subdomain", "high"),
        ("nvr-balai", "intel.asset", "ip_in_indicator_network", "high"),
        ("nvr-balai", "vuln.software", "cpe", "critical"),
    }
    vuln = next(f for f in match["findings"] if f["kind"] == "vuln.software")
    assert vuln["evidence"]["event_uuid"] == EV2 and vuln["evidence"]["tlp"] == "green"
    assert vuln["evidence"]["event_info"] == "Hikvision NVR command injection"
    ip = next(f for f in match["findings"] if f["evidence"]["match"] == "ip")
    assert ip["indicator"] == "ip-dst:198.18.7.7" and ip["evidence"]["tlp"] == "amber"
    assert ip["evidence"]["source"] == "city-feed"
    again = cli(["--config", cfg, "--json", "intel", "match"]).json
    assert len(again["findings"]) == 5
    listed = cli(["--config", cfg, "--json", "findings", "list", "--kind", "intel"]).json
    assert listed["count"] == 4 and all(f["seen_count"] == 2 for f in listed["items"])
    cli(["--config", cfg, "intel", "match", "--fail-on", "critical"], expect=3)


def test_bad_feed_file_is_named_skipped_and_exit_2(cli: Any, tmp_path: Path, feed_dir: Path) -> None:
    (feed_dir / f"{EV2}.json").write_text("<html>oops</html>", encoding="utf-8")
    cfg = _config(tmp_path, feed=feed_dir)
    result = cli(["--config", cfg, "intel", "sync"], expect=2)
    assert f"{EV2}.json: not valid JSON" in result.stdout
    assert "city-feed: problems" in result.stderr
    listed = cli(["--config", cfg, "--json", "intel", "list", "--search", "evil-c2"]).json
    assert listed["count"] == 1


def test_unreachable_misp_exits_4_and_the_rest_is_imported(cli: Any, tmp_path: Path, feed_dir: Path,
                                                           misp: MispEmulator, misp_key: str) -> None:
    misp.stop()
    cfg = write_config(tmp_path / "config.toml",
                       misp=[{"name": "misp-kota", "url": "http://127.0.0.1:9/", "key_env": "CSIRT_TEST_MISP_KEY",
                              "timeout": 2}],
                       feeds=[{"name": "city-feed", "path": str(feed_dir)}])
    result = cli(["--config", cfg, "--json", "intel", "sync"], expect=4)
    doc = result.json
    assert doc["unreachable"] is True
    status = {i["name"]: i["status"] for i in doc["items"]}
    assert status == {"misp-kota": "unreachable", "city-feed": "ok"}
    assert "misp-kota: unreachable" in result.stderr
    assert cli(["--config", cfg, "--json", "intel", "list"]).json["total"] == 11


def test_403_names_the_server_never_the_key_exit_2(cli: Any, tmp_path: Path, misp: MispEmulator,
                                                   monkeypatch: Any) -> None:
    monkeypatch.setenv("CSIRT_TEST_MISP_KEY", "s3cr3t-wrong-key-0000")
    cfg = _config(tmp_path, misp=misp)
    result = cli(["--config", cfg, "intel", "sync"], expect=2)
    both = result.stdout + result.stderr
    assert "misp-kota" in both and "refused the API key" in both
    assert "s3cr3t-wrong-key-0000" not in both
    sources = cli(["--config", cfg, "--json", "intel", "sources"]).json
    assert sources["items"][0]["status"] == "auth"
    assert "s3cr3t-wrong-key-0000" not in str(sources)


def test_misp_sync_and_source_filter(cli: Any, tmp_path: Path, misp: MispEmulator, misp_key: str,
                                     feed_dir: Path) -> None:
    misp.add_event("botnet", [("ip-dst", "198.18.50.1", True)], tags=("tlp:green",))
    cfg = _config(tmp_path, misp=misp, feed=feed_dir)
    doc = cli(["--config", cfg, "--json", "intel", "sync", "--source", "misp-kota"]).json
    assert [i["name"] for i in doc["items"]] == ["misp-kota"]
    assert doc["items"][0]["indicators_written"] == 1
    missing = cli(["--config", cfg, "intel", "sync", "--source", "nope"], expect=2)
    assert "no intel source named 'nope'" in missing.stderr


def test_missing_key_variable_and_bad_config_entries(cli: Any, tmp_path: Path, misp: MispEmulator,
                                                     monkeypatch: Any) -> None:
    monkeypatch.delenv("CSIRT_TEST_MISP_KEY", raising=False)
    cfg = _config(tmp_path, misp=misp)
    result = cli(["--config", cfg, "intel", "sync"], expect=2)
    assert "CSIRT_TEST_MISP_KEY" in result.stdout + result.stderr
    bad = write_config(tmp_path / "bad.toml", feeds=[{"name": "f", "path": "/x", "format": "stix"}])
    err = cli(["--config", bad, "intel", "sync"], expect=2).stderr
    assert "intel.feeds.0 (f): format: unknown format 'stix'" in err
    bad = write_config(tmp_path / "bad2.toml", misp=[{"name": "m", "url": "ftp://x", "key_env": "K"}])
    err = cli(["--config", bad, "intel", "sources"], expect=2).stderr
    assert "intel.misp.0 (m): url: expected an http(s) URL" in err
    bad = write_config(tmp_path / "bad3.toml", misp=[{"name": "m", "url": "https://x", "key_env": "K",
                                                      "page_size": 0}])
    assert "page_size" in cli(["--config", bad, "intel", "sync"], expect=2).stderr


def test_intel_commands_have_help(cli: Any) -> None:
    for command in ("sync", "sources", "list", "match"):
        out = cli(["intel", command, "--help"]).stdout
        assert "Usage" in out


def test_tls_verification_off_is_warned(cli: Any, tmp_path: Path, feed_dir: Path) -> None:
    cfg = write_config(tmp_path / "c.toml", feeds=[{"name": "f", "path": str(feed_dir), "verify_tls": False}])
    result = cli(["--config", cfg, "intel", "sync"])
    assert "f: TLS certificate verification is off" in result.stderr
