"""Indicator storage: upserts keyed by (source, attribute), expiry, queries and the sightings queue.

Other parts rely on two functions here: ``iter_active_indicators`` (the log IoC scanner)
and ``record_sightings`` (anything that confirms an indicator on a city asset or in a log).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from csirt_kit.models import EventRef, Indicator
from csirt_kit.timeutil import parse_iso, utcnow

# (key, type, value, event_uuid, object_key, relation, tags_json, to_ids, comment,
#  first_seen, changed, expires, warninglists_json)
Row = tuple[str, str, str, str, str, str, str, int, str, str, int, str, str]

_UPSERT = """
INSERT INTO indicators (source, key, type, value, event_uuid, object_key, object_relation, tags,
    to_ids, comment, first_seen, changed, expires, warninglists, last_seen)
VALUES (:source, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, :now)
ON CONFLICT (source, key) DO UPDATE SET type = excluded.type, value = excluded.value,
    event_uuid = excluded.event_uuid, object_key = excluded.object_key,
    object_relation = excluded.object_relation, tags = excluded.tags, to_ids = excluded.to_ids,
    comment = excluded.comment, changed = excluded.changed, expires = excluded.expires,
    warninglists = excluded.warninglists, last_seen = excluded.last_seen, removed = '',
    first_seen = CASE WHEN indicators.first_seen = '' OR (excluded.first_seen <> ''
        AND excluded.first_seen < indicators.first_seen) THEN excluded.first_seen
        ELSE indicators.first_seen END
"""


# Secondary indexes of `indicators` (as 0010_intel.sql creates them) that a first bulk load
# builds after its rows are in: one sorted build instead of a random insert per row.
BULK_INDEXES = (
    "CREATE INDEX IF NOT EXISTS indicators_type_value ON indicators(type, value)",
    "CREATE INDEX IF NOT EXISTS indicators_event ON indicators(source, event_uuid)",
)


def defer_indexes(conn: sqlite3.Connection) -> bool:
    """Drop the secondary indexes when no indicator is stored yet; True when dropped."""
    if conn.execute("SELECT 1 FROM indicators LIMIT 1").fetchone():
        return False
    conn.execute("DROP INDEX IF EXISTS indicators_type_value")
    conn.execute("DROP INDEX IF EXISTS indicators_event")
    return True


def ensure_indexes(conn: sqlite3.Connection) -> None:
    """(Re)create the secondary indexes; a no-op when they exist (heals an interrupted bulk load)."""
    for sql in BULK_INDEXES:
        conn.execute(sql)


def stamp(dt: datetime) -> str:
    """The fixed-width UTC form of every intel time column (sorts as text)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    """The current time in the stored form."""
    return stamp(utcnow())


def expiry(seen: str, ttl_days: float) -> str:
    """When an indicator seen at `seen` stops matching ('' = never, for ttl 0)."""
    if not ttl_days or not seen:
        return ""
    return stamp(parse_iso(seen) + timedelta(days=ttl_days))


def register_source(conn: sqlite3.Connection, name: str, kind: str, location: str,
                    sightings: bool) -> None:
    """Create or refresh the bookkeeping row of a configured source."""
    conn.execute(
        "INSERT INTO intel_sources (name, kind, location, sightings) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location,"
        " sightings = excluded.sightings", (name, kind, location, int(sightings)),
    )


def source_state(conn: sqlite3.Connection, name: str) -> dict[str, str]:
    """The stored sync state of a source (empty dict for a new one)."""
    row = conn.execute("SELECT * FROM intel_sources WHERE name = ?", (name,)).fetchone()
    return dict(row) if row else {}


def update_source(conn: sqlite3.Connection, name: str, **fields: object) -> None:
    """Set some columns of a source's bookkeeping row."""
    if fields:
        cols = ", ".join(f"{k} = ?" for k in fields)
        conn.execute(f"UPDATE intel_sources SET {cols} WHERE name = ?", (*fields.values(), name))


