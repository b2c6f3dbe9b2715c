"""Collect a case's timeline: evidence times, case events, intel dates and analyst notes."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from csirt_kit.cases.events import list_events
from csirt_kit.cases.records import Case, CaseTask, finding_fingerprints, get_case, tasks_of
from csirt_kit.evidence.records import EvidenceFile, evidence_of
from csirt_kit.findings import get_finding
from csirt_kit.models import Asset, Finding
from csirt_kit.store.assets import get_asset
from csirt_kit.timeline.labels import label
from csirt_kit.timeutil import iso, parse_iso

# Order of entries that share a timestamp: what happened before how we saw it.
_SOURCE_ORDER = {"evidence": 0, "intel": 1, "case": 2, "note": 3}
_SNIPPET = 160


@dataclass(frozen=True)
class TimelineEntry:
    """One dated line of a timeline."""

    at: str  # UTC, ISO 8601
    source: str  # evidence | intel | case | note
    kind: str  # a label key (labels.py)
    text: str
    ref: str = ""  # where: path:line, URL, event uuid, task title
    fingerprint: str = ""
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"at": self.at, "source": self.source, "kind": self.kind, "text": self.text,
                "ref": self.ref, "fingerprint": self.fingerprint, "data": self.data}


@dataclass(frozen=True)
class FindingEvidence:
    """The captured evidence files of one finding of the case."""

    fingerprint: str
    title: str
    files: tuple[EvidenceFile, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"fingerprint": self.fingerprint, "title": self.title,
                "files": [f.to_dict() for f in self.files]}


@dataclass(frozen=True)
class Timeline:
    """A case with its tasks and its entries in time order."""

    case: Case
    asset: Asset | None
    tasks: tuple[CaseTask, ...]
    entries: tuple[TimelineEntry, ...]
    lang: str = "en"
    zone: str = "Asia/Jakarta"
    generated_at: str = ""
    evidence: tuple[FindingEvidence, ...] = ()

    @property
    def export_command(self) -> str:
        """The command that writes this case's evidence bundle."""
        return f"csirt findings export --case {self.case.key}"

    @property
    def title(self) -> str:
        """The case title in the timeline's language where the playbook provides it."""
        return (self.case.title_id if self.lang == "id" and self.case.title_id
                else self.case.title)

    def task_title(self, task: CaseTask) -> str:
        """A task title in the timeline's language."""
        return task.title_id if self.lang == "id" and task.title_id else task.title

    def label(self, key: str) -> str:
        """A label in the timeline's language."""
        return label(self.lang, key)


def parse_time(value: Any) -> str | None:
    """Normalise an evidence time (ISO text, date, epoch s or ms) to UTC ISO, or None."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            seconds = value / 1000 if value > 1e11 else value
            return iso(datetime.fromtimestamp(seconds, UTC))
        text = str(value).strip()
        if text.isdigit():
            return parse_time(int(text))
        return iso(parse_iso(text))
    except (ValueError, OverflowError, OSError):
        return None


def _short(text: Any) -> str:
    text = str(text).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "…"


def _where(ev: dict[str, Any], line_key: str = "line") -> str:
    place = str(ev.get("url") or ev.get("path") or "")
    line = ev.get(line_key)
    return f"{place}:{line}" if place and line else place


def evidence_entries(f: Finding) -> list[TimelineEntry]:
    """Dated entries one finding's evidence gives."""
    ev = f.evidence
    out: list[TimelineEntry] = []

    def add(at: str | None, source: str, kind: str, text: str, ref: str = "",
            **data: Any) -> None:
        if at:
            out.append(TimelineEntry(at, source, kind, _short(text), ref, f.fingerprint,
                                     {"finding_kind": f.kind, "severity": f.severity, **data}))

    first_line = parse_time(ev.get("timestamp"))
    add(first_line, "evidence", "log_line", f"{f.title}: {ev.get('snippet', '')}", _where(ev))
    seen_lines = {first_line}
    for sample in ev.get("samples") or []:
        if isinstance(sample, dict):
            at = parse_time(sample.get("timestamp"))
            if at not in seen_lines:
                seen_lines.add(at)
                add(at, "evidence", "log_line",
                    f"{f.title}: {sample.get('snippet') or sample.get('text', '')}",
                    _where({**ev, **sample}))
    last = parse_time(ev.get("last_timestamp"))
    if last not in seen_lines:
        add(last, "evidence", "log_last", f"{f.title} ({ev.get('count', '?')} lines in all)",
            _where(ev, "last_line"))
    add(parse_time(ev.get("mtime")), "evidence", "file_mtime",
        f"{ev.get('path', '')} (sha256 {str(ev.get('sha256', ''))[:16]}…)", str(ev.get("path", "")))
    add(parse_time(ev.get("fetched_at") or ev.get("fetched")), "evidence", "page_fetched",
        f"{f.title}: HTTP {ev.get('status', '?')} as {ev.get('identity') or ev.get('user_agent', '?')}",
        str(ev.get("url", "")))
    raw_indicator = ev.get("indicator")
    indicator: dict[str, Any] = raw_indicator if isinstance(raw_indicator, dict) else {}
    event_info = indicator.get("event_info") or ev.get("event_info") or ""
    event_uuid = indicator.get("event_uuid") or ev.get("event_uuid") or ""
    add(parse_time(indicator.get("event_date") or ev.get("event_date")), "intel", "event_date",
        f"MISP event: {event_info}", str(event_uuid))
    for key, kind in (("first_seen", "ioc_first_seen"), ("last_seen", "ioc_last_seen")):
        add(parse_time(indicator.get(key)), "intel", kind,
            f"{indicator.get('type', '')} {indicator.get('value', '')}", str(event_uuid))
    add(f.first_seen, "case", "detected", f"{f.title} [{f.kind}, {f.severity}]",
        _where(ev) or (f.rule or ""))
    if f.last_seen and f.last_seen != f.first_seen:
        add(f.last_seen, "case", "last_seen", f"{f.title} (seen {f.seen_count}x)", _where(ev))
    return out


def build_timeline(conn: sqlite3.Connection, key: str, lang: str = "en",
                   zone: str = "Asia/Jakarta") -> Timeline:
    """The timeline of one case, oldest entry first."""
    case = get_case(conn, key)
    asset = get_asset(conn, case.asset_id) if case.asset_id else None
    entries: list[TimelineEntry] = []
    captured: list[FindingEvidence] = []
    for fp in finding_fingerprints(conn, key):
        finding = get_finding(conn, fp)
        entries.extend(evidence_entries(finding))
        files = tuple(evidence_of(conn, fp))
        if files:
            captured.append(FindingEvidence(fp, finding.title, files))
    for event in list_events(conn, key):
        source = "note" if event.kind == "note" else "case"
        ref = str(event.data.get("task") or event.data.get("fingerprint") or "")
        entries.append(TimelineEntry(event.at, source, event.kind, _short(event.text), ref,
                                     str(event.data.get("fingerprint", "")), dict(event.data)))
    entries.sort(key=lambda e: (parse_iso(e.at), _SOURCE_ORDER.get(e.source, 9)))
    return Timeline(case=case, asset=asset, tasks=tuple(tasks_of(conn, key)),
                    entries=tuple(entries), lang=lang, zone=zone, generated_at=iso(),
                    evidence=tuple(captured))
