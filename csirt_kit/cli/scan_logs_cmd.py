"""`csirt scan logs`: YARA and stored indicators over log files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from csirt_kit.cli.context import AppContext, get
from csirt_kit.cli.scan_cmd import (
    CLUSTER_HELP,
    FAIL_ON_HELP,
    check_fail_on,
    cluster_client,
    finish_scan,
    load_scan_rules,
    on_cluster,
    scan_app,
)
from csirt_kit.errors import NotFoundError, UsageError
from csirt_kit.models import Indicator
from csirt_kit.progress import ProgressFn
from csirt_kit.scan.logs.crawlers import CANARY
from csirt_kit.scan.logs.formats import FORMATS
from csirt_kit.scan.logs.inventory import (
    asset_for_path,
    record_log_sightings,
    scan_inventory_logs,
    stored_indicators,
)
from csirt_kit.scan.logs.iocs import IocMatcher
from csirt_kit.scan.logs.scanner import LogRules, scan_logs, settings_from_config
from csirt_kit.scan.report import ScanReport, merge_reports
from csirt_kit.store.assets import list_assets


def _rules(app: AppContext, extra: list[Path], use_rules: bool) -> LogRules | None:
    if not use_rules:
        return None
    return load_scan_rules(app, extra, ("logs",))


def scan_logs_command(
    ctx: typer.Context,
    paths: Annotated[list[str] | None, typer.Argument(
        help="Log files, folders or globs (plain or .gz; rotated siblings are included).",
        show_default=False)] = None,
    asset: Annotated[str, typer.Option("--asset", help="Asset the logs belong to.")] = "",
    fmt: Annotated[str, typer.Option(
        "--format", help=f"Log format ({', '.join(FORMATS)}); default: detected per file.")] = "",
    inventory: Annotated[bool, typer.Option(
        "--inventory", help="Scan the `logs` of every active asset in the inventory.")] = False,
    rules: Annotated[list[Path] | None, typer.Option(
        "--rules", help="Extra YARA rule file or folder (repeatable).")] = None,
    no_rules: Annotated[bool, typer.Option("--no-rules", help="IoC matching only.")] = False,
    no_iocs: Annotated[bool, typer.Option("--no-iocs", help="YARA only.")] = False,
    no_rotated: Annotated[bool, typer.Option(
        "--no-rotated", help="Do not add rotated siblings (x.log.1, x.log.2.gz).")] = False,
    fail_on: Annotated[str, typer.Option("--fail-on", help=FAIL_ON_HELP)] = "",
    cluster: Annotated[str | None, typer.Option("--cluster", help=CLUSTER_HELP,
                                                metavar="ADDRESS")] = None,
) -> None:
    """Scan logs with YARA (scope logs), stored indicators and the log heuristics (fake crawlers,
    POSTs to uploads, web shell use, gambling slugs, sitemap bursts); hits become findings."""
    app = get(ctx)
    check_fail_on(fail_on)
    if fmt and fmt not in FORMATS:
        raise UsageError(f"--format: unknown log format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")
    if not paths and not inventory:
        raise UsageError("no logs to scan", fix="give PATH... or --inventory")
    ruleset = _rules(app, list(rules or []), not no_rules)
    indicators = [] if no_iocs else stored_indicators(app.store)
    with cluster_client(app, cluster) as client, app.progress("logs") as progress:
        if client is not None:
            report = _on_cluster(app, client, cluster, paths or [], asset, fmt, inventory, ruleset,
                                 indicators, not no_rotated, progress)
        elif inventory:
            report = scan_inventory_logs(app.store, app.config, ruleset,
                                         progress=progress, indicators=indicators, record=False)
        else:
            report = ScanReport()
        if paths and client is None:
            report = merge_reports([report, _scan_paths(app, paths, asset, fmt, ruleset, indicators,
                                                        not no_rotated, progress)])
    record_log_sightings(app.store, report)
    note = crawler_note(report.stats)
    if note:
        app.info(note)
    finish_scan(app, report, fail_on)


def crawler_note(stats: dict[str, Any]) -> str:
    """One line on what the crawler check did ('' when the heuristics did not run)."""
    mode = stats.get("crawler_check")
    if not mode:
        return ""
    count = {v: int(stats.get(f"crawler_{v}", 0)) for v in ("genuine", "fake", "unchecked", "private")}
    if mode == "off":
        return (f"crawler check skipped (scan.logs.verify_crawlers = \"off\"): "
                f"{count['unchecked']} claimed crawler address(es) not verified")
    if stats.get("dns_unusable"):
        return (f"crawler check not done: this host's DNS does not resolve {CANARY}; "
                f"{count['unchecked']} claimed crawler address(es) not verified "
                "(fix the resolver, or set scan.logs.verify_crawlers = \"off\")")
    budget = " (DNS budget or lookup cap reached)" if stats.get("dns_budget_exhausted") else ""
    return (f"crawler check: {count['genuine']} genuine, {count['fake']} fake, "
            f"{count['unchecked']} not checked{budget}, {count['private']} private address(es) skipped")


def _on_cluster(app: AppContext, client: Any, address: str | None, paths: list[str], asset: str,
                fmt: str, inventory: bool, ruleset: Any, indicators: list[Indicator], rotated: bool,
                progress: ProgressFn) -> ScanReport:
    """The same scan on a Dask cluster (same findings); this process stores them."""
    from csirt_kit.cluster.connect import cluster_settings
    from csirt_kit.cluster.logs import LogTarget, cluster_scan_inventory_logs, cluster_scan_logs

    reports = []
    if inventory:
        reports.append(on_cluster(app, lambda: cluster_scan_inventory_logs(
            client, app.store, app.config, ruleset, progress=progress, indicators=indicators,
            record=False)))
    if paths:
        targets = [LogTarget(tuple(group), asset_id)
                   for asset_id, group in _groups(app, paths, asset).items()]
        reports.append(on_cluster(app, lambda: cluster_scan_logs(
            client, ruleset, targets, indicators=indicators,
            settings=settings_from_config(app.config), fmt=fmt, rotated=rotated,
            progress=progress, cluster=cluster_settings(app.config, address))))
    return merge_reports(reports) if reports else ScanReport()


def _groups(app: AppContext, paths: list[str], asset: str) -> dict[str | None, list[str]]:
    groups: dict[str | None, list[str]] = {}
    if asset:
        if app.store.conn.execute("SELECT 1 FROM assets WHERE id = ?", (asset,)).fetchone() is None:
            raise NotFoundError(f"no asset with id {asset!r}", fix="see `csirt assets list`")
        groups[asset] = paths
    else:
        assets = [a for a in list_assets(app.store.conn) if a.logs]
        for path in paths:
            groups.setdefault(asset_for_path(assets, path), []).append(path)
    return groups


def _scan_paths(app: AppContext, paths: list[str], asset: str, fmt: str, ruleset: LogRules | None,
                indicators: list[Indicator], rotated: bool, progress: ProgressFn) -> ScanReport:
    settings = settings_from_config(app.config)
    matcher = IocMatcher(indicators)
    groups = _groups(app, paths, asset)
    return merge_reports([scan_logs(group, asset_id=asset_id, rules=ruleset,
                                    indicators=matcher, fmt=fmt, settings=settings,
                                    progress=progress, rotated=rotated)
                          for asset_id, group in groups.items()])


def register(app: typer.Typer) -> None:
    """Add `logs` to the scan group."""
    scan_app.command("logs")(scan_logs_command)
