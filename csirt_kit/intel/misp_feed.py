"""MISP feeds (manifest.json, <uuid>.json per event, hashes.csv) from a folder or a URL.

Only events whose manifest timestamp is newer than the stored one are fetched. Numbers
may be ints or strings. A manifest that is not the usual object keyed by event UUID is
accepted as a list of entries or wrapped in one key; otherwise the error says what it was.
A bad event file is reported by name and skipped (retried next sync); the rest imports.
hashes.csv is not needed to import (it serves MISP's own feed correlation) and is not read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import orjson

from csirt_kit.errors import InputError
from csirt_kit.intel import store as istore
from csirt_kit.intel.feed_parse import describe as _describe
from csirt_kit.intel.feed_parse import parsed_events
from csirt_kit.intel.fetch import Location
from csirt_kit.intel.rows import RowBuilder, epoch, event_ref, tag_names
from csirt_kit.intel.sources import Feed, WarninglistSettings
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.store.db import Store

_UUID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{7,63}$")
_BATCH_ROWS = 50_000
BULK_MIN_EVENTS = 16  # a first load of at least this many events builds its indexes afterwards


def parse_manifest(data: bytes, where: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """{event uuid: entry} and problems; InputError when it cannot be read at all."""
    if not data.strip():
        raise InputError("manifest.json is empty", where=where,
                         fix="the feed publisher must list its events; check the feed url/path")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"manifest.json is not valid JSON: {exc}", where=where,
                         fix="check that url/path points at a MISP feed root") from None
    if isinstance(doc, Mapping) and len(doc) == 1:
        inner = next(iter(doc.values()))
        if next(iter(doc)) in ("manifest", "response", "events", "Event") and isinstance(
                inner, Mapping | list):
            doc = inner
    entries: dict[str, Any] = {}
    if isinstance(doc, Mapping):
        entries = dict(doc)
    elif isinstance(doc, list) and all(isinstance(v, Mapping) for v in doc):
        for item in doc:
            body = item.get("Event", item) if isinstance(item.get("Event"), Mapping) else item
            entries[str(body.get("uuid", ""))] = body
    else:
        raise InputError(f"manifest.json: expected an object keyed by event UUID, got {_describe(doc)}",
                         where=where, fix="check that url/path points at a MISP feed root")
    out: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for uuid, entry in entries.items():
        if not _UUID.match(str(uuid)) or not isinstance(entry, Mapping):
            problems.append(f"{where}: entry {str(uuid)[:60]!r}: not an event UUID with an object")
            continue
        stamp = epoch(entry.get("timestamp"))
        if stamp <= 0:
            problems.append(f"{where}: event {uuid}: timestamp {entry.get('timestamp')!r} is not a number")
            continue
        out[str(uuid)] = {**entry, "uuid": str(uuid), "timestamp": stamp}
    return out, problems


def sync_misp_feed(store: Store, feed: Feed, loc: Location, full: bool, now: str,
                   progress: ProgressFn = no_progress,
                   wl: WarninglistSettings = WarninglistSettings()) -> dict[str, Any]:
    """Import new and changed events of one feed; returns counters for its SourceResult."""
    manifest, problems = parse_manifest(loc.read("manifest.json"), loc.where("manifest.json"))
    known = istore.event_timestamps(store.conn, feed.name)
    todo = [u for u, e in manifest.items() if full or e["timestamp"] > known.get(u, -1)]
    unchanged = [u for u in manifest if u in known and u not in set(todo)]
    gone = [u for u, stamp in known.items() if u not in manifest and stamp > 0]
    builder = RowBuilder(now=now, ttl_days=feed.ttl_days, max_age_days=feed.max_age_days,
                         default_to_ids=feed.to_ids, extra_tags=feed.tags, warninglists=wl.enabled,
                         ignore_lists=wl.ignore)
    counts: dict[str, Any] = {"events_fetched": 0, "events_unchanged": len(unchanged),
                              "indicators_written": 0, "indicators_removed": 0}
    with store.write() as conn:
        istore.ensure_indexes(conn)  # a bulk load cut short (killed) left them out
        istore.refresh_seen(conn, feed.name, unchanged, now, feed.ttl_days, feed.max_age_days)
        for uuid in gone:
            counts["indicators_removed"] += istore.retire_unseen(conn, feed.name, now, now, uuid)
            # Forget its timestamp (keep its title for history) so it is fetched if it comes back.
            conn.execute("UPDATE intel_events SET timestamp = 0 WHERE source = ? AND uuid = ?",
                         (feed.name, uuid))
    pending: list[tuple[Mapping[str, Any], list[istore.Row], list[Any], int]] = []
    size = 0
    bulk = _Bulk(len(todo) >= BULK_MIN_EVENTS, set(known))
    try:
        # closing(): a failing write stops the parse pool at once, not when garbage is collected.
        with closing(parsed_events(loc, todo, builder, feed.parse_workers)) as events:
            for done, parsed in enumerate(events, 1):
                if parsed.problem:
                    problems.append(parsed.problem)
                    continue
                uuid, rows = parsed.uuid, parsed.rows
                pending.append(({**manifest[uuid], **parsed.event}, rows, parsed.objects,
                                manifest[uuid]["timestamp"]))
                size += len(rows) + 1
                if size >= _BATCH_ROWS:
                    _flush(store, feed.name, pending, now, counts, bulk)
                    pending, size = [], 0
                progress(f"{feed.name}: events", done, len(todo))
        _flush(store, feed.name, pending, now, counts, bulk, last=True)
    finally:
        if bulk.deferred:  # the import stopped early: the rows written so far get their indexes
            with store.write() as conn:
                istore.ensure_indexes(conn)
    counts["warninglisted"] = builder.warninglisted
    counts["bad_values"] = builder.bad_values
    problems.extend(f"{feed.name}: skipped value {e}" for e in builder.examples)
    counts["problems"] = problems
    return counts


@dataclass
class _Bulk:
    """A first load into an empty table: secondary indexes are built once, after the rows."""

    wanted: bool
    known: set[str]  # events the store held before this sync (only they can have rows to retire)
    deferred: bool = False


def _flush(store: Store, source: str, pending: list[tuple[Mapping[str, Any], list[istore.Row],
           list[Any], int]], now: str, counts: dict[str, Any], bulk: _Bulk,
           last: bool = False) -> None:
    if not pending and not (last and bulk.deferred):
        return
    with store.write() as conn:
        if bulk.wanted and not bulk.deferred:
            bulk.deferred = istore.defer_indexes(conn)
            bulk.wanted = False
        for event, rows, objects, stamp in pending:
            ref = event_ref(event)
            istore.upsert_event(conn, source, ref, tag_names(event.get("Tag")), stamp, now)
            counts["indicators_written"] += istore.write_indicators(conn, source, rows, now)
            istore.write_objects(conn, source, ref.uuid, objects, stamp)
            if ref.uuid in bulk.known:  # a new event has no older rows to retire
                counts["indicators_removed"] += istore.retire_unseen(conn, source, now, now, ref.uuid)
            counts["events_fetched"] += 1
        if last and bulk.deferred:
            # In the transaction of the last rows: committed rows always come with their indexes.
            istore.ensure_indexes(conn)
            bulk.deferred = False
