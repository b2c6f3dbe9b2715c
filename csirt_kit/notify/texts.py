"""Message texts in Indonesian or English: one per new case, one daily digest per department."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.cases import records
from csirt_kit.store.assets import get_asset

FIRST_TASKS = 3

WORDS: dict[str, dict[str, str]] = {
    "en": {"new_case": "New case", "key": "Case", "severity": "Severity", "asset": "Asset",
           "department": "Department", "playbook": "Playbook", "tasks": "First tasks",
           "link": "Link", "no_department": "(no department)", "no_asset": "(no asset)",
           "digest": "Daily digest for {dept}, {date}: {n} new case(s)",
           "test": "Test message from csirt-kit for channel {name}: if you read this, it works."},
    "id": {"new_case": "Kasus baru", "key": "Kasus", "severity": "Tingkat keparahan",
           "asset": "Aset", "department": "Perangkat daerah", "playbook": "Playbook",
           "tasks": "Tugas pertama", "link": "Tautan", "no_department": "(tanpa perangkat daerah)",
           "no_asset": "(tanpa aset)",
           "digest": "Ringkasan harian untuk {dept}, {date}: {n} kasus baru",
           "test": "Pesan uji dari csirt-kit untuk kanal {name}: jika ini terbaca, kanal berfungsi."},
}
SEVERITY_WORDS = {
    "en": {"info": "info", "low": "low", "medium": "medium", "high": "high", "critical": "critical"},
    "id": {"info": "info", "low": "rendah", "medium": "sedang", "high": "tinggi",
           "critical": "kritis"},
}


@dataclass(frozen=True)
class Message:
    """What a channel sends: a subject line, plain text and a JSON document for webhooks."""

    subject: str
    text: str
    document: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def one_line(text: str) -> str:
    """A subject line: inventory names may carry line breaks, e-mail headers may not."""
    return " ".join(text.split())


def severity_word(severity: str, lang: str) -> str:
    """The severity in the message language."""
    return SEVERITY_WORDS[lang].get(severity, severity)


def case_title(case: records.Case, lang: str) -> str:
    """The title in the message language (the Indonesian title when the playbook has one)."""
    return case.title_id if lang == "id" and case.title_id else case.title


def case_document(conn: sqlite3.Connection, case: records.Case, lang: str) -> dict[str, Any]:
    """The facts a message about a case shows (also the webhook's `case` object)."""
    asset = get_asset(conn, case.asset_id) if case.asset_id else None
    tasks = records.tasks_of(conn, case.key)[:FIRST_TASKS]
    return {
        "key": case.key, "title": case_title(case, lang), "title_en": case.title,
        "title_id": case.title_id, "severity": case.severity, "playbook": case.playbook,
        "status": case.status, "created_at": case.created_at, "url": case.backend_url,
        "asset": ({"id": asset.id, "name": asset.name, "kind": asset.kind, "owner": asset.owner}
                  if asset else ({"id": case.asset_id} if case.asset_id else None)),
        "department": asset.owner if asset and asset.owner else None,
        "first_tasks": [t.title_id if lang == "id" and t.title_id else t.title for t in tasks],
    }


def case_message(conn: sqlite3.Connection, case: records.Case, lang: str) -> Message:
    """The message about one new case."""
    w = WORDS[lang]
    doc = case_document(conn, case, lang)
    sev = severity_word(case.severity, lang)
    subject = one_line(f"[{sev.upper()}] {w['new_case']}: {doc['title']}")
    asset = doc["asset"]
    asset_text = (f"{asset.get('name') or asset['id']} ({asset['id']})" if asset else w["no_asset"])
    lines = [subject, "",
             f"{w['key']}: {case.key}",
             f"{w['severity']}: {sev}",
             f"{w['asset']}: {asset_text}",
             f"{w['department']}: {doc['department'] or w['no_department']}",
             f"{w['playbook']}: {case.playbook}"]
    if doc["first_tasks"]:
        lines.append(f"{w['tasks']}:")
        lines += [f"  {i}. {title}" for i, title in enumerate(doc["first_tasks"], 1)]
    if case.backend_url:
        lines.append(f"{w['link']}: {case.backend_url}")
    return Message(subject, "\n".join(lines), {"event": "case.opened", "lang": lang, "case": doc})


def digest_message(conn: sqlite3.Connection, department: str, date: str, keys: list[str],
                   lang: str) -> Message:
    """The daily digest of one department: every case opened that local day."""
    w = WORDS[lang]
    cases = [records.get_case(conn, key) for key in keys]
    dept = department or w["no_department"]
    subject = one_line(w["digest"].format(dept=dept, date=date, n=len(cases)))
    lines = [subject, ""]
    for case in cases:
        line = f"- [{severity_word(case.severity, lang)}] {case_title(case, lang)} ({case.key})"
        lines.append(line + (f" {case.backend_url}" if case.backend_url else ""))
    doc = {"event": "digest.daily", "lang": lang,
           "digest": {"department": department or None, "date": date,
                      "cases": [case_document(conn, c, lang) for c in cases]}}
    return Message(subject, "\n".join(lines), doc)


def probe_message(channel_name: str, lang: str) -> Message:
    """The one-off message of `csirt notify test`."""
    text = WORDS[lang]["test"].format(name=channel_name)
    return Message(text, text, {"event": "test", "lang": lang})
