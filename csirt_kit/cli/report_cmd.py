"""`csirt report`: per-department digest as Markdown, JSON or self-contained HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csirt_kit.cli.context import get
from csirt_kit.errors import UsageError

FORMATS = ("md", "html", "json")  # as in csirt_kit.report.render (a test checks)


def report_cmd(
    ctx: typer.Context,
    owner: Annotated[str, typer.Option("--owner", help="Only departments whose name contains this.")] = "",
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, html or json.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="en or id.")] = "",
) -> None:
    """Digest per department: findings by severity, open cases and tasks, scan coverage."""
    from csirt_kit.report import build_report
    from csirt_kit.report.render import to_html, to_markdown

    app = get(ctx)
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")
    lang = lang or str(app.config.get("general.lang") or "en")
    if lang not in ("en", "id"):
        raise UsageError(f"--lang: unknown language {lang!r}", fix="use en or id")
    report = build_report(app.store.conn, owner=owner, zone=app.config.timezone)
    if owner and not report.departments:
        raise UsageError(f"no department matches {owner!r}", fix="see `csirt assets list` owners")
    if app.json or fmt == "json":
        if output is None:
            app.json = True
            app.emit(report.to_dict(), lambda console: None)
            return
        import json

        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    else:
        text = to_html(report, lang) if fmt == "html" else to_markdown(report, lang)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        app.info(f"wrote {output} ({len(report.departments)} departments)")
    else:
        typer.echo(text, nl=False)


def register(app: typer.Typer) -> None:
    """Add `report` to the main app."""
    app.command("report")(report_cmd)
