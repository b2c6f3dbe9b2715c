"""The typer application: global options and the registry of command groups."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Annotated

import typer

from csirt_kit import __version__
from csirt_kit.cli.context import AppContext, setup_logging

app = typer.Typer(
    name="csirt",
    help="Incident-response toolkit for a city CSIRT: assets, threat intel, YARA scans of "
    "web apps, webroots and logs, cases in TheHive or locally, and case timelines.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Each module csirt_kit/cli/<name>.py defines register(app). Order is the help order.
COMMAND_MODULES = [
    "init_cmd",
    "demo_cmd",
    "assets_cmd",
    "findings_cmd",
    "intel_cmd",
    "scan_cmd",
    "scan_logs_cmd",
    "scan_web_cmd",
    "scan_files_cmd",
    "rules_cmd",
    "timeline_cmd",
    "playbooks_cmd",
    "cases_cmd",
    "run_cmd",
    "doctor_cmd",
    "report_cmd",
    "cms_cmd",
    "cluster_cmd",
    "notify_cmd",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"csirt-kit {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[str | None, typer.Option(
        "--config", "-c", help="Config file (else $CSIRT_KIT_CONFIG, else the user config dir).",
        metavar="FILE")] = None,
    json_out: Annotated[bool, typer.Option(
        "--json", help="Print exactly one JSON document on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")] = False,
    verbose: Annotated[int, typer.Option(
        "--verbose", "-v", count=True, help="More logging on stderr (-vv for debug).")] = 0,
    log_format: Annotated[str, typer.Option(
        "--log-format", help="Log lines as text or json (for log collectors).")] = "text",
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Incident-response toolkit for a city CSIRT."""
    if log_format not in ("text", "json"):
        raise typer.BadParameter("use text or json", param_hint="--log-format")
    setup_logging(verbose, quiet, log_format)
    ctx.obj = AppContext(config_path=config, json=json_out, quiet=quiet, verbose=verbose)
    ctx.call_on_close(ctx.obj.close)


_GLOBAL_VALUE_OPTIONS = ("--config", "-c", "--log-format")
_registered: set[str] = set()


def group_of(module: str) -> str:
    """The top-level command a module registers: ``scan_logs_cmd`` adds to ``scan``."""
    return module.removesuffix("_cmd").split("_")[0]


def command_in(args: Sequence[str]) -> str | None:
    """The top-level command named in args (None for bare help, version or no command)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _GLOBAL_VALUE_OPTIONS:
            skip = True
        elif arg in ("-h", "--help", "--version"):
            return None
        elif not arg.startswith("-"):
            return arg
    return None


def register(args: Sequence[str] | None = None) -> typer.Typer:
    """Register the command modules args need (all without args) and return the app.

    Importing every command group's libraries costs most of a second; cron runs one
    command, so only its modules are imported. Help, and unknown names (so that typer
    can suggest the right one), register everything.
    """
    wanted = command_in(args) if args is not None else None
    names = [m for m in COMMAND_MODULES if wanted is None or group_of(m) == wanted]
    for name in names or COMMAND_MODULES:
        if name not in _registered:
            importlib.import_module(f"csirt_kit.cli.{name}").register(app)
            _registered.add(name)
    return app
