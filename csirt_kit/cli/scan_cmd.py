"""The `csirt scan` group and the rendering every scan command shares.

Subcommands live in their own modules (scan_files_cmd, scan_web_cmd, scan_logs_cmd),
each adding itself to ``scan_app``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from csirt_kit.cli import render
from csirt_kit.cli.context import AppContext
from csirt_kit.cli.exit_codes import ExitCode
from csirt_kit.errors import UsageError
from csirt_kit.models import SEVERITIES, severity_rank
from csirt_kit.scan.report import ScanReport, persist, stored_statuses

if TYPE_CHECKING:
    from csirt_kit.scan.rules import RuleSet

scan_app = typer.Typer(help="Scan web apps, webroots and logs with YARA rules and IoCs.",
                       no_args_is_help=True)

FAIL_ON_HELP = "Exit 3 when findings at or above this severity exist (info..critical)."
CLUSTER_HELP = "Run the scan on this Dask scheduler (else [cluster] scheduler; none: on this machine)."


@contextmanager
def cluster_client(app: AppContext, address: str | None) -> Iterator[Any]:
    """A Dask client when a cluster is configured or given, else None (the scan runs here)."""
    from csirt_kit.cluster.connect import cluster_settings

    if not cluster_settings(app.config, address).scheduler:
        yield None
        return
    from csirt_kit.cluster.connect import connect

    client = connect(app.config, address)
    try:
        yield client
    finally:
        client.close()


def on_cluster(app: AppContext, scan: Callable[[], ScanReport]) -> ScanReport:
    """Run a cluster scan; if the scheduler vanishes, store what was scanned, then fail (exit 4)."""
    from csirt_kit.cluster.stream import ClusterLost

    try:
        return scan()
    except ClusterLost as lost:
        persist(app.store, lost.partial)
        app.warn(f"kept {len(lost.partial.findings)} findings scanned before the scheduler was lost")
        raise


def check_fail_on(fail_on: str) -> None:
    """Reject an unknown --fail-on value before any work starts."""
    if fail_on and fail_on not in SEVERITIES:
        raise UsageError(f"--fail-on: unknown severity {fail_on!r}",
                         fix=f"use one of: {', '.join(SEVERITIES)}")


def load_scan_rules(app: AppContext, extra: Sequence[Path], scopes: Sequence[str],
                    required: bool = False) -> RuleSet:
    """Compile the rules of scopes (plus --rules extras) and warn once per problem, in one wording."""
    from csirt_kit.scan.rules import load_rules

    ruleset = load_rules(app.config, extra=list(extra), scopes=tuple(scopes))
    for problem in ruleset.errors:
        app.warn(f"rules: {problem} (rule file not loaded; the scan goes on without it)")
    for problem in ruleset.warnings:
        app.warn(f"rules: {problem} (warning)")
    if required and not ruleset.rule_count:
        raise UsageError("no YARA rules loaded", fix="check `csirt rules check`")
    return ruleset


def finish_scan(app: AppContext, report: ScanReport, fail_on: str = "",
                store_findings: bool = True) -> None:
    """Store the findings, print the report, and exit 3 if --fail-on is met."""
    check_fail_on(fail_on)
    if store_findings:
        persist(app.store, report, evidence=app.config)
        statuses = stored_statuses(app.store, report)
    else:
        statuses = {}
    app.emit(report.to_dict(statuses), lambda console: render_scan(console, report, statuses))
    active = [f for f in report.findings if statuses.get(f.fingerprint, f.status) != "suppressed"]
    if fail_on and any(severity_rank(f.severity) >= severity_rank(fail_on) for f in active):
        raise typer.Exit(int(ExitCode.FINDINGS))


def render_scan(console: Console, report: ScanReport, statuses: dict[str, str]) -> None:
    """Findings table, errors and a one-line summary."""
    from dataclasses import replace

    shown = [replace(f, status=statuses.get(f.fingerprint, f.status)) for f in report.findings]
    render.findings_table(console, shown)
    if report.errors:
        render.table(console, f"{len(report.errors)} scan errors", ["target", "error"],
                     ([e.target, e.error] for e in report.errors))
    counts = ", ".join(f"{n} {s}" for s, n in report.by_severity().items() if n)
    stats = report.stats
    console.print(
        f"targets: {stats.get('targets', '?')}, findings: {len(report.findings)}"
        f"{' (' + counts + ')' if counts else ''}, errors: {len(report.errors)}, "
        f"time: {float(stats.get('seconds', 0.0)):.1f}s"
    )


def register(app: typer.Typer) -> None:
    """Add the scan group to the main app."""
    app.add_typer(scan_app, name="scan")
