"""`csirt cases open|list|show|sync|close|note`."""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer
from rich.console import Console

from csirt_kit.cases import records
from csirt_kit.cases.actions import add_note, close_case
from csirt_kit.cases.events import list_events
from csirt_kit.cases.opening import open_cases, plan_cases
from csirt_kit.cases.outbox import items as outbox_items
from csirt_kit.cases.outbox import retry_failed
from csirt_kit.cases.sync import SyncResult, sync_outbox
from csirt_kit.cli import render
from csirt_kit.cli.context import AppContext, get
from csirt_kit.cli.exit_codes import ExitCode
from csirt_kit.findings import get_finding
from csirt_kit.playbooks.plan import CasePlan
from csirt_kit.timeutil import iso, local

cases_app = typer.Typer(help="Open, track, sync and close cases (TheHive or the local case store).",
                        no_args_is_help=True)


def _sync(app: AppContext, pull: bool = True) -> SyncResult:
    with app.progress("sending to case backend") as progress:
        return sync_outbox(app.store, app.config, progress=progress, pull=pull)


def _exit_for(app: AppContext, result: SyncResult) -> None:
    """Exit 2 on refused credentials, 4 when work stays queued because a server failed."""
    if result.auth_error:
        app.warn(result.auth_error)
        raise typer.Exit(int(ExitCode.BAD_INPUT))
    if result.unreachable and result.queued:
        app.warn(f"{result.queued} write(s) stay queued for the next `csirt cases sync`: "
                 + "; ".join(result.errors[:3]))
        raise typer.Exit(int(ExitCode.PARTIAL))


def _sync_line(console: Console, result: SyncResult) -> None:
    console.print(f"{result.backend}: sent {result.sent}, created {len(result.created)} case(s), "
                  f"queued {result.queued}, failed {result.failed}, pulled {result.pulled} change(s)"
                  + (f", closed remotely: {', '.join(result.closed_remotely)}"
                     if result.closed_remotely else ""))
    for error in result.errors[:5]:
        console.print(f"  problem: {error}", markup=False)


def _render_plan(console: Console, plan: CasePlan) -> None:
    render.table(console, f"plan: {len(plan.cases)} case(s)",
                 ["action", "key", "playbook", "asset", "severity", "findings", "title"],
                 ([c.action, c.key, c.playbook.id, c.asset.id if c.asset else "-", c.severity,
                   len(c.findings), c.title] for c in plan.cases), empty="no new findings to put in cases")
    if plan.unmatched:
        render.table(console, f"{len(plan.unmatched)} finding(s) no playbook takes (they stay new)",
                     ["fingerprint", "kind", "asset", "title"],
                     ([f.fingerprint[:12], f.kind, f.asset_id or "-", f.title] for f in plan.unmatched))


@cases_app.command("open")
def open_cmd(ctx: typer.Context,
             dry_run: Annotated[bool, typer.Option(
                 "--dry-run", help="Only show which findings would go to which case.")] = False,
             no_sync: Annotated[bool, typer.Option(
                 "--no-sync", help="Queue writes to TheHive without sending them now.")] = False) -> None:
    """Put new findings in cases per the playbooks (new cases, or join open ones)."""
    app = get(ctx)
    if dry_run:
        plan = plan_cases(app.store, app.config)
        app.emit(plan.to_dict(), lambda console: _render_plan(console, plan))
        return
    result = open_cases(app.store, app.config)
    sync = None if no_sync or result.backend == "local" else _sync(app, pull=False)
    doc: dict[str, Any] = {**result.to_dict(), "sync": sync.to_dict() if sync else None}

    def show(console: Console) -> None:
        console.print(f"created {len(result.created)} case(s), joined {len(result.joined)}, "
                      f"{result.findings} finding(s) placed, {result.unmatched} unmatched")
        for key in result.created:
            console.print(f"  new: {key}")
        if sync:
            _sync_line(console, sync)

    app.emit(doc, show)
    if sync:
        _exit_for(app, sync)


@cases_app.command("list")
def list_cmd(
    ctx: typer.Context,
    stage: Annotated[str, typer.Option("--stage", help="open or closed.")] = "",
    playbook: Annotated[str, typer.Option("--playbook", help="Playbook id.")] = "",
    asset: Annotated[str, typer.Option("--asset", help="Asset id.")] = "",
    severity: Annotated[str, typer.Option("--severity", help="Exact severity.")] = "",
    problems: Annotated[bool, typer.Option(
        "--problems", help="Only cases whose writes to the backend failed or are retrying.")] = False,
) -> None:
    """List cases, newest first (with --problems: what failed to reach the backend and why)."""
    app = get(ctx)
    found = records.list_cases(app.store.conn, records.CaseFilter(stage, playbook, asset, severity, problems))
    issues = {c.key: [i.to_dict() for i in outbox_items(app.store.conn, c.key)
                      if i.status == "failed" or (i.status == "pending" and i.last_error)]
              for c in found} if problems else {}
    items = [{**c.to_dict(), "problems": issues.get(c.key, [])} for c in found]
    for item in items:
        item.pop("description", None)
    zone = app.config.timezone

    def show(console: Console) -> None:
        render.table(console, f"{len(found)} cases",
                     ["key", "severity", "status", "backend", "asset", "opened", "title"],
                     ([c.key, c.severity, c.status, f"{c.backend} {c.backend_id or '(pending)'}"
                       + (" alert" if c.remote_kind == "alert" else ""),
                       c.asset_id or "-", local(c.created_at, zone), c.title] for c in found),
                     empty="no cases match")
        for key, rows in issues.items():
            for row in rows:
                console.print(f"  {key}: {row['op']} {row['status']} after {row['attempts']} "
                              f"attempt(s): {row['last_error']}", markup=False)

    app.emit({"items": items, "count": len(items)}, show)


