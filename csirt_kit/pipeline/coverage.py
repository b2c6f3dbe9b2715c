"""Scan coverage per asset, and a light probe of suspended sites that may still answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from csirt_kit.config import Config
from csirt_kit.models import Asset
from csirt_kit.scan.report import ScanReport
from csirt_kit.store.assets import AssetFilter, list_assets
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso


def _errors_for(asset: Asset, report: ScanReport, scan: str) -> list[str]:
    marks: list[str] = []
    if scan == "web":
        marks = [*asset.urls, *asset.all_hosts]
    elif scan == "files" and asset.webroot:
        marks = [asset.webroot]
    elif scan == "logs":
        marks = list(asset.logs)
    return [e.error for e in report.errors if any(m and m in e.target for m in marks)]


def _save(store: Store, rows: list[tuple[str, str, str, str, str]]) -> None:
    """Upsert (asset_id, scan, at, status, detail) rows: the last result per asset and scan."""
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO asset_scans (asset_id, scan, at, status, detail) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(asset_id, scan) DO UPDATE SET at = excluded.at,"
            " status = excluded.status, detail = excluded.detail", rows)


def record_coverage(store: Store, scan: str, assets: Iterable[Asset], report: ScanReport) -> int:
    """Mark each asset a scan was meant to cover as ok, or error with the reason."""
    now = iso()
    rows = []
    for asset in assets:
        errors = _errors_for(asset, report, scan)
        rows.append((asset.id, scan, now, "error" if errors else "ok", "; ".join(errors)[:500]))
    _save(store, rows)
    return len(rows)


@dataclass(frozen=True)
class ProbeResult:
    """What a suspended site answered."""

    asset_id: str
    url: str
    status: int
    error: str = ""


def probe_suspended(store: Store, config: Config) -> list[ProbeResult]:
    """GET each URL of suspended assets once (browser identity, in scope, polite)."""
    from csirt_kit.scan.web.fetch import Fetcher, FetchError
    from csirt_kit.scan.web.scanner import plan_targets
    from csirt_kit.scan.web.settings import web_settings

    settings = web_settings(config)
    suspended = [a for a in list_assets(store.conn, AssetFilter(status="suspended")) if a.urls]
    _, scope = plan_targets(store, None)
    fetcher = Fetcher(settings, scope)
    out: list[ProbeResult] = []
    try:
        for asset in suspended:
            for url in asset.urls:
                try:
                    page = fetcher.fetch(url, settings.identities[0])
                    out.append(ProbeResult(asset.id, url, page.status))
                except FetchError as exc:
                    out.append(ProbeResult(asset.id, url, 0, str(exc)))
    finally:
        fetcher.close()
    now = iso()
    _save(store, [(p.asset_id, "probe", now, "answering" if 200 <= p.status < 400 else "down",
                   f"{p.url} HTTP {p.status}" if p.status else f"{p.url} {p.error}") for p in out])
    return out
