"""`csirt notify send|list|test|channels`."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer
from rich.console import Console

from csirt_kit.cli import render
from csirt_kit.cli.context import get
from csirt_kit.cli.exit_codes import ExitCode
from csirt_kit.errors import UsageError
from csirt_kit.notify import queue
from csirt_kit.notify.channels import LANGS, load_channels
from csirt_kit.notify.dispatch import NotifyResult, drain, enqueue_new, retry_failed, send_probe
from csirt_kit.timeutil import local

notify_app = typer.Typer(help="Tell the team about new cases: Telegram, e-mail, webhooks, Slack.",
                         no_args_is_help=True)

LangOption = Annotated[str | None, typer.Option(
    "--lang", help="Message language: id (Indonesian) or en (default: the channel's lang).")]


def _check_lang(lang: str | None) -> None:
    if lang is not None and lang not in LANGS:
        raise UsageError(f"--lang: unknown language {lang!r}", fix="use id or en")


def _result_line(console: Console, result: NotifyResult) -> None:
    console.print(f"notify: queued {result.enqueued} new, sent {result.sent}, failed {result.failed},"
                  f" still queued {result.queued}" + (" (another sender was busy)" if result.busy else ""))
    for error in result.errors[:10]:
        console.print(f"  problem: {error}", markup=False)


@notify_app.command("send")
def send_cmd(ctx: typer.Context, lang: LangOption = None,
             retry: Annotated[bool, typer.Option(
                 "--retry-failed", help="Put failed messages back in the queue first.")] = False,
             no_new: Annotated[bool, typer.Option(
                 "--queued-only", help="Only send what is queued; queue nothing new.")] = False) -> None:
    """Queue messages for new cases, then send everything queued."""
    app = get(ctx)
    _check_lang(lang)
    channels = load_channels(app.config)
    if retry:
        app.info(f"{retry_failed(app.store)} failed message(s) back in the queue")
    enqueued = 0 if no_new else enqueue_new(app.store, app.config, channels=channels)
    result = replace(drain(app.store, app.config, lang=lang, channels=channels), enqueued=enqueued)
    app.emit(result.to_dict(), lambda console: _result_line(console, result))
    if result.failed or result.misconfigured:
        app.warn("some messages were refused or a channel is misconfigured; see `csirt notify list"
                 " --problems`")
        raise typer.Exit(int(ExitCode.BAD_INPUT))
    if result.unreachable:
        app.warn(f"a receiver was unreachable: {result.queued} message(s) stay queued for the next run")
        raise typer.Exit(int(ExitCode.PARTIAL))


@notify_app.command("list")
def list_cmd(ctx: typer.Context,
             problems: Annotated[bool, typer.Option(
                 "--problems", help="Only failed messages and queued ones whose last try failed.")] = False,
             status: Annotated[str, typer.Option(
                 "--status", help="Only this status: pending, sent or failed.")] = "",
             channel: Annotated[str, typer.Option("--channel", help="Only this channel.")] = "") -> None:
    """The notification queue, newest first."""
    app = get(ctx)
    if status and status not in queue.STATUSES:
        raise UsageError(f"--status: unknown status {status!r}", fix="use pending, sent or failed")
    found = queue.items(app.store.conn, status=status, problems=problems, channel=channel)
    tz = app.config.timezone

    def _render(console: Console) -> None:
        render.table(console, f"{len(found)} notification(s)",
                     ["id", "channel", "kind", "case", "status", "tries", "queued", "sent", "last error"],
                     ([i.id, i.channel, i.kind, i.case_key, i.status, i.attempts,
                       local(i.created_at, tz), local(i.sent_at or "", tz), i.last_error or ""]
                      for i in found),
                     empty="no problems" if problems else "nothing queued or sent yet")

    app.emit({"items": [i.to_dict() for i in found], "count": len(found)}, _render)


@notify_app.command("test")
def test_cmd(ctx: typer.Context,
             channel: Annotated[str, typer.Argument(help="The channel name from [[notify.channels]].")],
             lang: LangOption = None) -> None:
    """Send one test message to a channel now (not queued)."""
    app = get(ctx)
    _check_lang(lang)
    sent = send_probe(app.config, channel, lang)
    doc = {"channel": sent.name, "type": sent.type, "sent": True}
    app.emit(doc, lambda console: console.print(f"test message sent to {sent.name} ({sent.type})",
                                                markup=False))


@notify_app.command("channels")
def channels_cmd(ctx: typer.Context) -> None:
    """The configured channels and their filters (secrets shown as variable names only)."""
    app = get(ctx)
    channels = load_channels(app.config)
    render_rows = ([c.name, c.type, "yes" if c.enabled else "no", c.lang, c.min_severity,
                    ", ".join(c.playbooks) or "all", "daily digest" if c.digest else "per case"]
                   for c in channels)
    app.emit({"items": [c.to_dict() for c in channels], "count": len(channels)},
             lambda console: render.table(
                 console, f"{len(channels)} channel(s)",
                 ["name", "type", "enabled", "lang", "min severity", "playbooks", "messages"],
                 render_rows, empty="no [[notify.channels]] configured"))


def register(app: typer.Typer) -> None:
    """Add the notify group."""
    app.add_typer(notify_app, name="notify")
