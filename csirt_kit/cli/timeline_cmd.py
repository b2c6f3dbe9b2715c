"""`csirt timeline CASE`: a case's timeline as a table, Markdown, HTML, CSV or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from csirt_kit.cli.context import get
from csirt_kit.errors import UsageError
from csirt_kit.timeutil import local

if TYPE_CHECKING:
    from csirt_kit.timeline import Timeline

# As in csirt_kit.timeline.render and .labels (a test checks); kept here so the CLI starts
# without importing the case store.
FORMATS = ("table", "md", "html", "csv", "json")
LANGS = ("en", "id")

_STYLE = {"evidence": "yellow", "intel": "cyan", "case": "", "note": "green"}


def timeline_cmd(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(help="Case key (see `csirt cases list`).", metavar="CASE")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, md, html, csv (Timesketch) "
                                                           "or json.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="en or id (Bahasa Indonesia).")] = "",
    to_thehive: Annotated[bool, typer.Option(
        "--to-thehive", help="Attach the Markdown timeline to the TheHive case.")] = False,
) -> None:
    """Show or export a case timeline: evidence, case events and notes in time order."""
    from csirt_kit.timeline import build_timeline
    from csirt_kit.timeline.render import render, to_document

    app = get(ctx)
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")
    lang = lang or str(app.config.get("general.lang") or "en")
    if lang not in LANGS:
        raise UsageError(f"--lang: unknown language {lang!r}", fix=f"use one of: {', '.join(LANGS)}")
    timeline = build_timeline(app.store.conn, case, lang=lang, zone=app.config.timezone)
    if to_thehive:
        from csirt_kit.timeline.export import attach_to_thehive

        name = attach_to_thehive(app.store, app.config, timeline)
        app.info(f"attached {name} to the TheHive case of {case}")
    if output is not None:
        text = render(timeline, "md" if fmt == "table" else fmt)
        output.write_text(text, encoding="utf-8")
        app.info(f"wrote {output}")
        app.emit({"case": case, "output": str(output), "format": fmt, "count": len(timeline.entries)},
                 lambda console: None)
        return
    if app.json or fmt == "json":
        app.json = True
        app.emit(to_document(timeline), lambda console: None)
    elif fmt == "table":
        render_table(app.out, timeline)
    else:
        typer.echo(render(timeline, fmt), nl=False)


def render_table(console: Console, t: Timeline) -> None:
    """The terminal rendering."""
    from csirt_kit.timeline.render import header_pairs

    console.print(Text(f"{t.label('timeline')}: {t.title}", style="bold"))
    for key, value in header_pairs(t):
        console.print(Text(f"  {key}: {value}"))
    if t.tasks:
        console.print(Text(t.label("tasks"), style="bold"))
        for task in t.tasks:
            mark = "x" if task.status == "Completed" else " "
            console.print(Text(f"  [{mark}] {t.task_title(task)} ({task.group}, {task.status})"))
    table = Table(title_justify="left")
    for col in ("time", "source", "what", "details"):
        table.add_column(t.label(col), overflow="fold")
    for e in t.entries:
        source = t.label(e.source if e.source != "case" else "case_event")
        detail = e.text + (f"\n{e.ref}" if e.ref else "")
        table.add_row(local(e.at, t.zone), Text(source, style=_STYLE.get(e.source, "")),
                      Text(t.label(e.kind)), Text(detail))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `timeline` to the main app."""
    app.command("timeline")(timeline_cmd)
