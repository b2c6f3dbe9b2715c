"""`csirt scan files PATH... [--asset ID]` and `csirt scan files --webroots`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from csirt_kit.cli.context import get
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
from csirt_kit.scan.files import FileOptions, scan_files
from csirt_kit.scan.report import merge_reports
from csirt_kit.scan.webroots import FILE_SCOPES, asset_for_path, scan_webroots, webroot_assets
from csirt_kit.store.assets import get_asset


@scan_app.command("files")
def files_cmd(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files or folders to scan.", metavar="[PATH]...")] = None,
    asset: Annotated[str, typer.Option(
        "--asset", help="Asset id the paths belong to (default: the asset whose webroot holds"
        " each path, else none).")] = "",
    webroots: Annotated[bool, typer.Option(
        "--webroots", help="Scan the webroot of every active asset in the inventory.")] = False,
    rules: Annotated[list[Path] | None, typer.Option(
        "--rules", help="Extra rule file or folder (repeatable).", metavar="PATH")] = None,
    max_size: Annotated[int, typer.Option(
        "--max-size", help="Skip files larger than this many bytes (0: scan.max_file_size).")] = 0,
    timeout: Annotated[int, typer.Option(
        "--timeout", help="YARA seconds per file (0: scan.file_timeout).")] = 0,
    workers: Annotated[int, typer.Option(
        "--workers", help="Worker processes (0: scan.workers, else one per core).")] = 0,
    fail_on: Annotated[str, typer.Option("--fail-on", help=FAIL_ON_HELP)] = "",
    cluster: Annotated[str | None, typer.Option("--cluster", help=CLUSTER_HELP,
                                                metavar="ADDRESS")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Read every file, even those whose size, mtime, ctime and inode are"
        " unchanged since the last scan (the stat cache is refreshed; cluster scans always"
        " read everything).")] = False,
) -> None:
    """Scan files and folders (or inventory webroots) with the YARA rules."""
    app = get(ctx)
    check_fail_on(fail_on)
    if not paths and not webroots:
        raise UsageError("nothing to scan", fix="give PATH... or --webroots")
    options = FileOptions.from_config(app.config)
    options = replace(options, max_size=max_size or options.max_size,
                      timeout=timeout or options.timeout, workers=workers or options.workers,
                      full=full)
    if asset and get_asset(app.store.conn, asset) is None:
        raise NotFoundError(f"no asset with id {asset!r}", fix="see `csirt assets list`")
    ruleset = load_scan_rules(app, rules or (), FILE_SCOPES, required=True)
    reports = []
    with cluster_client(app, cluster) as client, app.progress("scanning files") as progress:
        if paths:
            known = webroot_assets(app.store) if not asset else []
            roots = [(p, asset or asset_for_path(known, p)) for p in paths]
            if client is not None:
                from csirt_kit.cluster.connect import cluster_settings
                from csirt_kit.cluster.files import cluster_scan_files

                settings = cluster_settings(app.config, cluster)
                reports.append(on_cluster(app, lambda: cluster_scan_files(
                    client, ruleset, [(str(p), a) for p, a in roots], options=options,
                    progress=progress, settings=settings)))
            else:
                reports.append(scan_files(ruleset, roots, options=options, progress=progress,
                                          store=app.store))
        if webroots:
            if client is not None:
                from csirt_kit.cluster.files import cluster_scan_webroots

                reports.append(on_cluster(app, lambda: cluster_scan_webroots(
                    client, app.store, app.config, ruleset, progress=progress)))
            else:
                reports.append(scan_webroots(app.store, app.config, ruleset, progress=progress,
                                             options=options))
    report = reports[0] if len(reports) == 1 else merge_reports(reports)
    try:
        finish_scan(app, report, fail_on)
    finally:  # also when --fail-on ends the command with exit 3
        if not app.json and "unchanged" in report.stats:
            app.out.print(files_summary(report.stats), markup=False)


def files_summary(stats: dict[str, Any]) -> str:
    """E.g. "files: 12,345 unchanged (not read), 3 read (41.0 kB)"."""
    read = int(stats.get("read", 0))
    line = (f"files: {int(stats.get('unchanged', 0)):,} unchanged (not read), {read:,} read"
            f" ({_size(int(stats.get('bytes_read', 0)))})")
    mode = stats.get("stat_cache")
    if mode == "full":
        line += "; --full: the stat cache was not used"
    elif mode == "off":
        line += "; stat cache off (scan.stat_cache, scan.content_cache or no store file)"
    return line


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB"):
        if value < 1000:
            return f"{n:,} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:,.1f} GB"


def register(app: typer.Typer) -> None:
    """`scan files` is added to scan_app when this module is imported."""
