"""Push case templates to TheHive: create what is missing, PATCH what differs, leave the rest.

Idempotence comes from comparing field by field (template_build.differences) with what
the server holds, not from a content hash: a hash kept in tags or the description would
be copied into every case made from the template, and it would miss edits an analyst
made in TheHive's UI, which a field comparison puts back. Every write is sent once
(``max_retries=0``, a timeout); after a failure the next push reads the server again,
so a template stored before a 500 is found and compared, never created twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.cases.backend import BadAnswer, Refused, Unavailable
from csirt_kit.cases.template_build import build_templates, differences
from csirt_kit.cases.templates import TEMPLATE_PREFIX, key_field
from csirt_kit.cases.thehive import TheHiveBackend
from csirt_kit.config import Config
from csirt_kit.errors import AuthError, ServerError
from csirt_kit.playbooks.model import Playbook

STATUS_PATH = "/api/v1/status"


def _filter(op: str, field_name: str, value: str) -> dict[str, Any]:
    """A query filter as thehive4py's filter classes serialise it (API-CONTRACTS 1.7).

    Written as plain JSON so that only cases/thehive*.py import the SDK (tests/foundation/test_layering.py).
    """
    return {op: {"_field": field_name, "_value": value}}


@dataclass(frozen=True)
class KeyField:
    """Whether the key custom field is defined on the server (None: could not be read)."""

    name: str
    exists: bool | None
    type: str = ""
    note: str = ""


@dataclass(frozen=True)
class TemplateState:
    """One template we want, the server's copy (if any) and the fields that differ."""

    ours: dict[str, Any]
    theirs: dict[str, Any] | None
    diff: tuple[str, ...]

    @property
    def action(self) -> str:
        """create, update or unchanged."""
        return "create" if self.theirs is None else "update" if self.diff else "unchanged"


@dataclass(frozen=True)
class PushResult:
    """What a push did (or, with dry_run, would do)."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    changes: dict[str, list[str]] = field(default_factory=dict)
    stale: tuple[str, ...] = ()
    unsettled: dict[str, list[str]] = field(default_factory=dict)
    key_field: KeyField | None = None
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict for `playbooks push --json`."""
        kf = self.key_field
        return {"created": list(self.created), "updated": list(self.updated),
                "unchanged": list(self.unchanged), "changes": self.changes, "stale": list(self.stale),
                "unsettled": self.unsettled, "dry_run": self.dry_run,
                "key_field": {"name": kf.name, "exists": kf.exists, "type": kf.type} if kf else None}


def server_version(backend: TheHiveBackend) -> str:
    """TheHive's version from ``GET /api/v1/status`` (``versions.TheHive``)."""
    data = backend._call("read the status", backend.api.session.make_request, "GET", path=STATUS_PATH)
    versions = data.get("versions") if isinstance(data, dict) else None
    if not isinstance(versions, dict) or not versions.get("TheHive"):
        raise ServerError(f"read the status: no versions.TheHive in the answer {str(data)[:80]!r}",
                          where=backend.where, fix="check that the URL points to TheHive 5")
    return str(versions["TheHive"])


def key_field_state(backend: TheHiveBackend, config: Config) -> KeyField:
    """Look the key custom field up in the server's definitions (a read any user may do)."""
    name = key_field(config)
    try:
        found = backend._call("list custom fields", backend.api.custom_field.list)
    except AuthError as exc:  # some profiles may not read definitions: unknown, not absent
        return KeyField(name, None, note=exc.what)
    backend._expect("list custom fields", found, list)
    for definition in found:
        if isinstance(definition, dict) and definition.get("name") == name:
            return KeyField(name, True, str(definition.get("type") or ""))
    return KeyField(name, False)


