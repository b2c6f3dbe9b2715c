"""Observables from the finding shapes the scanners and intel correlation produce."""

from __future__ import annotations

from csirt_kit.cases.observables import observables_for
from csirt_kit.findings import make_finding
from csirt_kit.models import Asset

ASSET = Asset(id="web-1", name="Situs", kind="website", ips=("10.0.0.5",))


def shape(finding) -> list[tuple[str, str, bool, str]]:
    return [(o.data_type, o.data, o.ioc, o.tlp) for o in observables_for(finding, ASSET, "amber")]


def test_intel_asset_indicator_with_its_tlp() -> None:
    f = make_finding("intel.asset", "high", "x", asset_id="web-1", ref="domain:situs.kota.go.id",
                     locus="domain", indicator="domain:situs.kota.go.id",
                     evidence={"indicator": "situs.kota.go.id", "type": "domain", "tlp": "green",
                               "event_info": "Phishing kit hosts"})
    obs = observables_for(f, ASSET, "amber")
    assert shape(f) == [("domain", "situs.kota.go.id", True, "green")]
    assert "Phishing kit hosts" in obs[0].message


def test_vulnerability_is_not_an_ioc() -> None:
    f = make_finding("vuln.software", "high", "x", asset_id="web-1", ref="vulnerability:CVE-2021-36260",
                     locus="sw", indicator="vulnerability:CVE-2021-36260",
                     evidence={"indicator": "CVE-2021-36260", "type": "vulnerability"})
    assert shape(f) == [("other", "CVE-2021-36260", False, "amber")]


def test_ioc_log_nested_indicator_and_client_ip() -> None:
    f = make_finding("ioc.log", "high", "x", asset_id="web-1", ref="ip-src:203.0.113.7", locus="l",
                     indicator="203.0.113.7", tags=("ioc", "tlp:red"),
                     evidence={"indicator": {"type": "ip-src", "value": "203.0.113.7", "source": "feed"},
                               "client_ip": "198.51.100.2"})
    assert shape(f) == [("ip", "203.0.113.7", True, "red"), ("ip", "198.51.100.2", True, "red")]


def test_web_cloaking_url_host_and_page_hash() -> None:
    f = make_finding("web.cloaking", "high", "x", asset_id="web-1", ref="cloaking:googlebot",
                     locus="u", evidence={"url": "https://situs.kota.go.id/berita", "sha256": "a" * 64})
    assert shape(f) == [("url", "https://situs.kota.go.id/berita", False, "amber"),
                        ("fqdn", "situs.kota.go.id", False, "amber"), ("hash", "a" * 64, False, "amber")]


def test_yara_file_name_and_hash_are_iocs() -> None:
    f = make_finding("yara.file", "high", "x", asset_id="web-1", ref="r", locus="p",
                     evidence={"path": "/var/www/up/x.php", "sha256": "B" * 64})
    assert shape(f) == [("filename", "x.php", True, "amber"), ("hash", "b" * 64, True, "amber")]


def test_nothing_else_known_falls_back_to_the_asset_address() -> None:
    f = make_finding("yara.log", "medium", "x", asset_id="web-1", ref="r", locus="p", evidence={})
    assert shape(f) == [("ip", "10.0.0.5", False, "amber")]
