"""`csirt assets import|list|show`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from csirt_kit.cli import render
from csirt_kit.cli.context import get
from csirt_kit.errors import NotFoundError
from csirt_kit.inventory.importer import ImportReport, import_inventory
from csirt_kit.store.assets import (
    AssetFilter,
    asset_times,
    get_asset,
    list_assets,
    list_assets_json,
)

assets_app = typer.Typer(help="Import and browse the city's asset inventory.",
                         no_args_is_help=True)


@assets_app.command("import")
def import_cmd(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="CSV, JSON, YAML or XLSX inventory files.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing.")] = False,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Also retire assets missing from these files.")] = False,
    encoding: Annotated[str, typer.Option(
        "--encoding", help="Text encoding of CSV files (default: UTF-8, UTF-16 by BOM).")] = "",
) -> None:
    """Import inventory files: all rows valid or nothing is written."""
    app = get(ctx)
    report = import_inventory(app.store, files, dry_run=dry_run, replace=replace,
                              encoding=encoding)
    for file in report.files:
        if file.ignored_columns:
            app.warn(f"{file.path}: ignored columns: {', '.join(file.ignored_columns)}")
    app.emit(asdict(report), lambda console: _render_import(console, report))


def _render_import(console: Console, report: ImportReport) -> None:
    verb = "would import" if report.dry_run else "imported"
    console.print(
        f"{verb} {report.assets} assets from {len(report.files)} file(s): "
        f"{report.created} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.retired)} retired" + (" (dry run, nothing written)" if report.dry_run else "")
    )


@assets_app.command("list")
def list_cmd(
    ctx: typer.Context,
    owner: Annotated[str, typer.Option("--owner", help="Owner department (substring).")] = "",
    kind: Annotated[str, typer.Option("--kind", help="Asset kind, e.g. website, cctv.")] = "",
    status: Annotated[str, typer.Option("--status", help="active, suspended or retired.")] = "",
    criticality: Annotated[str, typer.Option("--criticality", help="low .. critical.")] = "",
    search: Annotated[str, typer.Option("--search", "-s", help="Free text in any field.")] = "",
) -> None:
    """List assets, filtered."""
    app = get(ctx)
    flt = AssetFilter(owner, kind, status, criticality, search)
    if app.json:
        items, count = list_assets_json(app.store.conn, flt)
        app.emit_json_text(f'{{"items": {items}, "count": {count}}}')
        return
    assets = list_assets(app.store.conn, flt)
    app.emit({"items": [], "count": len(assets)}, lambda console: render.assets_table(console, assets))


@assets_app.command("show")
def show_cmd(ctx: typer.Context,
             asset_id: Annotated[str, typer.Argument(help="Asset id.", metavar="ID")]) -> None:
    """Show one asset in full."""
    app = get(ctx)
    asset = get_asset(app.store.conn, asset_id)
    if asset is None:
        raise NotFoundError(f"no asset with id {asset_id!r}",
                            fix="see `csirt assets list --search TEXT`")
    times = asset_times(app.store.conn, asset_id)
    doc = {**asset.to_dict(), **times}
    app.emit(doc, lambda console: render.key_values(
        console, f"asset {asset.id}",
        [(k, [str(s) for s in asset.software] if k == "software" else v)
         for k, v in doc.items()]))


def register(app: typer.Typer) -> None:
    """Add the assets group to the main app."""
    app.add_typer(assets_app, name="assets")


@assets_app.command("revisions")
def revisions_cmd(ctx: typer.Context) -> None:
    """List inventory revisions (one per import), newest first."""
    from csirt_kit.inventory.history import revisions

    app = get(ctx)
    revs = revisions(app.store.conn)
    app.emit({"items": revs, "count": len(revs)}, lambda console: render.table(
        console, f"{len(revs)} inventory revisions",
        ["rev", "at", "files", "new", "updated", "unchanged", "retired"],
        ([r["id"], r["at"], ", ".join(r["files"]), r["created"], r["updated"], r["unchanged"],
          r["retired"]] for r in revs)))


@assets_app.command("diff")
def diff_cmd(ctx: typer.Context,
             rev: Annotated[int | None, typer.Argument(
                 help="Show changes made after this revision (default: the latest import's).",
                 metavar="[REV]")] = None) -> None:
    """Show what the inventory imports changed: new, retired, re-owned, changed URLs and IPs."""
    from csirt_kit.inventory.history import diff

    app = get(ctx)
    base, latest, changes = diff(app.store.conn, rev)
    doc = {"from_revision": base, "to_revision": latest, "items": [c.to_dict() for c in changes],
           "count": len(changes)}

    def show(console: Console) -> None:
        def fmt(v: object) -> str:
            return "; ".join(map(str, v)) if isinstance(v, list) else str(v or "")

        render.table(console, f"inventory changes after revision {base} (up to {latest})",
                     ["asset", "change", "what", "before", "after"],
                     ([c.asset_id, c.change, ", ".join(c.labels),
                       "\n".join(f"{k}: {fmt(b)}" for k, (b, _) in c.fields.items() if k in
                                 ("owner", "urls", "ips", "status")),
                       "\n".join(f"{k}: {fmt(a)}" for k, (_, a) in c.fields.items() if k in
                                 ("owner", "urls", "ips", "status"))] for c in changes),
                     empty="no changes")

    app.emit(doc, show)
