"""`csirt demo`: the whole job on the bundled synthetic city, no servers, never the real store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from csirt_kit.cli import render
from csirt_kit.cli.context import get
from csirt_kit.cli.exit_codes import ExitCode
from csirt_kit.cli.run_cmd import exit_code, render_summary
from csirt_kit.cli.timeline_cmd import render_table

if TYPE_CHECKING:
    from csirt_kit.pipeline.demo import DemoResult


def demo_cmd(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Option(
        "--dir", help="Empty folder for the demo city and its store (default: a new temp folder).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic city.")] = 2026,
) -> None:
    """Run the whole pipeline on a bundled synthetic city (local store, loopback only)."""
    from csirt_kit.pipeline.demo import run_demo

    app = get(ctx)
    app.info("building the synthetic city and serving its sites on 127.0.0.1 ...")
    with app.progress("demo") as progress:
        result = run_demo(directory, seed=seed, progress=progress)
    app.emit(result.to_dict(), lambda console: _render(console, result))
    code = exit_code(result.summary, "")
    if result.missed and code == ExitCode.OK:
        code = ExitCode.BUG  # the demo city's known compromises must all be found
    if code != ExitCode.OK:
        raise typer.Exit(int(code))


def _render(console: Console, result: DemoResult) -> None:
    from csirt_kit.config import load_config
    from csirt_kit.store.db import open_store
    from csirt_kit.timeline import build_timeline

    render_summary(console, result.summary)
    render.table(console, f"{len(result.cases)} cases", ["key", "severity", "status", "title"],
                 ([c["key"], c["severity"], c["status"], c["title"]] for c in result.cases))
    if result.shown_case:
        config = load_config(str(result.config), env={})
        store = open_store(config.store_path)
        try:
            render_table(console, build_timeline(store.conn, result.shown_case,
                                                 zone=config.timezone))
        finally:
            store.close()
    total = len(result.found) + len(result.missed)
    console.print(f"demo check: {len(result.found)}/{total} planted compromises found"
                  + (f"; MISSED: {', '.join(f'{e.asset_id} {e.kind}' for e in result.missed)}"
                     if result.missed else ""))
    if result.optional_missed:
        console.print(f"not covered by default settings: {len(result.optional_missed)} "
                      f"({'; '.join(sorted({e.requires for e in result.optional_missed}))})")
    console.print(f"report:   {result.report_html}\ntimeline: {result.timeline_html}\n"
                  f"explore:  csirt --config {result.config} findings list --severity high\n"
                  f"          csirt --config {result.config} cases list\n"
                  f"          csirt --config {result.config} report --owner Kesehatan")


def register(app: typer.Typer) -> None:
    """Add `demo` to the main app."""
    app.command("demo")(demo_cmd)
