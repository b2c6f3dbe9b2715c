"""`csirt cms scan|detect` and `csirt cms checksums import|list`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csirt_kit.cli import render
from csirt_kit.cli.context import get
from csirt_kit.cli.scan_cmd import FAIL_ON_HELP, check_fail_on, finish_scan
from csirt_kit.errors import NotFoundError, UsageError
from csirt_kit.scan.cms import detect_cms, import_manifest, list_releases, scan_cms, scan_paths
from csirt_kit.store.assets import get_asset

cms_app = typer.Typer(help="CMS-aware webroot checks: detection, core integrity, search-engine "
                      "traces, persistence tricks.", no_args_is_help=True)
checksums_app = typer.Typer(help="Release checksum manifests for core integrity.",
                            no_args_is_help=True)
cms_app.add_typer(checksums_app, name="checksums")


@cms_app.command("scan")
def scan_cmd(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Webroots to scan (default: every active asset's webroot).", metavar="[PATH]...")] = None,
    asset: Annotated[str, typer.Option(
        "--asset", help="Asset id the paths belong to (default: the asset whose webroot holds"
        " each path, else none).")] = "",
    fail_on: Annotated[str, typer.Option("--fail-on", help=FAIL_ON_HELP)] = "",
) -> None:
    """Scan webroots for upload PHP, core changes, verification tokens, sitemap spam, tricks."""
    app = get(ctx)
    check_fail_on(fail_on)
    if asset and not paths:
        raise UsageError("--asset needs PATH...", fix="give the webroot path(s) of that asset")
    if asset and get_asset(app.store.conn, asset) is None:
        raise NotFoundError(f"no asset with id {asset!r}", fix="see `csirt assets list`")
    with app.progress("scanning webroots") as progress:
        if paths:
            report = scan_paths(app.store, app.config, paths, asset, progress)
        else:
            report = scan_cms(app.store, app.config, progress)
    if not paths and not report.stats.get("targets"):
        app.warn("no active asset has a webroot: import an inventory with a webroot column,"
                 " or give PATH...")
    finish_scan(app, report, fail_on)


@cms_app.command("detect")
def detect_cmd(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A webroot folder.", metavar="PATH")],
) -> None:
    """Show the CMS of a webroot, its version and profile (uploads and core folders)."""
    app = get(ctx)
    if not path.is_dir():
        raise NotFoundError(f"not a folder: {path}", fix="give the webroot folder")
    doc = detect_cms(path).to_dict()
    app.emit(doc, lambda console: render.key_values(console, f"CMS of {doc['path']}", [
        ("cms", doc["label"]), ("version", doc["version"] or "unknown"),
        ("version from", doc["version_source"] or "-"),
        ("upload folders", ", ".join(doc["profile"]["uploads"])),
        ("core folders", ", ".join(doc["profile"]["core"]) or "-")]))


@checksums_app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Checksum manifest (JSON).", metavar="FILE")],
    version: Annotated[str, typer.Option(
        "--version", help="Release of a flat manifest; with a multi-release file, import only"
        " this one.")] = "",
    cms: Annotated[str, typer.Option("--cms", help="CMS the manifest is for.")] = "wordpress",
) -> None:
    """Import a release checksum manifest (e.g. WordPress's per-version md5 JSON)."""
    app = get(ctx)
    releases = import_manifest(app.store, file, cms, version)
    doc = {"items": [r.to_dict() for r in releases], "count": len(releases)}
    app.emit(doc, lambda console: console.print("\n".join(
        f"imported {r.cms} {r.version}: {r.files} files" for r in releases)))


@checksums_app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    """List the imported release manifests."""
    app = get(ctx)
    releases = list_releases(app.store.conn)
    app.emit({"items": [r.to_dict() for r in releases], "count": len(releases)},
             lambda console: render.table(console, f"{len(releases)} release manifests",
                                          ["cms", "version", "files", "source", "imported"],
                                          ([r.cms, r.version, str(r.files), r.source, r.imported_at]
                                           for r in releases)))


def register(app: typer.Typer) -> None:
    """Add the cms group to the main app."""
    app.add_typer(cms_app, name="cms")
