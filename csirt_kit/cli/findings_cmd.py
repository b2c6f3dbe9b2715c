"""`csirt findings list|show|suppress|export`."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from csirt_kit.cli import render
from csirt_kit.cli.context import get
from csirt_kit.findings import FindingFilter, get_finding, list_findings, suppress_finding
from csirt_kit.timeutil import iso

findings_app = typer.Typer(help="Browse and triage findings.", no_args_is_help=True)


@findings_app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(
        "--status", help="new, in_case, suppressed or resolved.")] = "",
    severity: Annotated[str, typer.Option("--severity", help="Minimum severity.")] = "",
    kind: Annotated[str, typer.Option("--kind", help="Kind or kind prefix, e.g. yara or web.")] = "",
    owner: Annotated[str, typer.Option("--owner", help="Owner department of the asset.")] = "",
    asset: Annotated[str, typer.Option("--asset", help="Asset id.")] = "",
    since: Annotated[str, typer.Option("--since", help="Last seen at or after (ISO time).")] = "",
    case: Annotated[str, typer.Option("--case", help="Case key.")] = "",
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).")] = 0,
) -> None:
    """List findings, most severe first."""
    app = get(ctx)
    found = list_findings(app.store.conn, FindingFilter(status, severity, kind, owner, asset,
                                                        since, case, limit))
    app.emit({"items": [f.to_dict() for f in found], "count": len(found)},
             lambda console: render.findings_table(console, found))


@findings_app.command("show")
def show_cmd(ctx: typer.Context,
             fp: Annotated[str, typer.Argument(help="Fingerprint or a prefix of it.",
                                               metavar="FP")]) -> None:
    """Show one finding with its full evidence and the evidence files captured for it."""
    from csirt_kit.evidence.records import evidence_of

    app = get(ctx)
    finding = get_finding(app.store.conn, fp)
    captured = evidence_of(app.store.conn, finding.fingerprint)
    doc = {**finding.to_dict(), "captured": [c.to_dict() for c in captured]}
    app.emit(doc, lambda console: render.key_values(
        console, f"finding {finding.fingerprint}",
        [(k, v) for k, v in doc.items() if k not in ("evidence", "captured")]
        + [(f"evidence.{k}", v) for k, v in finding.evidence.items()]
        + [(f"captured.{c.role}", f"{c.name} sha256 {c.sha256 or '-'} {c.size} bytes"
            + (f" ({c.note})" if c.note else "")) for c in captured]
        + ([("export", f"csirt findings export {finding.fingerprint[:12]}")] if captured else [])))


@findings_app.command("suppress")
def suppress_cmd(
    ctx: typer.Context,
    fp: Annotated[str, typer.Argument(help="Fingerprint or a prefix of it.", metavar="FP")],
    reason: Annotated[str, typer.Option("--reason", help="Why this is not a problem.")],
    any_content: Annotated[bool, typer.Option(
        "--any-content", help="Stay quiet even if the file's content changes.")] = False,
) -> None:
    """Suppress a finding: it stays quiet on rescans (while its content is unchanged)."""
    app = get(ctx)
    with app.store.write() as conn:
        finding = suppress_finding(conn, fp, reason, getpass.getuser(), iso(),
                                   bind_to_content=not any_content)
    app.emit(finding.to_dict(), lambda console: console.print(
        f"suppressed {finding.fingerprint[:12]} ({finding.title}) by {finding.suppressed_by}: "
        f"{reason}"))


@findings_app.command("export")
def export_cmd(
    ctx: typer.Context,
    fps: Annotated[list[str] | None, typer.Argument(
        help="Fingerprints or prefixes of them.", metavar="FP...")] = None,
    case: Annotated[str, typer.Option("--case", help="Every finding of this case.")] = "",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Bundle file (default: evidence-<sha256>.zip|.tar.gz here).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="zip or tar.gz.")] = "zip",
) -> None:
    """Write an evidence bundle (manifest, evidence JSON, captured files) of findings or a case."""
    from csirt_kit.errors import UsageError
    from csirt_kit.evidence.bundle import build_bundle, case_fingerprints, write_bundle

    app = get(ctx)
    wanted = list(fps or [])
    if case:
        wanted += case_fingerprints(app.store, case)
    if not wanted:
        raise UsageError("nothing to export", fix="give fingerprints or --case KEY")
    bundle = (write_bundle(app.store, wanted, out, fmt) if out is not None
              else build_bundle(app.store, wanted, Path.cwd(), fmt))
    if bundle.missing:
        app.warn(f"{bundle.missing} captured file(s) are missing from the store folder;"
                 " the manifest lists them as missing")
    app.emit(bundle.to_dict(), lambda console: console.print(
        f"wrote {bundle.path}: {bundle.findings} finding(s), {bundle.files} files,"
        f" {bundle.size} bytes, sha256 {bundle.sha256}"))


@findings_app.command("prune-evidence")
def prune_evidence_cmd(
    ctx: typer.Context,
    older_than: Annotated[int, typer.Option(
        "--older-than", help="Days since a resolved or suppressed finding was last seen.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
) -> None:
    """Delete captured evidence of findings resolved or suppressed long ago (open ones keep it)."""
    from csirt_kit.evidence.prune import prune_evidence

    app = get(ctx)
    result = prune_evidence(app.store, older_than, dry_run=dry_run)
    app.emit(result.to_dict(), lambda console: console.print(
        f"{'would remove' if dry_run else 'removed'} the evidence of {result.findings}"
        f" finding(s): {result.rows} row(s), {result.blobs} blob(s), {result.bytes} bytes"))


def register(app: typer.Typer) -> None:
    """Add the findings group to the main app."""
    app.add_typer(findings_app, name="findings")