def server_templates(backend: TheHiveBackend) -> dict[str, dict[str, Any]]:
    """The organisation's templates whose names carry our prefix, by name (oldest wins)."""
    found = backend._expect("list case templates", backend._call(
        "list case templates", backend.api.case_template.find,
        filters=_filter("_startsWith", "name", TEMPLATE_PREFIX)), list)
    out: dict[str, dict[str, Any]] = {}
    for item in sorted((t for t in found if isinstance(t, dict) and "_id" in t),
                       key=lambda t: t.get("_createdAt") or 0):
        out.setdefault(str(item.get("name")), item)
    return out


def template_states(config: Config, playbooks: Sequence[Playbook], lang: str, kf: KeyField,
                    theirs: dict[str, dict[str, Any]]) -> tuple[list[TemplateState], list[str]]:
    """Each wanted template against the server's (by name), and the prefixed ones no playbook makes."""
    # Without the field defined, the server refuses any template naming it (TheHive 4 getOrFail).
    ours = build_templates(playbooks, config, lang, with_key_field=kf.exists is not False)
    states = [TemplateState(t, theirs.get(t["name"]),
                            tuple(differences(t, theirs[t["name"]])) if t["name"] in theirs else ())
              for t in ours]
    wanted = {t["name"] for t in ours}
    return states, sorted(n for n in theirs if n not in wanted)


def _create(backend: TheHiveBackend, ours: dict[str, Any]) -> tuple[str, list[str]]:
    """POST once; a name the server already has (a race) is looked up and PATCHed instead."""
    name = str(ours["name"])
    try:
        data = backend._call(f"create case template {name}", backend.api.case_template.create, ours)
    except Refused as exc:
        if "already exist" not in exc.what.lower():
            raise
        action = f"find case template {name}"
        found = backend._expect(action, backend._call(
            action, backend.api.case_template.find, filters=_filter("_eq", "name", name)), list)
        if not found or not isinstance(found[0], dict) or "_id" not in found[0]:
            raise
        if not differences(ours, found[0]):
            return "unchanged", []
        return "updated", _update(backend, found[0], ours)
    data = backend._expect(f"create case template {name}", data, dict)
    return "created", differences(ours, data)


def _update(backend: TheHiveBackend, theirs: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """PATCH the whole template (tasks and fields replace the old lists), then read it back."""
    name, tid = str(ours["name"]), str(theirs["_id"])
    backend._call(f"update case template {name}", backend.api.case_template.update, tid, ours)
    after = backend._expect(f"read case template {name}", backend._call(
        f"read case template {name}", backend.api.case_template.get, tid), dict)
    return differences(ours, after)


def push_templates(config: Config, playbooks: Sequence[Playbook], lang: str,
                   dry_run: bool = False) -> PushResult:
    """Make the server's templates equal ours; with dry_run only read and report."""
    backend = TheHiveBackend(config)
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    unsettled: dict[str, list[str]] = {}
    try:
        kf = key_field_state(backend, config)
        states, stale = template_states(config, playbooks, lang, kf, server_templates(backend))
        changes = {str(s.ours["name"]): list(s.diff) for s in states if s.action == "update"}
        for state in states:
            name = str(state.ours["name"])
            if state.action == "unchanged" or dry_run:
                {"create": created, "update": updated, "unchanged": unchanged}[state.action].append(name)
                continue
            if state.theirs is None:
                done, left = _create(backend, state.ours)
            else:
                done, left = "updated", _update(backend, state.theirs, state.ours)
            {"created": created, "updated": updated, "unchanged": unchanged}[done].append(name)
            if left:
                unsettled[name] = left
    except (Unavailable, Refused, BadAnswer) as exc:  # the cases' "stays queued" fix does not apply
        raise ServerError(
            f"{exc.what} (this push: {len(created)} created, {len(updated)} updated before it)",
            where=exc.where, fix="rerun `csirt playbooks push`: templates already on the server are "
                                 "compared, never created twice") from None
    finally:
        backend.close()
    return PushResult(tuple(created), tuple(updated), tuple(unchanged), changes, tuple(stale), unsettled,
                      kf, dry_run)
