"""Glue between log scans and the store: inventory log globs, stored indicators, sightings."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from csirt_kit.config import Config
from csirt_kit.models import Asset, Finding, Indicator
from csirt_kit.progress import ProgressFn
from csirt_kit.scan.logs.crawlers import CrawlerVerifier
from csirt_kit.scan.logs.heuristics import verifier_stats
from csirt_kit.scan.logs.iocs import IocMatcher
from csirt_kit.scan.logs.scanner import LogRules, scan_logs, settings_from_config, sightings
from csirt_kit.scan.report import ScanReport, merge_reports
from csirt_kit.store.assets import AssetFilter, list_assets
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso


def stored_indicators(store: Store) -> list[Indicator]:
    """Active indicators of the intel store ([] while the intel package is absent)."""
    try:
        from csirt_kit.intel.store import iter_active_indicators
    except ImportError:
        return []
    return list(iter_active_indicators(store.conn))


def record_log_sightings(store: Store, report: ScanReport, when: str | None = None) -> int:
    """Record sightings for indicators of log findings not stored before (a rerun adds none)."""
    try:
        from csirt_kit.intel.store import record_sightings
    except ImportError:
        return 0
    fresh = [f for f in report.findings if f.kind == "ioc.log" and store.conn.execute(
        "SELECT 1 FROM findings WHERE fingerprint = ?", (f.fingerprint,)).fetchone() is None]
    items = sightings(ScanReport(tuple(fresh)))
    if not items:
        return 0
    with store.write() as conn:
        return int(record_sightings(conn, items, when or iso()))


def asset_for_path(assets: Sequence[Asset], path: str) -> str | None:
    """The asset whose `logs` paths or globs cover a file (None when none does)."""
    real = os.path.abspath(path)
    for asset in assets:
        for pattern in asset.logs:
            pat = os.path.abspath(os.path.expanduser(pattern))
            if real == pat or fnmatch.fnmatch(real, pat) or real.startswith(pat.rstrip("/") + "/"):
                return asset.id
            if real.startswith(pat + ".") or real.startswith(pat + "-"):  # rotated sibling
                return asset.id
    return None


_HOST_TYPES = {"domain", "hostname", "url", "uri", "link", "domain|ip"}


def _indicator_host(ind: dict[str, Any]) -> str:
    value = str(ind.get("value") or "").lower()
    if str(ind.get("type")) in ("url", "uri", "link"):
        value = urlsplit(value if "://" in value else f"http://{value}").hostname or ""
    return value.split("|")[0].rstrip(".")


def drop_own_host_iocs(findings: Sequence[Finding], assets: Sequence[Asset]) -> tuple[Finding, ...]:
    """Drop IoC hits where a site's own host name (listed in intel) matches its own logs.

    Every request to a site names the site in its Host and Referer fields, so an indicator
    equal to (or a parent domain of) the asset's own host would match all of its traffic;
    correlation already reports the asset itself as `intel.asset`.
    """
    own = {a.id: a.all_hosts for a in assets}
    kept = []
    for f in findings:
        ind = f.evidence.get("indicator") if f.kind == "ioc.log" else None
        if isinstance(ind, dict) and str(ind.get("type")) in _HOST_TYPES:
            host = _indicator_host(ind)
            hosts = own.get(f.asset_id or "", ())
            if host and any(h == host or h.endswith("." + host) for h in hosts):
                continue
        kept.append(f)
    return tuple(kept)


def scan_inventory_logs(store: Store, config: Config, ruleset: LogRules | None,
                        progress: ProgressFn | None = None,
                        indicators: Sequence[Indicator] | None = None,
                        record: bool = True, verifier: CrawlerVerifier | None = None) -> ScanReport:
    """Scan the `logs` of every active asset (the cron pipeline's log step; findings not stored).

    One crawler verifier serves all assets, so its cache and DNS budget are the run's.
    """
    assets = [a for a in list_assets(store.conn, AssetFilter(status="active")) if a.logs]
    matcher = IocMatcher(stored_indicators(store) if indicators is None else indicators)
    settings = settings_from_config(config)
    verifier = verifier or CrawlerVerifier(settings.heuristics.crawlers)
    reports = [scan_logs(list(a.logs), asset_id=a.id, rules=ruleset, indicators=matcher,
                         settings=settings, progress=progress, verifier=verifier) for a in assets]
    merged = merge_reports(reports)
    stats: dict[str, Any] = {**merged.stats, "assets": len(assets), "indicators": matcher.count}
    if settings.heuristics.enabled:
        stats.update(verifier_stats(verifier))
    report = ScanReport(drop_own_host_iocs(merged.findings, assets), merged.errors, stats)
    if record:
        stats["sightings"] = record_log_sightings(store, report)
    return report
