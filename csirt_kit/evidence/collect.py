"""What to keep of a finding's evidence, read at the time its scan is stored.

Every finding keeps its evidence JSON. A file finding keeps a (gzip-defanged) copy of the
file its evidence names, when the file still exists; a log finding keeps the lines around
each hit line (or the snippets when the log can no longer be read); web evidence that
carries page bodies or response headers keeps each of them. Caps: one blob is cut at
``max_blob_bytes``; a finding's blobs stop at ``max_finding_bytes`` (the evidence JSON
always goes in). Capture is skipped when the same evidence JSON was captured before.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from csirt_kit.evidence.blobs import blob_root, put_blob
from csirt_kit.evidence.loglines import LogRead, excerpt, read_logs
from csirt_kit.evidence.settings import EvidenceSettings
from csirt_kit.findings import fs_path
from csirt_kit.models import Finding
from csirt_kit.store.db import Store

_BODY_KEYS = re.compile(r"body|bodies|html|copy|copies|excerpt|trimmed|content|page", re.I)
# keys about content rather than content: hashes, names, sizes, URLs ("body_sha256", "page_url")
_META_KEYS = re.compile(r"sha|md5|hash|identity|agent|ur[li]|type|status|len|size|count|title|"
                        r"time|date|host|referer|charset|encoding", re.I)
_HEX = re.compile(r"[0-9a-f]{32,128}")
_LONG_TEXT = 1024  # any other evidence string this long is kept as a blob of its own
_MAX_HIT_LINES = 50
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Item:
    """One piece of evidence to store for a finding."""

    role: str
    name: str
    data: bytes
    original_size: int | None = None
    truncated: bool = False
    note: str = ""


@dataclass(frozen=True)
class CaptureResult:
    """What one capture stored."""

    findings: int = 0  # findings whose evidence was (re)captured
    blobs: int = 0  # link rows written
    skipped: int = 0  # items not stored: over the per-finding cap


def evidence_json(f: Finding) -> bytes:
    """The finding's evidence as stable, readable JSON."""
    # backslashreplace: a lone surrogate (an undecodable path byte) becomes a JSON \udcXX escape
    return json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, indent=2,
                      default=str).encode("utf-8", "backslashreplace") + b"\n"


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name-safe form of text."""
    return _SAFE.sub("_", text).strip("._")[:limit] or "item"


def _text(value: str) -> str:
    # SQLite cannot store lone surrogates (undecodable bytes of a file name): keep them as \xNN
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _cut(item: Item, cap: int) -> Item:
    if len(item.data) <= cap:
        return item
    original = item.original_size if item.original_size is not None else len(item.data)
    note = item.note or f"cut at {cap} bytes (max_blob_bytes)"
    return Item(item.role, item.name, item.data[:cap], original, True, note)


def is_log_finding(f: Finding) -> bool:
    """A finding about log lines (its locus is a log set and a day)."""
    return "log_set" in f.evidence or f.kind.startswith(("log.", "ioc.log", "yara.log"))


def file_item(path: str, settings: EvidenceSettings) -> Item:
    """A copy of the file the finding names, cut at the blob cap."""
    name = os.path.basename(path) or "file"
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            data = fh.read(settings.max_blob_bytes + 1)
    except OSError as exc:
        return Item("file", name, b"", None, False, f"not copied: {exc.strerror or exc}")
    return _cut(Item("file", name, data, size), settings.max_blob_bytes)


def _hit_lines(node: Any, path: str, out: dict[str, set[int]]) -> None:
    if isinstance(node, dict):
        here = fs_path(node) or path
        last_path = fs_path(node, "last_path") or here
        for key, where in (("line", here), ("last_line", last_path)):
            value = node.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and where and value > 0:
                out.setdefault(where, set()).add(value)
        lines = node.get("lines")
        if isinstance(lines, list) and here:
            out.setdefault(here, set()).update(
                v for v in lines if isinstance(v, int) and not isinstance(v, bool) and v > 0)
        for value in node.values():
            if isinstance(value, dict | list):
                _hit_lines(value, here, out)
    elif isinstance(node, list):
        for value in node:
            _hit_lines(value, path, out)


def hit_lines(evidence: dict[str, Any]) -> dict[str, list[int]]:
    """Log file -> the hit line numbers its evidence names (at most 50 per file)."""
    found: dict[str, set[int]] = {}
    _hit_lines(evidence, "", found)
    return {path: sorted(lines)[:_MAX_HIT_LINES] for path, lines in sorted(found.items())}


def log_lines_item(path: str, hits: list[int], got: LogRead,
                   settings: EvidenceSettings) -> Item | None:
    """The lines around each hit of one log as an item (None when the log gave no line)."""
    name = f"{os.path.basename(path)}.lines.txt"
    data = excerpt(path, hits, got, settings.context_lines)
    if not data:
        return Item("log_lines", name, b"", None, False, got.error) if got.error else None
    return _cut(Item("log_lines", name, data, None, False, got.note), settings.max_blob_bytes)


def _snippets(node: Any, out: list[str], line: Any = None) -> None:
    if isinstance(node, dict):
        line = node.get("line", line)
        for key in ("snippet", "matched", "text"):
            value = node.get(key)
            if isinstance(value, str) and value:
                out.append(f"{line if line is not None else '?'}: {value}")
        for value in node.values():
            if isinstance(value, dict | list):
                _snippets(value, out, line)
    elif isinstance(node, list):
        for value in node:
            _snippets(value, out, line)


def snippets_item(evidence: dict[str, Any]) -> Item | None:
    """The log snippets the evidence holds, when the log itself could not be read."""
    found: list[str] = []
    _snippets(evidence, found)
    if not found:
        return None
    unique = list(dict.fromkeys(found))
    text = "# csirt-kit evidence: snippets from the finding (log not readable)\n" + "\n".join(unique)
    return Item("snippets", "snippets.txt", text.encode("utf-8", "backslashreplace") + b"\n")


def _content(node: Any, keys: tuple[str, ...], ident: str, in_body: bool) -> Iterator[Item]:
    # in_body: under a key naming page content ("bodies": {"googlebot": "<html>..."})
    if isinstance(node, dict):
        ident = str(node.get("identity") or ident)
        for key, value in node.items():
            where = (*keys, str(key))
            meta = bool(_META_KEYS.search(str(key)))
            body = (in_body or bool(_BODY_KEYS.search(str(key)))) and not meta
            if isinstance(value, str) and (meta or _HEX.fullmatch(value)):
                continue
            if "header" in str(key).lower() and isinstance(value, dict) and value:
                yield from _headers(value, where, ident)
            elif isinstance(value, str) and value and (body or len(value) >= _LONG_TEXT):
                yield Item("body" if body else "text", _content_name(where, ident, "txt"),
                           value.encode("utf-8", "backslashreplace"))
            elif isinstance(value, dict | list):
                yield from _content(value, where, ident, body)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _content(value, (*keys, str(i)), ident, in_body)


def _headers(value: dict[Any, Any], keys: tuple[str, ...], ident: str) -> Iterator[Item]:
    if all(isinstance(v, dict) for v in value.values()):  # per identity: {"googlebot": {...}}
        for sub, headers in value.items():
            yield from _headers(headers, (*keys, str(sub)), str(sub))
        return
    text = "".join(f"{k}: {v}\n" for k, v in value.items())
    yield Item("headers", _content_name(keys, ident, "headers.txt"),
               text.encode("utf-8", "backslashreplace"))


def _content_name(keys: tuple[str, ...], ident: str, ext: str) -> str:
    stem = ".".join(keys)
    if ident and ident not in keys:
        stem = f"{ident}.{stem}"
    return f"{safe_name(stem)}.{ext}"


def content_items(evidence: dict[str, Any]) -> list[Item]:
    """Page bodies, response headers and long texts held in the evidence."""
    return list(_content(evidence, (), "", False))


def plan(f: Finding, settings: EvidenceSettings,
         logs_read: dict[str, LogRead] | None = None) -> list[Item]:
    """Everything to store for one finding, each item already cut at the blob cap.

    logs_read: logs already read for several findings (read_logs); else read here.
    """
    ev = f.evidence
    items = [_cut(Item("evidence", "evidence.json", evidence_json(f)), settings.max_blob_bytes)]
    if is_log_finding(f):
        hits = hit_lines(ev)
        got = logs_read if logs_read is not None else read_logs(
            {p: set(lines) for p, lines in hits.items()}, settings)
        logs = [log_lines_item(path, lines, got.get(path, LogRead()), settings)
                for path, lines in hits.items()]
        kept = [i for i in logs if i is not None and i.data]
        if not kept:
            snippets = snippets_item(ev)
            kept = [snippets] if snippets else []
        items += kept + [i for i in logs if i is not None and not i.data]
    else:
        path = fs_path(ev)
        if isinstance(path, str) and path and os.path.isfile(path):
            items.append(file_item(path, settings))
        elif isinstance(path, str) and path and not os.path.exists(path):
            items.append(Item("file", os.path.basename(path) or "file", b"", None, False,
                              "not copied: the file no longer exists"))
    items += [_cut(i, settings.max_blob_bytes) for i in content_items(ev)]
    return items


def _already(store: Store, f: Finding, item: Item) -> bool:
    sha = hashlib.sha256(item.data).hexdigest()
    return store.conn.execute(
        "SELECT 1 FROM finding_evidence WHERE fingerprint = ? AND role = 'evidence' AND sha256 = ?",
        (f.fingerprint, sha)).fetchone() is not None


def capture(store: Store, findings: Sequence[Finding], settings: EvidenceSettings,
            now: str) -> CaptureResult:
    """Store the evidence of findings whose evidence JSON is new; returns counts."""
    root = blob_root(store)
    if root is None or not settings.capture:
        return CaptureResult()
    rows: list[tuple[Any, ...]] = []
    skipped = 0
    todo = [f for f in findings if not _already(store, f, _cut(
        Item("evidence", "evidence.json", evidence_json(f)), settings.max_blob_bytes))]
    # Several findings (rules, days) often point into one big log: read each log once.
    requests: dict[str, set[int]] = {}
    for f in todo:
        if is_log_finding(f):
            for path, lines in hit_lines(f.evidence).items():
                requests.setdefault(path, set()).update(lines)
    logs_read = read_logs(requests, settings)
    for f in todo:
        used = int(store.conn.execute(
            "SELECT COALESCE(SUM(size), 0) FROM finding_evidence WHERE fingerprint = ?"
            " AND role != 'evidence'", (f.fingerprint,)).fetchone()[0])
        for item in plan(f, settings, logs_read):
            if item.role != "evidence" and item.data:
                room = settings.max_finding_bytes - used
                if room <= 0:
                    skipped += 1
                    item = Item(item.role, item.name, b"", item.original_size or len(item.data),
                                True, "not stored: the finding's evidence reached max_finding_bytes")
                elif len(item.data) > room:
                    item = Item(item.role, item.name, item.data[:room],
                                item.original_size or len(item.data), True,
                                f"cut at {room} bytes (max_finding_bytes)")
                used += len(item.data)
            sha = put_blob(root, item.data) if item.data else ""
            rows.append((f.fingerprint, item.role, _text(item.name), sha, len(item.data),
                         item.original_size, int(item.truncated), _text(item.note), now))
    if rows:
        with store.write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO finding_evidence (fingerprint, role, name, sha256, size,"
                " original_size, truncated, note, captured_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows)
    return CaptureResult(len(todo), len(rows), skipped)
