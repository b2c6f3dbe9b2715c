"""`csirt rules list|check`: what the YARA rules hold, and whether they compile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from csirt_kit.cli import render
from csirt_kit.cli.context import get
from csirt_kit.cli.exit_codes import ExitCode
from csirt_kit.errors import UsageError
from csirt_kit.scan.rules import SCOPES, RuleHit, RuleSet, load_rules

rules_app = typer.Typer(help="List and check the YARA rules (bundled and configured).",
                        no_args_is_help=True)


def _scopes(scope: str) -> tuple[str, ...]:
    if not scope:
        return SCOPES
    if scope not in SCOPES:
        raise UsageError(f"--scope: unknown scope {scope!r}", fix=f"use one of: {', '.join(SCOPES)}")
    return (scope,)


def _rule_doc(namespace: str, rule: str, tags: tuple[str, ...], meta: dict[str, Any]) -> dict[str, Any]:
    hit = RuleHit(namespace, rule, tags, meta)
    return {"rule": rule, "tags": list(hit.labels), "category": hit.category,
            "severity": hit.severity, "description": hit.title}


def rules_document(rs: RuleSet) -> dict[str, Any]:
    """The `rules list --json` document."""
    items = [{"namespace": n.namespace, "path": n.path, "count": len(n.rules),
              "rules": [_rule_doc(n.namespace, r.rule, r.tags, r.meta) for r in n.rules]}
             for n in rs.namespaces]
    return {"items": items, "count": len(items), "rules": rs.rule_count,
            "rules_hash": rs.rules_hash, "problems": [_problem(p) for p in rs.problems]}


def _problem(p: Any) -> dict[str, Any]:
    return {"path": p.path, "line": p.line, "message": p.message, "level": p.level,
            "text": str(p)}


@rules_app.command("list")
def list_cmd(
    ctx: typer.Context,
    scope: Annotated[str, typer.Option("--scope", help="Only web, files or logs.")] = "",
) -> None:
    """Show rule namespaces (one per file), rule counts, tags and severities."""
    app = get(ctx)
    rs = load_rules(app.config, scopes=_scopes(scope))
    for p in rs.errors:
        app.warn(f"{p} (file not loaded; see `csirt rules check`)")
    doc = rules_document(rs)

    def show(console: Console) -> None:
        render.table(console, f"{len(rs.namespaces)} rule files, {rs.rule_count} rules",
                     ["namespace", "rules", "tags", "severities"],
                     ([n["namespace"], n["count"],
                       ", ".join(sorted({t for r in n["rules"] for t in r["tags"]})),
                       ", ".join(sorted({r["severity"] for r in n["rules"]}))]
                      for n in doc["items"]), empty="no rules")

    app.emit(doc, show)


@rules_app.command("check")
def check_cmd(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Rule files or folders to check (default: bundled and configured rules).",
        metavar="[PATH]...")] = None,
) -> None:
    """Compile rules; list each problem as file:line: message (exit 2 when a file fails)."""
    app = get(ctx)
    rs = load_rules(app.config, extra=paths or (), include_bundled=not paths, use_cache=False)
    doc = {"ok": not rs.errors, "files": len(rs.namespaces) + len(rs.errors),
           "loaded": len(rs.namespaces), "rules": rs.rule_count,
           "errors": [_problem(p) for p in rs.errors],
           "warnings": [_problem(p) for p in rs.warnings]}

    def show(console: Console) -> None:
        for p in rs.errors:
            console.print(f"{p}", markup=False, highlight=False)
        for p in rs.warnings:
            console.print(f"{p} (warning)", markup=False, highlight=False)
        verdict = "ok" if not rs.errors else f"{len(rs.errors)} files failed to compile"
        console.print(f"{doc['loaded']} rule files loaded, {rs.rule_count} rules, "
                      f"{len(rs.warnings)} warnings: {verdict}", markup=False)

    app.emit(doc, show)
    if rs.errors:
        raise typer.Exit(int(ExitCode.BAD_INPUT))


def register(app: typer.Typer) -> None:
    """Add the rules group to the main app."""
    app.add_typer(rules_app, name="rules")
