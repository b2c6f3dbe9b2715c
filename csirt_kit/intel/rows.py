"""Turn MISP attributes (from servers, feeds or lists) into stored indicator rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from csirt_kit.intel.normalize import SKIPPED_TYPES, normalize
from csirt_kit.intel.store import Row, stamp
from csirt_kit.intel.warninglists import WarninglistIndex, load_index
from csirt_kit.models import EventRef
from csirt_kit.timeutil import parse_iso

# Relations of MISP objects that carry vulnerability context (kept with the object).
VULN_OBJECTS = frozenset({"vulnerability", "cpe-asset", "vulnerable-software"})


def epoch(value: Any) -> int:
    """An epoch from an int, a digit string or an ISO date; 0 when absent or unreadable."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        return int(parse_iso(text).timestamp())
    except ValueError:
        return 0


def epoch_iso(value: int) -> str:
    """An epoch as our stored ISO form ('' for 0)."""
    return stamp(datetime.fromtimestamp(value, UTC)) if value > 0 else ""


def compute_expires(seen: str, changed: int, ttl_days: float, max_age_days: float) -> str:
    """min(seen + ttl, changed + max age), each only when configured; '' = never."""
    limits: list[datetime] = []
    if ttl_days and seen:
        limits.append(parse_iso(seen) + timedelta(days=ttl_days))
    if max_age_days and changed > 0:
        limits.append(datetime.fromtimestamp(changed, UTC) + timedelta(days=max_age_days))
    return stamp(min(limits)) if limits else ""


def tag_names(tags: Any) -> list[str]:
    """Names from a MISP Tag list ([{"name": ...}] or plain strings)."""
    out: list[str] = []
    if isinstance(tags, list):
        for tag in tags:
            name = tag.get("name") if isinstance(tag, Mapping) else tag
            if isinstance(name, str) and name:
                out.append(name)
    return out


def event_ref(event: Mapping[str, Any]) -> EventRef:
    """EventRef from an event dict (feed event, manifest entry or restSearch Event)."""
    level = event.get("threat_level_id", "")
    return EventRef(uuid=str(event.get("uuid", "")), info=str(event.get("info", "") or ""),
                    date=str(event.get("date", "") or ""),
                    threat_level="" if level in (None, "") else str(level))


@dataclass
class RowBuilder:
    """Builds rows for one source in one sync; counts what it skipped and flagged."""

    now: str
    ttl_days: float = 0.0
    max_age_days: float = 0.0
    default_to_ids: bool = True
    extra_tags: tuple[str, ...] = ()
    expiry_from_change: bool = False  # MISP servers: TTL counts from the attribute's change
    warninglists: bool = True
    ignore_lists: frozenset[str] = frozenset()
    bad_values: int = 0
    warninglisted: int = 0
    examples: list[str] = field(default_factory=list)
    last_problem: str = ""
    _index: WarninglistIndex | None = None

    @property
    def index(self) -> WarninglistIndex:
        """The compiled warninglists, loaded on first need (a sync with nothing new skips it)."""
        if self._index is None:
            self._index = load_index()
        return self._index

    def row(self, attr: Mapping[str, Any], event_uuid: str, object_key: str = "",
            relation: str = "") -> Row | None:
        """One row, or None for context-only types and invalid values (counted)."""
        type_ = str(attr.get("type", "") or "").strip()
        raw = attr.get("value")
        if not type_ or type_ in SKIPPED_TYPES or raw is None:
            return None
        try:
            value = normalize(type_, str(raw))
        except ValueError as exc:
            self.bad_values += 1
            self.last_problem = f"{type_} {str(raw)[:80]!r}: {exc}"
            if len(self.examples) < 5:
                self.examples.append(self.last_problem)
            return None
        stamp = attr.get("timestamp")
        changed = int(stamp) if isinstance(stamp, str) and stamp.isdigit() else epoch(stamp)
        if self.ttl_days or self.max_age_days:
            last = max(changed, epoch(attr.get("last_seen")))
            seen = epoch_iso(last) if self.expiry_from_change and last else self.now
            expires = compute_expires(seen, changed, self.ttl_days, self.max_age_days)
        else:
            expires = ""
        own_tags = attr.get("Tag")
        tags = [*self.extra_tags, *tag_names(own_tags)] if own_tags else list(self.extra_tags)
        to_ids_raw = attr.get("to_ids", self.default_to_ids)
        to_ids = to_ids_raw if to_ids_raw is True or to_ids_raw is False else (
            str(to_ids_raw) in ("1", "true", "True"))
        hits = self.index.check(type_, value) if self.warninglists else ()
        if hits and self.ignore_lists:
            hits = tuple(h for h in hits if h not in self.ignore_lists)
        if hits:
            self.warninglisted += 1
        key = str(attr.get("uuid") or "") or f"{type_}:{value}"
        first_raw = attr.get("first_seen")
        first = epoch(first_raw) if first_raw else 0
        return (key, type_, value, event_uuid, object_key, relation,
                json.dumps(tags, ensure_ascii=False) if tags else "", int(bool(to_ids)),
                str(attr.get("comment", "") or "")[:500], epoch_iso(first) if first else self.now,
                changed, expires, json.dumps(list(hits), ensure_ascii=False) if hits else "")

    def event_rows(self, event: Mapping[str, Any]) -> tuple[list[Row], list[tuple[str, str, dict[str, Any]]]]:
        """Rows of a full event (attributes and object attributes) and its context objects."""
        uuid = str(event.get("uuid", ""))
        rows = [r for r in (self.row(a, uuid) for a in _dicts(event.get("Attribute"))) if r]
        objects: list[tuple[str, str, dict[str, Any]]] = []
        for obj in _dicts(event.get("Object")):
            okey = str(obj.get("uuid") or obj.get("id") or "")
            name = str(obj.get("name", ""))
            context: dict[str, Any] = {}
            for attr in _dicts(obj.get("Attribute")):
                relation = str(attr.get("object_relation", "") or "")
                row = self.row(attr, uuid, okey, relation)
                if row:
                    rows.append(row)
                akey = str(attr.get("uuid") or f"{relation}:{attr.get('value')}")
                context[akey] = [relation, str(attr.get("type", "")), str(attr.get("value", ""))]
            if name in VULN_OBJECTS or any(v[0] == "vulnerable-configuration" for v in context.values()):
                objects.append((okey, name, context))
        return rows, objects


def _dicts(value: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, Mapping)]
    return []
