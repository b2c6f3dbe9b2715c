"""Correlation of stored indicators with assets: IPs, networks, hosts, URLs, CVEs; idempotent findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.findings import FindingFilter, list_findings
from csirt_kit.intel.correlate import correlate
from csirt_kit.intel.store import now_iso, write_indicators
from csirt_kit.intel.vuln import VulnRecord, parse_cpe, version_key
from csirt_kit.models import Asset, Software
from csirt_kit.store.assets import upsert_assets
from csirt_kit.store.db import Store


def _assets(store: Store, *assets: Asset) -> None:
    with store.write() as conn:
        upsert_assets(conn, assets, "test", now_iso())


def _indicators(store: Store, *items: tuple[str, str], to_ids: bool = True, warninglists: str = "",
                expires: str = "", event: str = "") -> None:
    rows = [(f"{t}:{v}", t, v, event, "", "", "", int(to_ids), "", "", 0, expires, warninglists)
            for t, v in items]
    with store.write() as conn:
        write_indicators(conn, "list", rows, now_iso())


def _matches(store: Store) -> dict[tuple[str | None, str], str]:
    report = correlate(store)
    return {(f.asset_id, f.evidence["match"]): f.severity for f in report.findings}


@pytest.mark.parametrize(("asset", "indicator", "match", "severity"), [
    (Asset("a", "A", "server", ips=("198.18.1.5",)), ("ip-dst", "198.18.1.5"), "ip", "high"),
    (Asset("a", "A", "server", ips=("198.18.1.5",)), ("ip-src|port", "198.18.1.5|443"), "ip", "high"),
    (Asset("a", "A", "server", ips=("198.18.1.5",)), ("ip-dst", "198.18.1.0/24"),
     "ip_in_indicator_network", "medium"),
    (Asset("a", "A", "network", networks=("10.20.0.0/16",)), ("ip-src", "10.20.3.4"),
     "ip_in_asset_network", "medium"),
    (Asset("a", "A", "network", networks=("10.20.0.0/16",)), ("ip-src", "10.0.0.0/8"),
     "network_overlap", "medium"),
    (Asset("a", "A", "server", ips=("2001:db8::5",)), ("ip-dst", "2001:db8::/64"),
     "ip_in_indicator_network", "medium"),
    (Asset("a", "A", "website", urls=("https://portal.kota.example/login",)),
     ("domain", "portal.kota.example"), "host", "high"),
    (Asset("a", "A", "website", hostnames=("sub.portal.kota.example",)),
     ("hostname", "portal.kota.example"), "subdomain", "medium"),
    (Asset("a", "A", "website", urls=("http://dinkes.kota.example",)),
     ("url", "https://DINKES.kota.example:443/shell.php?x=1#frag"), "url_host", "high"),
    (Asset("a", "A", "website", hostnames=("kota.example",)),
     ("domain", "phish.kota.example"), "indicator_below_asset_host", "medium"),
    (Asset("a", "A", "server", ips=("198.18.1.5",)), ("url", "http://198.18.1.5/bot"), "ip", "high"),
])
def test_each_kind_of_match(store: Store, asset: Asset, indicator: tuple[str, str], match: str,
                            severity: str) -> None:
    _assets(store, asset)
    from csirt_kit.intel.normalize import normalize

    _indicators(store, (indicator[0], normalize(*indicator)))
    assert _matches(store) == {("a", match): severity}


def test_non_matches(store: Store) -> None:
    _assets(store, Asset("a", "A", "website", ips=("198.18.1.5",), hostnames=("kota.example",),
                         urls=("https://portal.kota.example/",)))
    _indicators(store, ("ip-dst", "198.18.1.50"), ("domain", "example"), ("domain", "ota.example"),
                ("domain", "portal.kota.example.evil.test"), ("ip-dst", "198.18.2.0/24"),
                ("md5", "d41d8cd98f00b204e9800998ecf8427e"))
    assert _matches(store) == {}


def test_to_ids_and_threat_level_set_severity(store: Store) -> None:
    _assets(store, Asset("a", "A", "server", ips=("198.18.1.5",)))
    _indicators(store, ("ip-dst", "198.18.1.5"), to_ids=False)
    assert _matches(store) == {("a", "ip"): "medium"}


def test_warninglisted_and_expired_are_not_matched_by_default(store: Store) -> None:
    _assets(store, Asset("a", "A", "server", ips=("198.18.1.5", "198.18.1.6")))
    _indicators(store, ("ip-dst", "198.18.1.5"), warninglists='["List of RFC 5735 CIDR blocks"]')
    _indicators(store, ("ip-dst", "198.18.1.6"), expires="2000-01-01T00:00:00.000000Z")
    assert _matches(store) == {}
    report = correlate(store, include_warninglisted=True)
    assert [f.evidence["indicator"] for f in report.findings] == ["198.18.1.5"]


def test_retired_assets_are_skipped_suspended_are_not(store: Store) -> None:
    _assets(store, Asset("r", "R", "website", status="retired", ips=("198.18.1.5",)),
            Asset("s", "S", "website", status="suspended", ips=("198.18.1.5",)))
    _indicators(store, ("ip-dst", "198.18.1.5"))
    assert _matches(store) == {("s", "ip"): "high"}


def test_rerun_updates_instead_of_duplicating(store: Store) -> None:
    _assets(store, Asset("a", "A", "server", ips=("198.18.1.5",), hostnames=("x.kota.example",)))
    _indicators(store, ("ip-dst", "198.18.1.5"), ("domain", "kota.example"))
    first = correlate(store)
    second = correlate(store)
    assert len(first.findings) == 2
    assert {f.fingerprint for f in first.findings} == {f.fingerprint for f in second.findings}
    stored = list_findings(store.conn, FindingFilter(kind="intel"))
    assert len(stored) == 2 and all(f.seen_count == 2 for f in stored)
    assert {f.indicator for f in stored} == {"ip-dst:198.18.1.5", "domain:kota.example"}


def test_vulnerable_software_by_cpe_range_and_by_name(store: Store, tmp_path: Path) -> None:
    _assets(store,
            Asset("nvr", "NVR", "nvr", software=(Software("DS-7608NI-K2 firmware", "V4.1.25", "hikvision",
                  "cpe:2.3:o:hikvision:ds-7608ni-k2_firmware:4.1.25:*:*:*:*:*:*:*"),)),
            Asset("nvr-new", "NVR new", "nvr", software=(Software("x", "", "",
                  "cpe:2.3:o:hikvision:ds-7608ni-k2_firmware:4.2.0:*:*:*:*:*:*:*"),)),
            Asset("wp", "WP", "website", software=(Software("WordPress", "5.8.1"),)),
            Asset("wp-ok", "WP ok", "website", software=(Software("WordPress", "6.4"),)))
    with store.write() as conn:
        conn.execute("INSERT INTO intel_objects (source, key, event_uuid, name, attributes) VALUES"
                     " ('feed', 'o1', 'ev1', 'vulnerability', ?)", (
                         '{"a": ["id", "vulnerability", "CVE-2021-36260"], "b": ["vulnerable-configuration",'
                         ' "cpe", "cpe:2.3:o:hikvision:ds-7608ni-k2_firmware:*:*:*:*:*:*:*:*"],'
                         ' "c": ["version-end-excluding", "text", "4.1.30"], "d": ["cvss-score", "float", "9.8"]}',))
        write_indicators(conn, "feed", [("a", "vulnerability", "CVE-2021-36260", "ev1", "o1", "id", "", 0, "",
                                         "", 0, "", "")], now_iso())
    _indicators(store, ("vulnerability", "CVE-2022-21661"),
                ("cpe", "cpe:2.3:a:wordpress:wordpress:5.8.1:*:*:*:*:*:*:*"), event="ev2")
    report = correlate(store)
    found = {(f.asset_id, f.evidence["cve"], f.evidence["match"]): f.severity for f in report.findings}
    assert found == {("nvr", "CVE-2021-36260", "cpe"): "critical",
                     ("wp", "CVE-2022-21661", "name+version"): "medium"}
    nvr = next(f for f in report.findings if f.asset_id == "nvr")
    assert nvr.kind == "vuln.software" and nvr.indicator == "vulnerability:CVE-2021-36260"
    assert nvr.evidence["ranges"] == {"version-end-excluding": "4.1.30"}


def test_version_keys_and_cpe_parsing() -> None:
    assert version_key("V4.0.8 build 200701") < version_key("4.0.10")
    assert version_key("5.8.1") < version_key("5.10")
    assert parse_cpe("cpe:2.3:a:wordpress:wordpress:5.8.1:*:*:*:*:*:*:*").version == "5.8.1"  # type: ignore[union-attr]
    assert parse_cpe("cpe:/a:wordpress:wordpress:5.8.1") is None
    rec = VulnRecord("s", "CVE-1", "e", (), ranges={"version-start-including": "2.0",
                                                     "version-end-including": "2.5"})
    assert rec.in_range("2.0") and rec.in_range("2.5") and not rec.in_range("2.5.1")
    assert not rec.in_range("1.9")