def upsert_event(conn: sqlite3.Connection, source: str, event: EventRef, tags: Sequence[str],
                 timestamp: int, now: str) -> None:
    """Insert or refresh one event's details and its manifest/attribute timestamp."""
    conn.execute(
        "INSERT INTO intel_events (source, uuid, info, date, threat_level, tags, timestamp, last_seen)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, uuid) DO UPDATE SET"
        " info = excluded.info, date = excluded.date, threat_level = excluded.threat_level,"
        " tags = excluded.tags, timestamp = MAX(intel_events.timestamp, excluded.timestamp),"
        " last_seen = excluded.last_seen",
        (source, event.uuid, event.info, event.date, event.threat_level,
         json.dumps(list(tags), ensure_ascii=False), timestamp, now),
    )


def event_timestamps(conn: sqlite3.Connection, source: str) -> dict[str, int]:
    """{event uuid: stored timestamp} of one source."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT uuid, timestamp FROM intel_events WHERE source = ?", (source,))}


def write_indicators(conn: sqlite3.Connection, source: str, rows: Iterable[Row], now: str) -> int:
    """Upsert indicator rows of one source; returns how many were written."""
    count = 0
    sql = _UPSERT.replace(":source", "?").replace(":now", "?")
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append((source, *row, now))
        if len(batch) >= 5000:
            conn.executemany(sql, batch)
            count += len(batch)
            batch.clear()
    if batch:
        conn.executemany(sql, batch)
        count += len(batch)
    return count


def existing_keys(conn: sqlite3.Connection, source: str, event_uuid: str) -> dict[str, tuple[str, int]]:
    """{key: (value, changed)} of the stored indicators of one event (to skip unchanged ones)."""
    return {r[0]: (r[1], r[2]) for r in conn.execute(
        "SELECT key, value, changed FROM indicators WHERE source = ? AND event_uuid = ?",
        (source, event_uuid))}


def retire_unseen(conn: sqlite3.Connection, source: str, seen_before: str, now: str,
                  event_uuid: str | None = None) -> int:
    """Expire indicators the source no longer lists (last seen before this sync); history stays."""
    sql = ("UPDATE indicators SET removed = ?, expires = CASE WHEN expires = '' OR expires > ?"
           " THEN ? ELSE expires END WHERE source = ? AND last_seen < ? AND removed = ''")
    args: list[object] = [now, now, now, source, seen_before]
    if event_uuid is not None:
        sql += " AND event_uuid = ?"
        args.append(event_uuid)
    return conn.execute(sql, args).rowcount


def refresh_seen(conn: sqlite3.Connection, source: str, event_uuids: Collection[str], now: str,
                 ttl_days: float, max_age_days: float = 0.0, slack_hours: float = 12.0) -> int:
    """Mark indicators of unchanged events as seen again, writing only rows whose expiry moves.

    Rows are rewritten only when their stored expiry is more than `slack_hours` behind
    the new one, so a rerun minutes later touches nothing (and stays fast on 1M rows).
    """
    if not event_uuids:
        return 0
    new_expires = expiry(now, ttl_days)
    stale = stamp(parse_iso(now) - timedelta(hours=slack_hours))
    threshold = expiry(stale, ttl_days) if ttl_days else stale
    column = "expires" if ttl_days else "last_seen"
    aged = (f"strftime('%Y-%m-%dT%H:%M:%S.000000Z', changed + {float(max_age_days) * 86400:.0f},"
            " 'unixepoch')")
    if max_age_days and ttl_days:
        value = f"CASE WHEN changed > 0 THEN MIN(?, {aged}) ELSE ? END"
    elif max_age_days:
        value = f"CASE WHEN changed > 0 THEN {aged} ELSE ? END"
    else:
        value = "?"
    values = [new_expires] * value.count("?")
    total = 0
    uuids = list(event_uuids)
    if uuids != [""]:
        # Events refreshed within the slack need no row-level pass (a rerun stays cheap on 1M rows).
        fresh = {r[0] for r in conn.execute(
            "SELECT uuid FROM intel_events WHERE source = ? AND last_seen >= ?", (source, stale))}
        uuids = [u for u in uuids if u not in fresh]
    for i in range(0, len(uuids), 500):
        chunk = uuids[i:i + 500]
        conn.execute(f"UPDATE intel_events SET last_seen = ? WHERE source = ? AND uuid IN"
                     f" ({', '.join('?' * len(chunk))})", (now, source, *chunk))
    for i in range(0, len(uuids), 500):
        chunk = uuids[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        total += conn.execute(
            f"UPDATE indicators SET last_seen = ?, expires = {value} WHERE source = ?"
            f" AND event_uuid IN ({marks}) AND {column} < ? AND removed = ''",
            (now, *values, source, *chunk, threshold),
        ).rowcount
    return total


def write_objects(conn: sqlite3.Connection, source: str, event_uuid: str,
                  objects: Iterable[tuple[str, str, dict[str, object]]], changed: int) -> None:
    """Upsert context objects (key, name, {attr key: [relation, type, value]}), merging attributes."""
    for key, name, attributes in objects:
        row = conn.execute("SELECT attributes FROM intel_objects WHERE source = ? AND key = ?",
                           (source, key)).fetchone()
        merged = {**(json.loads(row[0]) if row else {}), **attributes}
        conn.execute(
            "INSERT INTO intel_objects (source, key, event_uuid, name, attributes, changed)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, key) DO UPDATE SET"
            " event_uuid = excluded.event_uuid, name = CASE WHEN excluded.name = '' THEN"
            " intel_objects.name ELSE excluded.name END, attributes = excluded.attributes,"
            " changed = excluded.changed",
            (source, key, event_uuid, name, json.dumps(merged, ensure_ascii=False), changed))


def _indicator(row: sqlite3.Row) -> Indicator:
    event_tags = json.loads(row["event_tags"]) if row["event_tags"] else []
    own = json.loads(row["tags"]) if row["tags"] else []
    return Indicator(
        source=row["source"], type=row["type"], value=row["value"],
        event=EventRef(row["event_uuid"], row["info"] or "", row["date"] or "",
                       row["threat_level"] or ""),
        tags=tuple(dict.fromkeys([*event_tags, *own])), to_ids=bool(row["to_ids"]),
        first_seen=row["first_seen"], last_seen=row["last_seen"], expires=row["expires"],
        uuid=row["key"] if "-" in row["key"] and ":" not in row["key"] else "",
        comment=row["comment"],
        warninglists=tuple(json.loads(row["warninglists"])) if row["warninglists"] else (),
    )


_SELECT = ("SELECT i.*, e.info, e.date, e.threat_level, e.tags AS event_tags FROM indicators i"
           " LEFT JOIN intel_events e ON e.source = i.source AND e.uuid = i.event_uuid")


def iter_active_indicators(conn: sqlite3.Connection, types: Collection[str] | None = None,
                           include_warninglisted: bool = False,
                           now: str | None = None) -> Iterator[Indicator]:
    """Indicators that are not expired (and not warninglisted unless asked), oldest first."""
    now = now or now_iso()
    where = ["(i.expires = '' OR i.expires > ?)"]
    args: list[object] = [now]
    if types is not None:
        kinds = list(types)
        if not kinds:
            return
        where.append(f"i.type IN ({', '.join('?' * len(kinds))})")
        args.extend(kinds)
    if not include_warninglisted:
        where.append("i.warninglists = ''")
    cur = conn.execute(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY i.id", args)
    while True:
        rows = cur.fetchmany(2000)
        if not rows:
            return
        for row in rows:
            yield _indicator(row)


@dataclass(frozen=True)
class IndicatorFilter:
    """Filters of `intel list`; empty values match everything."""

    source: str = ""
    type: str = ""
    search: str = ""
    event: str = ""
    tag: str = ""
    warninglisted: bool | None = None
    include_expired: bool = False
    limit: int = 100


def list_indicators(conn: sqlite3.Connection, flt: IndicatorFilter,
                    now: str | None = None) -> tuple[list[Indicator], int]:
    """Matching indicators (newest first, up to the limit) and the total that match."""
    where: list[str] = []
    args: list[object] = []
    if not flt.include_expired:
        where.append("(i.expires = '' OR i.expires > ?)")
        args.append(now or now_iso())
    for column, value in (("i.source", flt.source), ("i.type", flt.type)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if flt.search:
        where.append("i.value LIKE ?")
        args.append(f"%{flt.search}%")
    if flt.event:
        where.append("(i.event_uuid = ? OR e.info LIKE ?)")
        args.extend([flt.event, f"%{flt.event}%"])
    if flt.tag:
        where.append("(i.tags LIKE ? OR e.tags LIKE ?)")
        args.extend([f"%{json.dumps(flt.tag)}%"] * 2)
    if flt.warninglisted is not None:
        where.append("i.warninglists <> ''" if flt.warninglisted else "i.warninglists = ''")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    total = conn.execute(
        "SELECT COUNT(*) FROM indicators i LEFT JOIN intel_events e"
        f" ON e.source = i.source AND e.uuid = i.event_uuid{clause}", args).fetchone()[0]
    sql = f"{_SELECT}{clause} ORDER BY i.id DESC"
    if flt.limit:
        sql += f" LIMIT {int(flt.limit)}"
    return [_indicator(r) for r in conn.execute(sql, args)], int(total)


def source_counts(conn: sqlite3.Connection, now: str | None = None) -> dict[str, dict[str, int]]:
    """Per source: total, active, expired, warninglisted indicators and events."""
    now = now or now_iso()
    out: dict[str, dict[str, int]] = {}
    for row in conn.execute(
        "SELECT source, COUNT(*), SUM(expires = '' OR expires > ?), SUM(warninglists <> '')"
        " FROM indicators GROUP BY source", (now,)):
        out[row[0]] = {"indicators": row[1], "active": row[2] or 0,
                       "expired": row[1] - (row[2] or 0), "warninglisted": row[3] or 0}
    for row in conn.execute("SELECT source, COUNT(*) FROM intel_events GROUP BY source"):
        out.setdefault(row[0], {})["events"] = row[1]
    for row in conn.execute("SELECT source, COUNT(*) FROM intel_sightings WHERE sent_at = ''"
                            " AND attempts < 5 GROUP BY source"):
        out.setdefault(row[0], {})["sightings_queued"] = row[1]
    return out


def record_sightings(conn: sqlite3.Connection, sightings: Iterable[tuple[str, str, str]],
                     when: str) -> int:
    """Queue MISP sightings of (source, type, value) for sources with `sightings = true`.

    One sighting per indicator and day; values the source does not hold are ignored.
    The queue is sent by ``csirt_kit.intel.sightings.send_sightings`` (run by every
    ``intel sync``). Returns how many new sightings were queued.
    """
    enabled = {r[0] for r in conn.execute("SELECT name FROM intel_sources WHERE sightings = 1")}
    if not enabled:
        return 0
    day = when[:10]
    queued = 0
    for source, type_, value in sightings:
        if source not in enabled:
            continue
        known = conn.execute("SELECT 1 FROM indicators WHERE source = ? AND type = ? AND value = ?"
                             " LIMIT 1", (source, type_, value)).fetchone()
        if not known:
            continue
        queued += conn.execute(
            "INSERT OR IGNORE INTO intel_sightings (source, type, value, day, seen_at)"
            " VALUES (?, ?, ?, ?, ?)", (source, type_, value, day, when)).rowcount
    return queued


def indicators_by_id(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, Indicator]:
    """Full indicators (with event details) for row ids."""
    out: dict[int, Indicator] = {}
    for i in range(0, len(ids), 500):
        chunk = list(ids[i:i + 500])
        for row in conn.execute(f"{_SELECT} WHERE i.id IN ({', '.join('?' * len(chunk))})", chunk):
            out[row["id"]] = _indicator(row)
    return out


def first_indicator_of_events(conn: sqlite3.Connection,
                              events: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Indicator]:
    """One indicator per (source, event uuid): carries the event's info and tags."""
    out: dict[tuple[str, str], Indicator] = {}
    for source, uuid in events:
        row = conn.execute(f"{_SELECT} WHERE i.source = ? AND i.event_uuid = ? ORDER BY i.id LIMIT 1",
                           (source, uuid)).fetchone()
        if row:
            out[(source, uuid)] = _indicator(row)
    return out
