"""`csirt doctor`: config, store, rules, playbooks, servers; exit 0 only when all pass."""

from __future__ import annotations

import typer
from rich.text import Text

from csirt_kit.cli.context import get
from csirt_kit.cli.exit_codes import ExitCode
from csirt_kit.doctor import run_checks

_STYLE = {"ok": "green", "warn": "yellow", "fail": "red"}


def doctor_cmd(ctx: typer.Context) -> None:
    """Check config, store, rules, playbooks, MISP and TheHive reachability and auth."""
    app = get(ctx)
    checks = run_checks(app.config)
    failed = [c for c in checks if c.status == "fail"]
    doc = {"items": [c.to_dict() for c in checks], "count": len(checks), "ok": not failed}

    def show(console: object) -> None:
        for c in checks:
            d = c.to_dict()
            app.out.print(Text.assemble((f"{c.status:4s} ", _STYLE[c.status]), f"{c.name}: ",
                                        d["detail"]))

    app.emit(doc, show)
    if failed:
        raise typer.Exit(int(ExitCode.BAD_INPUT))


def register(app: typer.Typer) -> None:
    """Add `doctor` to the main app."""
    app.command("doctor")(doctor_cmd)