@cases_app.command("show")
def show_cmd(ctx: typer.Context,
             key: Annotated[str, typer.Argument(help="Case key (see `csirt cases list`).")]) -> None:
    """Show a case: tasks, observables, findings, events and backend link."""
    app = get(ctx)
    conn = app.store.conn
    case = records.get_case(conn, key)
    tasks = records.tasks_of(conn, key)
    observables = records.observables_of(conn, key)
    findings = [get_finding(conn, fp) for fp in records.finding_fingerprints(conn, key)]
    events = list_events(conn, key)
    pending = [i.to_dict() for i in outbox_items(conn, key) if i.status != "done"]
    doc = {**case.to_dict(), "tasks": [t.__dict__ for t in tasks],
           "observables": [o.__dict__ for o in observables],
           "findings": [{"fingerprint": f.fingerprint, "kind": f.kind, "severity": f.severity,
                         "title": f.title, "status": f.status} for f in findings],
           "events": [e.to_dict() for e in events], "outbox": pending}
    zone = app.config.timezone

    def show(console: Console) -> None:
        render.key_values(console, f"case {case.key}", [
            ("title", case.title), ("judul", case.title_id), ("playbook", case.playbook),
            ("asset", case.asset_id or "-"), ("severity", case.severity),
            ("tlp / pap", f"{case.tlp} / {case.pap}"), ("status", f"{case.status} ({case.stage})"),
            ("backend", f"{case.backend} {case.backend_id or '(not yet sent)'}"
                        + (f" ({case.remote_kind})" if case.backend != "local" else "")),
            ("alert", case.alert_id or "-"),
            ("link", case.backend_url or "-"), ("previous case", case.previous_key or "-"),
            ("opened", local(case.created_at, zone)), ("closed", local(case.closed_at or "", zone)),
            ("summary", case.summary or "-")])
        render.table(console, "tasks", ["group", "title", "status"],
                     ([t.group, t.title, t.status] for t in tasks), empty="no tasks")
        render.table(console, "observables", ["type", "value", "ioc", "tlp"],
                     ([o.data_type, o.data, "yes" if o.ioc else "", o.tlp] for o in observables),
                     empty="no observables")
        render.table(console, "findings", ["fingerprint", "severity", "status", "title"],
                     ([f.fingerprint[:12], f.severity, f.status, f.title] for f in findings))
        render.table(console, "events", ["at", "kind", "text"],
                     ([local(e.at, zone), e.kind, e.text] for e in events))
        if pending:
            render.table(console, "waiting for the backend", ["op", "status", "attempts", "error"],
                         ([p["op"], p["status"], p["attempts"], p["last_error"] or ""] for p in pending))

    app.emit(doc, show)


@cases_app.command("sync")
def sync_cmd(ctx: typer.Context,
             retry: Annotated[bool, typer.Option(
                 "--retry-failed", help="Queue failed writes again (after fixing the cause).")] = False,
             no_pull: Annotated[bool, typer.Option(
                 "--no-pull", help="Only send; do not read status changes back.")] = False) -> None:
    """Send queued writes to the case backend and pull status changes made there."""
    app = get(ctx)
    if retry:
        with app.store.write() as conn:
            again = retry_failed(conn, iso())
        app.info(f"{again} failed write(s) queued again")
    result = _sync(app, pull=not no_pull)
    app.emit(result.to_dict(), lambda console: _sync_line(console, result))
    _exit_for(app, result)


@cases_app.command("close")
def close_cmd(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Case key.")],
    status: Annotated[str, typer.Option("--status", help="TruePositive, FalsePositive, Indeterminate, "
                                        "Other or Duplicated.")],
    summary: Annotated[str, typer.Option("--summary", help="What happened and what was done.")],
    impact: Annotated[str, typer.Option("--impact", help="NotApplicable, WithImpact or NoImpact.")]
    = "NotApplicable",
) -> None:
    """Close a case; its findings become resolved (a rescan that sees them again opens a new case)."""
    app = get(ctx)
    case = close_case(app.store, key, status, summary, impact)
    result = _sync(app, pull=False)
    app.emit({**case.to_dict(), "sync": result.to_dict()},
             lambda console: console.print(f"closed {case.key} as {case.status}"
                                           + ("" if case.backend == "local" else
                                              f"; {result.backend}: {result.queued} write(s) queued")))
    _exit_for(app, result)


@cases_app.command("note")
def note_cmd(ctx: typer.Context,
             key: Annotated[str, typer.Argument(help="Case key.")],
             text: Annotated[str, typer.Argument(help="The note.")]) -> None:
    """Add an analyst note to a case (a comment in TheHive)."""
    app = get(ctx)
    event_id = add_note(app.store, key, text, getpass.getuser())
    result = _sync(app, pull=False)
    app.emit({"case_key": key, "event_id": event_id, "sync": result.to_dict()},
             lambda console: console.print(f"note added to {key}"))
    _exit_for(app, result)


def register(app: typer.Typer) -> None:
    """Add the cases group to the main app."""
    app.add_typer(cases_app, name="cases")
