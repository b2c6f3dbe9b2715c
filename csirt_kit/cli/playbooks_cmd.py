"""`csirt playbooks list|show|check|export|push`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from csirt_kit.cli import render
from csirt_kit.cli.context import get
from csirt_kit.errors import InputError, NotFoundError
from csirt_kit.playbooks.loader import check_paths, configured_paths, load_playbooks
from csirt_kit.playbooks.match import ranked
from csirt_kit.playbooks.model import Playbook

if TYPE_CHECKING:  # the TheHive client loads only when push runs
    from csirt_kit.cases.template_push import PushResult

playbooks_app = typer.Typer(help="List, show and check the playbooks that turn findings into cases; "
                                 "export or push them to TheHive as case templates.",
                            no_args_is_help=True)


def _match_text(pb: Playbook) -> str:
    alts = []
    for m in pb.match:
        parts = [", ".join(m.kinds)] if m.kinds else []
        if m.tags_any:
            parts.append("tags " + "|".join(m.tags_any))
        if m.rules_any:
            parts.append("rules " + "|".join(m.rules_any))
        if m.min_severity:
            parts.append(f">= {m.min_severity}")
        alts.append(" ".join(parts))
    return " or ".join(alts)


@playbooks_app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    """List the playbooks in effect, in the order they are tried."""
    app = get(ctx)
    books = ranked(load_playbooks(app.config))
    app.emit({"items": [p.to_dict() for p in books], "count": len(books)},
             lambda console: render.table(
                 console, f"{len(books)} playbooks (tried in this order)",
                 ["id", "priority", "matches", "severity", "group by", "tasks", "title"],
                 ([p.id, p.priority, _match_text(p), p.severity, p.group_by, len(p.tasks), p.title]
                  for p in books), empty="no playbooks"))


def _show(console: Console, pb: Playbook) -> None:
    render.key_values(console, f"playbook {pb.id}", [
        ("title", pb.title), ("title (id)", pb.title_id), ("description", pb.description),
        ("description (id)", pb.description_id), ("matches", _match_text(pb)),
        ("severity floor", pb.severity), ("tlp / pap", f"{pb.tlp} / {pb.pap}"),
        ("group by", pb.group_by), ("priority", pb.priority), ("tags", list(pb.tags)),
        ("file", pb.source)])
    render.table(console, "tasks", ["group", "title", "title (id)"],
                 ([t.group, t.title, t.title_id] for t in pb.tasks), empty="no tasks")


@playbooks_app.command("show")
def show_cmd(ctx: typer.Context,
             playbook_id: Annotated[str, typer.Argument(help="Playbook id.", metavar="ID")]) -> None:
    """Show one playbook: match, severity, texts (English and Indonesian) and tasks."""
    app = get(ctx)
    books = {p.id: p for p in load_playbooks(app.config)}
    if playbook_id not in books:
        raise NotFoundError(f"no playbook {playbook_id!r}",
                            fix=f"known playbooks: {', '.join(sorted(books))}")
    pb = books[playbook_id]
    app.emit(pb.to_dict(), lambda console: _show(console, pb))


@playbooks_app.command("check")
def check_cmd(ctx: typer.Context,
              paths: Annotated[list[Path] | None, typer.Argument(
                  help="Playbook files or folders (default: bundled and configured ones).")] = None,
              ) -> None:
    """Validate playbooks; problems name the file, line and key path (exit 2)."""
    app = get(ctx)
    targets = list(paths) if paths else configured_paths(app.config)
    for target in targets:
        if not target.exists():
            raise InputError("no such file or folder", where=str(target))
    result = check_paths(targets)
    if result.problems:
        raise InputError(f"{len(result.problems)} problem(s) in {result.files} playbook file(s)",
                         problems=result.problems, fix="correct each line above")
    app.emit({"files": result.files, "playbooks": [p.id for p in result.playbooks], "problems": []},
             lambda console: console.print(
                 f"{result.files} file(s), {len(result.playbooks)} playbook(s): all valid"))


_LANG_HELP = "Template texts: en or id (default: general.lang)."


@playbooks_app.command("export")
def export_cmd(ctx: typer.Context,
               thehive: Annotated[str, typer.Option(
                   "--thehive", metavar="FILE",
                   help="Write TheHive 5 case templates: a JSON list to FILE, or one <name>.json "
                        "per template when FILE is a folder (exists or ends with /).")],
               lang: Annotated[str, typer.Option("--lang", help=_LANG_HELP)] = "",
               ) -> None:
    """Write one TheHive case template per playbook, ready to import by hand or by API."""
    from csirt_kit.cases.template_build import build_templates, export_templates, pick_lang

    app = get(ctx)
    chosen = pick_lang(app.config, lang)
    templates = build_templates(ranked(load_playbooks(app.config)), app.config, chosen)
    written = export_templates(templates, thehive)
    doc = {"templates": [t["name"] for t in templates], "files": [str(p) for p in written],
           "lang": chosen}
    one_file = written == [Path(thehive).expanduser()]
    dest = thehive if one_file else f"{thehive} (one <name>.json per template)"
    app.emit(doc, lambda console: console.print(
        f"{len(templates)} case template(s) ({chosen}) written to {dest}", markup=False))


def _push_text(console: Console, result: PushResult) -> None:
    verb = "would be " if result.dry_run else ""
    for label, names in (("created", result.created), ("updated", result.updated)):
        for name in names:
            extra = f" ({', '.join(result.changes[name])})" if name in result.changes else ""
            console.print(f"{verb}{label}: {name}{extra}", markup=False)
    console.print(f"{len(result.created)} {verb}created, {len(result.updated)} {verb}updated, "
                  f"{len(result.unchanged)} unchanged", markup=False)


@playbooks_app.command("push")
def push_cmd(ctx: typer.Context,
             lang: Annotated[str, typer.Option("--lang", help=_LANG_HELP)] = "",
             dry_run: Annotated[bool, typer.Option(
                 "--dry-run", help="Read TheHive and show what would change; write nothing.")] = False,
             ) -> None:
    """Create or update the playbooks' case templates in TheHive ([cases.thehive]); idempotent."""
    from csirt_kit.cases.template_build import pick_lang
    from csirt_kit.cases.template_push import push_templates

    app = get(ctx)
    chosen = pick_lang(app.config, lang)
    result = push_templates(app.config, ranked(load_playbooks(app.config)), chosen, dry_run=dry_run)
    kf = result.key_field
    if kf is not None and kf.exists is False:
        app.warn(f"custom field {kf.name!r} is not defined in TheHive: templates carry no key field "
                 "until an administrator creates it (see `csirt doctor`)")
    for name in result.stale:
        app.warn(f"template {name} is on the server but no playbook makes it (left as is)")
    for name, fields in result.unsettled.items():
        app.warn(f"template {name}: after the write the server still differs in {', '.join(fields)}; "
                 "the next push will write it again")
    app.emit(result.to_dict(), lambda console: _push_text(console, result))


def register(app: typer.Typer) -> None:
    """Add the playbooks group to the main app."""
    app.add_typer(playbooks_app, name="playbooks")
