"""`csirt run`: the cron pipeline (lock, intel, correlation, scans, cases, outbox, summary)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from csirt_kit.cli import render
from csirt_kit.cli.context import get
from csirt_kit.cli.exit_codes import ExitCode
from csirt_kit.cli.scan_cmd import FAIL_ON_HELP, check_fail_on
from csirt_kit.models import severity_rank
from csirt_kit.pipeline.run import RunSummary, run_pipeline
from csirt_kit.pipeline.steps import STEP_HELP

# Counts kept in --json but too technical for the summary table.
_QUIET_COUNTS = {"rules_hash", "seconds", "workers", "rule_problems", "symlinks_skipped",
                 "lines_cut", "bytes"}
_STATUS_STYLE = {"ok": "green", "partial": "yellow", "failed": "red", "error": "bold red",
                 "skipped": "dim"}


def run_cmd(
    ctx: typer.Context,
    only: Annotated[list[str] | None, typer.Option(
        "--only", help="Run only this step (repeatable): " + ", ".join(STEP_HELP))] = None,
    skip: Annotated[list[str] | None, typer.Option("--skip", help="Skip this step (repeatable).")] = None,
    wait: Annotated[bool, typer.Option(
        "--wait", help="Wait for a running `csirt run` instead of exiting 5.")] = False,
    wait_timeout: Annotated[float, typer.Option(
        "--wait-timeout", help="Seconds --wait waits at most.")] = 3600.0,
    fail_on: Annotated[str, typer.Option("--fail-on", help=FAIL_ON_HELP)] = "",
    cluster: Annotated[str | None, typer.Option(
        "--cluster", help="Run the scans on this Dask scheduler (else [cluster] scheduler).",
        metavar="ADDRESS")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Read every webroot file, even those the stat cache says are unchanged.")] = False,
) -> None:
    """Run the whole job once, for cron: sync intel, correlate, scan, open cases, sync."""
    app = get(ctx)
    check_fail_on(fail_on)
    with app.progress("csirt run") as progress:
        summary = run_pipeline(app.store, app.config, only=only or [], skip=skip or [],
                               wait=wait, wait_timeout=wait_timeout, progress=progress,
                               cluster=cluster, full=full)
    app.emit(summary.to_dict(), lambda console: render_summary(console, summary))
    code = exit_code(summary, fail_on)
    if code != ExitCode.OK:
        raise typer.Exit(int(code))


def exit_code(summary: RunSummary, fail_on: str) -> ExitCode:
    """Precedence: a crashed step (1), a step needing a person (2), queued work (4), findings (3)."""
    if summary.bug:
        return ExitCode.BUG
    if summary.failed:
        return ExitCode.BAD_INPUT
    if summary.partial:
        return ExitCode.PARTIAL
    if fail_on and summary.at_or_above(fail_on):
        return ExitCode.FINDINGS
    return ExitCode.OK


def render_summary(console: Console, summary: RunSummary) -> None:
    """Steps, then new and reopened findings, then a one-line total."""
    from rich.table import Table

    table = Table(title=f"csirt run #{summary.run_id}", title_justify="left")
    for column in ("step", "status", "time", "counts", "errors / message"):
        table.add_column(column, overflow="fold")
    for s in summary.steps:
        counts = ", ".join(f"{k}={v}" for k, v in s.counts.items()
                           if v and k not in _QUIET_COUNTS)
        problems = "; ".join(f"{e.get('target', '')}: {e.get('error', '')}" for e in s.errors[:3])
        if len(s.errors) > 3:
            problems += f" (+{len(s.errors) - 3} more)"
        table.add_row(s.name, Text(s.status, style=_STATUS_STYLE.get(s.status, "")),
                      f"{s.seconds:.1f}s", Text(counts), Text(s.message or problems))
    console.print(table)
    fresh = [f for f in summary.findings if summary.touched.get(f.fingerprint) in ("new", "reopened")]
    if fresh:
        compact = Table(title=f"{len(fresh)} new or reopened findings", title_justify="left")
        for column in ("severity", "kind", "asset", "title"):
            compact.add_column(column, no_wrap=column != "title", overflow="ellipsis")
        for f in sorted(fresh, key=lambda f: (-severity_rank(f.severity), f.asset_id or "")):
            compact.add_row(render.severity(f.severity), f.kind, Text(f.asset_id or "-"),
                            Text(f.title))
        console.print(compact)
    counts = ", ".join(f"{n} {sev}" for sev, n in summary.to_dict()["stats"]["by_severity"].items() if n)
    console.print(f"findings this run: {len(summary.findings)} ({counts or 'none'}), "
                  f"new or reopened: {len(fresh)}")


def register(app: typer.Typer) -> None:
    """Add `run` to the main app."""
    app.command("run")(run_cmd)
