"""The wire side of the loopback emulators: parsed requests, multipart parts, replies."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_BODY = 64 * 1024 * 1024


@dataclass(frozen=True)
class Part:
    """One part of a multipart/form-data body."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


@dataclass(frozen=True)
class Request:
    """One request as the server saw it; body is parsed JSON, a list of Parts, or raw bytes."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw: bytes = b""

    @property
    def json(self) -> Any:
        return self.body

    def header(self, name: str, default: str | None = None) -> str | None:
        """Case-insensitive header lookup."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return default

    def parts(self, name: str) -> list[Part]:
        """The multipart parts with this field name (empty when the body is not multipart)."""
        if not isinstance(self.body, list):
            return []
        return [p for p in self.body if isinstance(p, Part) and p.name == name]


@dataclass(frozen=True)
class Reply:
    """What a route answers."""

    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    cut: bool = False  # announce the full length, send half the body, then close

    @classmethod
    def json(cls, status: int, value: Any) -> Reply:
        return cls(status, json.dumps(value).encode())

    @classmethod
    def empty(cls, status: int = 204) -> Reply:
        return cls(status, b"", None)


def parse_multipart(raw: bytes, content_type: str) -> list[Part]:
    """Split a multipart/form-data body into parts, byte-exact."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ValueError("multipart body without a boundary")
    delimiter = b"--" + match.group(1).encode()
    parts: list[Part] = []
    for chunk in raw.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("multipart part without a header block")
        data = data.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'(?:^|;)\s*name="([^"]*)"', disposition)
        filename = re.search(r'filename="([^"]*)"', disposition)
        parts.append(
            Part(
                name=name.group(1) if name else "",
                filename=filename.group(1) if filename else None,
                content_type=headers.get("content-type"),
                data=data,
            )
        )
    return parts


def parse_body(raw: bytes, content_type: str) -> Any:
    """JSON for a JSON content type, Parts for multipart, the raw bytes otherwise."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/json":
        try:
            return json.loads(raw.decode("utf-8")) if raw else None
        except (ValueError, UnicodeDecodeError):
            return raw
    if ctype == "multipart/form-data":
        try:
            return parse_multipart(raw, content_type)
        except ValueError:
            return raw
    return raw
