"""The SQL pre-filter of correlation gives the findings of a full pass over every stored row."""

from __future__ import annotations

from typing import Any

import pytest

from csirt_kit.intel.correlate import correlate
from csirt_kit.models import Finding
from csirt_kit.store.db import Store
from tests.intel.correlation_data import assets, fill

ALL_MATCHES = {"ip", "ip_in_indicator_network", "ip_in_asset_network", "network_overlap", "host",
               "subdomain", "indicator_below_asset_host", "url_host", "cpe", "name+version"}


def _view(findings: tuple[Finding, ...]) -> list[tuple[Any, ...]]:
    return [(f.fingerprint, f.kind, f.severity, f.title, f.asset_id, f.indicator,
             sorted(f.evidence.items(), key=str), f.tags) for f in findings]


@pytest.mark.parametrize("include_warninglisted", [False, True])
def test_prefilter_equals_full_scan(store: Store, include_warninglisted: bool) -> None:
    fill(store, assets())
    full = correlate(store, include_warninglisted=include_warninglisted, full_scan=True)
    fast = correlate(store, include_warninglisted=include_warninglisted)
    assert _view(fast.findings) == _view(full.findings)
    matches = {f.evidence["match"] for f in full.findings}
    assert matches == ALL_MATCHES  # every kind of match is in the comparison
    # The pre-filter really filters: far fewer rows reach the matcher than a full pass reads.
    assert fast.stats["indicators"] < full.stats["indicators"] / 2
    assert fast.stats["cve_records"] < full.stats["cve_records"]


def test_prefilter_skips_expired_and_warninglisted(store: Store) -> None:
    fill(store, assets())
    default = {f.indicator for f in correlate(store).findings}
    wider = {f.indicator for f in correlate(store, include_warninglisted=True).findings}
    assert default < wider
    expired = {r[0] for r in store.conn.execute(
        "SELECT type || ':' || value FROM indicators WHERE expires <> ''")} - {r[0] for r in store.conn.execute(
        "SELECT type || ':' || value FROM indicators WHERE expires = ''")}
    assert expired and not expired & wider


def test_asset_without_ips_or_hosts(store: Store) -> None:
    from csirt_kit.models import Asset

    fill(store, [Asset("bare", "Bare", "server")], about=assets())
    assert correlate(store).findings == ()


def test_cve_objects_all_active_take_the_index_path(store: Store) -> None:
    fill(store, assets())
    with store.write() as conn:  # without the object whose row expired, no full pass is needed
        conn.execute("DELETE FROM intel_objects WHERE key = 'obj4'")
    full = correlate(store, full_scan=True)
    fast = correlate(store)
    assert _view(fast.findings) == _view(full.findings)
    assert {f.evidence["cve"] for f in fast.findings if f.kind == "vuln.software"} == {
        "CVE-2023-0001", "CVE-2024-1000", "CVE-2024-1001", "CVE-2024-1003"}


def test_many_host_bases_filtered_in_python(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from csirt_kit.intel import candidates

    fill(store, assets())
    full = correlate(store, full_scan=True)
    monkeypatch.setattr(candidates, "MAX_BASE_TERMS", 0)  # as with hundreds of asset domains
    fast = correlate(store)
    assert _view(fast.findings) == _view(full.findings)
    assert fast.stats["indicators"] < full.stats["indicators"] / 2
