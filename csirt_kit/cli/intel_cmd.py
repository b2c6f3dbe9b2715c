"""`csirt intel sync|sources|list|match`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from csirt_kit.cli import render
from csirt_kit.cli.context import get
from csirt_kit.cli.exit_codes import ExitCode
from csirt_kit.cli.scan_cmd import (
    CLUSTER_HELP,
    FAIL_ON_HELP,
    check_fail_on,
    cluster_client,
    on_cluster,
    render_scan,
)
from csirt_kit.intel.result import SyncReport

intel_app = typer.Typer(help="Threat intel: MISP servers and feeds, indicators, correlation.",
                        no_args_is_help=True)


def _render_sync(console: Console, report: SyncReport) -> None:
    render.table(console, "intel sync", ["source", "kind", "status", "events new/unchanged",
                                         "indicators written", "removed", "warninglisted", "time"],
                 ([r.name, r.kind, r.status, f"{r.events_fetched}/{r.events_unchanged}",
                   r.indicators_written, r.indicators_removed, r.warninglisted, f"{r.seconds:.1f}s"]
                  for r in report.results), empty="no intel sources configured")
    for r in report.results:
        if r.error:
            console.print(f"{r.name}: {r.error}", markup=False, highlight=False)
        for problem in r.problems:
            console.print(f"{r.name}: {problem}", markup=False, highlight=False)


@intel_app.command("sync")
def sync_cmd(
    ctx: typer.Context,
    source: Annotated[str, typer.Option("--source", help="Only this source (by name).")] = "",
    full: Annotated[bool, typer.Option("--full", help="Fetch everything again, not only changes.")] = False,
) -> None:
    """Fetch new and changed indicators from every configured MISP server and feed.

    Exit 2 when a source needs fixing (bad key, bad feed file: the rest is imported),
    4 when a server was unreachable (the next sync resumes).
    """
    from csirt_kit.intel.sources import load_sources
    from csirt_kit.intel.sync import sync_sources

    app = get(ctx)
    for s in load_sources(app.config):
        if not s.verify_tls and not s.ca_file and (not source or s.name == source):
            app.warn(f"{s.name}: TLS certificate verification is off (verify_tls = false)")
    with app.progress("intel sync") as progress:
        report = sync_sources(app.config, app.store, source or None, full, progress)
    app.emit(report.to_dict(), lambda console: _render_sync(console, report))
    for r in report.results:
        if r.status != "ok":
            app.warn(f"{r.name}: {r.status}" + (f": {r.error.splitlines()[0]}" if r.error else
                                                 f": {len(r.problems)} problem(s), see above"))
    if report.needs_fixing:
        raise typer.Exit(int(ExitCode.BAD_INPUT))
    if report.unreachable:
        raise typer.Exit(int(ExitCode.PARTIAL))


@intel_app.command("sources")
def sources_cmd(ctx: typer.Context) -> None:
    """Show each configured source: last sync, counts, errors, queued sightings."""
    from csirt_kit.intel.sources import load_sources
    from csirt_kit.intel.store import source_counts, source_state

    app = get(ctx)
    conn = app.store.conn
    counts = source_counts(conn)
    items = []
    for s in load_sources(app.config):
        state = source_state(conn, s.name)
        c = counts.get(s.name, {})
        items.append({"name": s.name, "kind": s.kind, "location": s.location, "enabled": s.enabled,
                      "last_attempt": state.get("last_attempt", ""),
                      "last_success": state.get("last_success", ""),
                      "status": state.get("last_status", "never synced"),
                      "error": state.get("last_error", ""), "events": c.get("events", 0),
                      "indicators": c.get("indicators", 0), "active": c.get("active", 0),
                      "expired": c.get("expired", 0), "warninglisted": c.get("warninglisted", 0),
                      "sightings_queued": c.get("sightings_queued", 0),
                      "resume_pending": bool(state.get("resume"))})
    tz = app.config.timezone

    def draw(console: Console) -> None:
        render.table(console, f"{len(items)} intel sources",
                     ["name", "kind", "status", "last success", "events", "indicators", "active",
                      "expired", "warninglisted", "sightings queued"],
                     ([i["name"], i["kind"], i["status"], render_time(str(i["last_success"]), tz),
                       i["events"], i["indicators"], i["active"], i["expired"], i["warninglisted"],
                       i["sightings_queued"]] for i in items), empty="no intel sources configured")
        for i in items:
            if i["error"]:
                console.print(f"{i['name']}: {i['error']}", markup=False, highlight=False)

    app.emit({"items": items, "count": len(items)}, draw)


def render_time(value: str, tz: str) -> str:
    """A stored time in the configured zone ('' stays '')."""
    from csirt_kit.timeutil import local

    return local(value, tz) if value else ""


@intel_app.command("list")
def list_cmd(
    ctx: typer.Context,
    source: Annotated[str, typer.Option("--source", help="Source name.")] = "",
    type_: Annotated[str, typer.Option("--type", help="MISP type, e.g. ip-dst, domain, url.")] = "",
    search: Annotated[str, typer.Option("--search", help="Value contains this text.")] = "",
    event: Annotated[str, typer.Option("--event", help="Event uuid or words of its title.")] = "",
    tag: Annotated[str, typer.Option("--tag", help="Tag, e.g. tlp:amber.")] = "",
    warninglisted: Annotated[bool | None, typer.Option(
        "--warninglisted/--not-warninglisted", help="Only (or no) indicators on a warninglist.")] = None,
    include_expired: Annotated[bool, typer.Option(
        "--all", help="Include expired indicators (history).")] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).")] = 100,
) -> None:
    """List stored indicators, newest first."""
    from csirt_kit.intel.store import IndicatorFilter, list_indicators

    app = get(ctx)
    found, total = list_indicators(app.store.conn, IndicatorFilter(
        source, type_, search, event, tag, warninglisted, include_expired, limit))
    items = [{"source": i.source, "type": i.type, "value": i.value, "event_uuid": i.event.uuid,
              "event_info": i.event.info, "tags": list(i.tags), "to_ids": i.to_ids,
              "first_seen": i.first_seen, "last_seen": i.last_seen, "expires": i.expires,
              "warninglists": list(i.warninglists), "comment": i.comment} for i in found]
    app.emit({"items": items, "count": len(items), "total": total}, lambda console: render.table(
        console, f"{len(items)} of {total} indicators",
        ["source", "type", "value", "event", "tags", "ids", "expires", "warninglists"],
        ([i.source, i.type, i.value, i.event.info[:50], ", ".join(i.tags[:4]), "yes" if i.to_ids else "no",
          i.expires[:10] or "never", "; ".join(i.warninglists)[:60]] for i in found),
        empty="no indicators match"))


@intel_app.command("match")
def match_cmd(
    ctx: typer.Context,
    include_warninglisted: Annotated[bool, typer.Option(
        "--include-warninglisted", help="Also match indicators that are on a warninglist.")] = False,
    fail_on: Annotated[str, typer.Option("--fail-on", help=FAIL_ON_HELP)] = "",
    cluster: Annotated[str | None, typer.Option("--cluster", metavar="ADDRESS", help=CLUSTER_HELP)] = None,
) -> None:
    """Correlate stored indicators with the inventory: findings intel.asset and vuln.software."""
    from csirt_kit.intel.correlate import correlate
    from csirt_kit.models import severity_rank
    from csirt_kit.scan.report import stored_statuses

    check_fail_on(fail_on)
    app = get(ctx)
    include = include_warninglisted or None
    with cluster_client(app, cluster) as client:
        if client is None:
            report = correlate(app.store, app.config, include_warninglisted=include)
        else:
            from csirt_kit.cluster.connect import cluster_settings
            from csirt_kit.cluster.correlate import cluster_correlate

            report = on_cluster(app, lambda: cluster_correlate(
                client, app.store, app.config, include_warninglisted=include,
                settings=cluster_settings(app.config, cluster)))
    statuses = stored_statuses(app.store, report)
    app.emit(report.to_dict(statuses), lambda console: render_scan(console, report, statuses))
    active = [f for f in report.findings if statuses.get(f.fingerprint, f.status) != "suppressed"]
    if fail_on and any(severity_rank(f.severity) >= severity_rank(fail_on) for f in active):
        raise typer.Exit(int(ExitCode.FINDINGS))


def register(app: typer.Typer) -> None:
    """Add the intel group to the main app."""
    app.add_typer(intel_app, name="intel")
