"""Shared plumbing of the TheHive emulator's route groups: caller context, routing, body helpers."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.emulators.httpwire import Part, Reply, Request
from tests.emulators.thehive_model import ApiError, Obj, bad_request
from tests.emulators.thehive_objects import ObjectState


@dataclass(frozen=True)
class Ctx:
    """Who is calling: the authenticated login and the organisation the request acts in."""

    user: str
    org: str
    request: Request


Handler = Callable[[Ctx, dict[str, str]], Reply]
ID = r"(?P<id>[^/]+)"


class HiveBase(ObjectState):
    """State plus the helpers every route group uses; TheHiveEmulator sets the attributes below."""

    lock: threading.RLock
    user: str
    analyst: str
    organisation: str

    def __init__(self, first_id: int = 4104, clock: Callable[[], int] | None = None) -> None:
        super().__init__(first_id=first_id, clock=clock)
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Register a handler for METHOD /api/v1<pattern> (the pattern must match the whole path)."""
        self.routes.append((method, re.compile("/api/v1" + pattern), handler))

    @staticmethod
    def empty() -> Reply:
        return Reply.empty()

    @staticmethod
    def ok(value: Any, status: int = 200) -> Reply:
        return Reply.json(status, value)

    @staticmethod
    def json_body(ctx: Ctx) -> Any:
        body = ctx.request.body
        if isinstance(body, bytes | bytearray) and body:
            raise bad_request("Invalid json: the body is not valid JSON")
        return body

    @staticmethod
    def multipart_json(ctx: Ctx, name: str = "_json") -> Any:
        """The `_json` part of a multipart body (form field or file part), parsed."""
        parts = ctx.request.parts(name)
        if not parts:
            raise bad_request(f"Invalid multipart body: no {name} part")
        try:
            return json.loads(parts[0].data)
        except ValueError:
            raise bad_request(f"Invalid json in the {name} part") from None

    @staticmethod
    def file_of(part: Part) -> tuple[str, bytes, str | None]:
        return (part.filename or part.name, part.data, part.content_type)

    def case_of(self, ctx: Ctx, ident: str) -> Obj:
        return self.lookup(self.cases, ident, ctx.org, "Case")

    def observables_from_request(self, ctx: Ctx, parent_id: str) -> list[Obj]:
        """JSON body, or multipart with a `_json` form field and a file part `attachment`."""
        if isinstance(ctx.request.body, list):
            files = ctx.request.parts("attachment")
            file = self.file_of(files[0]) if files else None
            return self.create_observables(parent_id, self.multipart_json(ctx), ctx.user, ctx.org, file)
        return self.create_observables(parent_id, self.json_body(ctx), ctx.user, ctx.org, None)

    def attachments_from_request(self, ctx: Ctx, parent_id: str) -> Reply:
        """Multipart with one file part `attachments` per file; answers {"attachments": [...]}."""
        files = ctx.request.parts("attachments")
        if not files:
            raise bad_request("Invalid multipart body: no attachments part")
        can_rename = [p.text for p in ctx.request.parts("canRename")]
        taken = {a["name"] for a in self.children(self.attachments, parent_id)}
        names = []
        for part in files:
            name = part.filename or "attachment"
            if name in taken:
                if can_rename and can_rename[0] in ("False", "false"):
                    raise ApiError(400, "CreateError", f"Attachment {name} already exists")
                stem, dot, ext = name.rpartition(".")
                stem, ext = (stem, dot + ext) if dot else (name, "")
                name = next(f"{stem}_{i}{ext}" for i in range(1, 10**6) if f"{stem}_{i}{ext}" not in taken)
            taken.add(name)
            names.append(name)
        created = [
            self.make_attachment(name, p.data, p.content_type, ctx.user, ctx.org, parent_id)
            for name, p in zip(names, files, strict=True)
        ]
        return self.ok({"attachments": created}, 201)
