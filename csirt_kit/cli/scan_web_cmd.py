"""`csirt scan web`: the city's web apps over HTTP, as each configured identity (browser, crawler...)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csirt_kit.cli.context import get
from csirt_kit.cli.scan_cmd import (
    CLUSTER_HELP,
    FAIL_ON_HELP,
    check_fail_on,
    cluster_client,
    finish_scan,
    load_scan_rules,
    on_cluster,
    scan_app,
)

if TYPE_CHECKING:
    from csirt_kit.scan.web.scanner import WebRules


def scan_web_command(
    ctx: typer.Context,
    targets: Annotated[list[str] | None, typer.Argument(
        help="URLs or host names (inventory hosts only); default: every URL of active assets.",
        show_default=False)] = None,
    allow_host: Annotated[list[str] | None, typer.Option(
        "--allow-host", help="Also treat this host as in scope (repeatable).")] = None,
    rules: Annotated[list[Path] | None, typer.Option(
        "--rules", help="Extra YARA rule file or folder (repeatable).")] = None,
    no_rules: Annotated[bool, typer.Option(
        "--no-rules", help="No YARA: only redirects, cloaking, judol heuristics and defacement.")] = False,
    fail_on: Annotated[str, typer.Option("--fail-on", help=FAIL_ON_HELP)] = "",
    cluster: Annotated[str | None, typer.Option("--cluster", help=CLUSTER_HELP,
                                                metavar="ADDRESS")] = None,
) -> None:
    """Fetch web pages as four identities (browser, from Google, Googlebot, mobile from Google).

    YARA on the browser copy; cloaking, conditional redirects and judol heuristics (fancy
    letters, hidden links, gambling links, injected titles) on every copy; defacement.
    """
    from csirt_kit.scan.web.scanner import scan_web

    app = get(ctx)
    check_fail_on(fail_on)
    ruleset: WebRules | None = None
    if not no_rules:
        ruleset = load_scan_rules(app, rules or (), ("web",))
    with cluster_client(app, cluster) as client, app.progress("web") as progress:
        if client is not None:
            from csirt_kit.cluster.web import cluster_scan_web

            report = on_cluster(app, lambda: cluster_scan_web(
                client, app.store, app.config, ruleset, targets=targets or None,  # type: ignore[arg-type]
                progress=progress, allow_hosts=allow_host or ()))
        else:
            report = scan_web(app.store, app.config, ruleset, targets=targets or None,
                              progress=progress, allow_hosts=allow_host or ())
    finish_scan(app, report, fail_on)


def register(app: typer.Typer) -> None:
    """Add `web` to the scan group."""
    scan_app.command("web")(scan_web_command)
