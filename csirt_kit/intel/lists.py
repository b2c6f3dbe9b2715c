"""CSV and plain-text indicator lists: one value a line, type configured, from a column or detected.

The whole list is the truth: values no longer in it stop being seen and expire after
ttl_days. An unchanged list (same sha256 as last sync) is not parsed again.
"""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

from csirt_kit.errors import InputError
from csirt_kit.intel import store as istore
from csirt_kit.intel.fetch import Location
from csirt_kit.intel.normalize import detect_type
from csirt_kit.intel.rows import RowBuilder
from csirt_kit.intel.sources import Feed, WarninglistSettings
from csirt_kit.store.db import Store

MAX_PROBLEMS = 20


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", ";", "//")):
            out.append((number, stripped))
    return out


def parse_text(feed: Feed, text: str, where: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Attributes from a text list (value, optionally followed by whitespace and a comment)."""
    attrs: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in _lines(text):
        value, _, comment = line.partition(" ")
        value = value.split("\t", 1)[0]
        type_ = feed.type or detect_type(value)
        if not type_:
            problems.append(f"{where}:{number}: cannot tell the type of {value[:80]!r}; set type = ...")
            continue
        attrs.append({"type": type_, "value": value, "comment": comment.strip(), "line": number})
    return attrs, problems


def parse_csv(feed: Feed, text: str, where: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Attributes from a CSV list; columns by header name (or 0-based index without header)."""
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=feed.delimiter)]
    problems: list[str] = []
    start = 0
    header: list[str] = []
    if feed.header and rows:
        header = [h.strip().lower().lstrip("#").strip() for h in rows[0]]
        start = 1

    def column(name: str, required: bool) -> int | None:
        if name.isdigit():
            return int(name)
        if name.lower() in header:
            return header.index(name.lower())
        if required:
            raise InputError(f"CSV has no column {name!r} (columns: {', '.join(header) or 'none'})",
                             where=f"{where}:1", fix="set value_column = the column holding values")
        return None

    v_col = column(feed.value_column, True)
    t_col = None if feed.type else column(feed.type_column, False)
    c_col = column(feed.comment_column, False)
    attrs: list[dict[str, Any]] = []
    for number, row in enumerate(rows[start:], start + 1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if v_col is None or v_col >= len(row):
            problems.append(f"{where}:{number}: no value column ({len(row)} columns)")
            continue
        value = row[v_col].strip()
        type_ = feed.type or (row[t_col].strip() if t_col is not None and t_col < len(row) else "")
        type_ = type_ or detect_type(value) or ""
        if not type_:
            problems.append(f"{where}:{number}: cannot tell the type of {value[:80]!r}")
            continue
        comment = row[c_col].strip() if c_col is not None and c_col < len(row) else ""
        attrs.append({"type": type_, "value": value, "comment": comment, "line": number})
    return attrs, problems


def sync_list(store: Store, feed: Feed, loc: Location, full: bool, now: str,
              wl: WarninglistSettings = WarninglistSettings()) -> dict[str, Any]:
    """Import a CSV or text list; returns counters for its SourceResult."""
    data = loc.read()
    where = loc.where()
    digest = hashlib.sha256(data).hexdigest()
    state = istore.source_state(store.conn, feed.name)
    counts: dict[str, Any] = {"events_fetched": 0, "events_unchanged": 0, "indicators_written": 0,
                              "indicators_removed": 0, "problems": []}
    if not full and state.get("cursor") == digest:
        with store.write() as conn:
            istore.refresh_seen(conn, feed.name, [""], now, feed.ttl_days, feed.max_age_days)
        counts["events_unchanged"] = 1
        return counts
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", where=where,
                         fix="save the list as UTF-8") from None
    parse = parse_csv if feed.format == "csv" else parse_text
    attrs, problems = parse(feed, text, where)
    builder = RowBuilder(now=now, ttl_days=feed.ttl_days, max_age_days=feed.max_age_days,
                         default_to_ids=feed.to_ids, extra_tags=feed.tags, warninglists=wl.enabled,
                         ignore_lists=wl.ignore)
    rows = []
    for attr in attrs:
        before = builder.bad_values
        row = builder.row(attr, "")
        if row:
            rows.append(row)
        elif builder.bad_values > before:
            problems.append(f"{where}:{attr['line']}: {builder.last_problem}")
    with store.write() as conn:
        counts["indicators_written"] = istore.write_indicators(conn, feed.name, rows, now)
        counts["indicators_removed"] = istore.retire_unseen(conn, feed.name, now, now)
        istore.update_source(conn, feed.name, cursor=digest)
    counts["warninglisted"] = builder.warninglisted
    counts["bad_values"] = builder.bad_values
    extra = len(problems) - MAX_PROBLEMS
    counts["problems"] = problems[:MAX_PROBLEMS] + ([f"{where}: and {extra} more"] if extra > 0 else [])
    return counts
