"""Findings: fingerprints, upsert (a rescan never duplicates), listing and suppression."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from csirt_kit.errors import NotFoundError, UsageError
from csirt_kit.models import FINDING_STATUSES, SEVERITIES, Finding, severity_rank


def fingerprint(kind: str, asset_id: str | None, ref: str, locus: str) -> str:
    """sha256 over kind, asset, rule or indicator, and locus (path, URL, line...)."""
    material = "\x1f".join((kind, asset_id or "", ref, locus))
    return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()


def _escaped(text: str) -> str | None:
    """text with undecodable bytes as \\xNN escapes, or None when it is clean UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return None


def printable(value: object) -> object:
    """Strings (also inside lists and dicts) with undecodable bytes shown as \\xNN escapes.

    File names on Linux are bytes; Python keeps undecodable ones as lone surrogates,
    which SQLite, JSON consumers and terminals refuse. Fingerprints still hash the raw
    form, and a ``...path`` key that needed escaping keeps the raw name beside it as
    ``<key>_fs_hex`` so the file can still be opened (see fs_path).
    """
    if isinstance(value, str):
        escaped = _escaped(value)
        return value if escaped is None else escaped
    if isinstance(value, dict):
        out: dict[object, object] = {}
        for k, v in value.items():
            out[printable(k)] = printable(v)
            if isinstance(k, str) and k.endswith("path") and isinstance(v, str) and _escaped(v) is not None:
                out[f"{k}_fs_hex"] = os.fsencode(v).hex()
        return out
    if isinstance(value, (list, tuple)):
        return [printable(v) for v in value]
    return value


def fs_path(evidence: dict[str, object], key: str = "path") -> str | None:
    """The file system name of evidence[key], undoing printable's escaping."""
    raw = evidence.get(f"{key}_fs_hex")
    if isinstance(raw, str):
        try:
            return os.fsdecode(bytes.fromhex(raw))
        except ValueError:
            pass
    value = evidence.get(key)
    return value if isinstance(value, str) else None


def make_finding(kind: str, severity: str, title: str, *, asset_id: str | None, ref: str,
                 locus: str, rule: str | None = None, indicator: str | None = None,
                 tags: Iterable[str] = (), evidence: dict[str, object] | None = None,
                 seen: str = "") -> Finding:
    """Build a Finding whose fingerprint comes from its content."""
    return Finding(
        fingerprint=fingerprint(kind, asset_id, ref, locus), kind=kind,
        severity=severity if severity in SEVERITIES else "medium", title=str(printable(title)),
        asset_id=asset_id, rule=rule, indicator=indicator, tags=tuple(tags),
        evidence=_evidence(evidence), first_seen=seen, last_seen=seen,
    )


def _evidence(evidence: dict[str, object] | None) -> dict[str, object]:
    clean = printable(dict(evidence or {}))
    return clean if isinstance(clean, dict) else {}


@dataclass(frozen=True)
class UpsertResult:
    """Fingerprints by what happened to them."""

    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    reopened: tuple[str, ...] = ()
    quiet: tuple[str, ...] = field(default=())  # suppressed and still unchanged


def _row_to_finding(row: sqlite3.Row) -> Finding:
    return Finding(
        fingerprint=row["fingerprint"], kind=row["kind"], severity=row["severity"],
        title=row["title"], asset_id=row["asset_id"], rule=row["rule"],
        indicator=row["indicator"], tags=tuple(json.loads(row["tags"])),
        evidence=json.loads(row["evidence"]), first_seen=row["first_seen"],
        last_seen=row["last_seen"], seen_count=row["seen_count"], status=row["status"],
        case_key=row["case_key"], previous_case_key=row["previous_case_key"],
        suppressed_reason=row["suppressed_reason"], suppressed_by=row["suppressed_by"],
        suppressed_at=row["suppressed_at"],
    )


def upsert_findings(conn: sqlite3.Connection, findings: Iterable[Finding], now: str) -> UpsertResult:
    """Insert or refresh findings; the caller holds the write transaction.

    A suppressed finding stays quiet unless it was suppressed for one content hash
    and the evidence now shows another. A resolved finding seen again reopens as
    new, remembering its earlier case key so the next case can reference it.
    """
    new: list[str] = []
    updated: list[str] = []
    reopened: list[str] = []
    quiet: list[str] = []
    for f in findings:
        row = conn.execute(
            "SELECT status, case_key, suppressed_sha256, seen_count FROM findings"
            " WHERE fingerprint = ?", (f.fingerprint,),
        ).fetchone()
        evidence = json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, default=str)
        tags = json.dumps(list(f.tags), ensure_ascii=False)
        seen = f.last_seen or now
        if row is None:
            conn.execute(
                "INSERT INTO findings (fingerprint, kind, asset_id, severity, title, rule, indicator,"
                " tags, evidence, first_seen, last_seen, seen_count, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'new')",
                (f.fingerprint, f.kind, f.asset_id, f.severity, f.title, f.rule, f.indicator,
                 tags, evidence, f.first_seen or seen, seen),
            )
            new.append(f.fingerprint)
            continue
        status, case_key = row["status"], row["case_key"]
        previous = None
        if status == "suppressed":
            pinned = row["suppressed_sha256"]
            if pinned and f.evidence.get("sha256") and f.evidence.get("sha256") != pinned:
                status = "new"
                reopened.append(f.fingerprint)
            else:
                quiet.append(f.fingerprint)
        elif status == "resolved":
            status, previous, case_key = "new", case_key, None
            reopened.append(f.fingerprint)
        else:
            updated.append(f.fingerprint)
        conn.execute(
            "UPDATE findings SET severity = ?, title = ?, tags = ?, evidence = ?, last_seen = ?,"
            " seen_count = seen_count + 1, status = ?, case_key = ?,"
            " previous_case_key = COALESCE(?, previous_case_key) WHERE fingerprint = ?",
            (f.severity, f.title, tags, evidence, seen, status, case_key, previous, f.fingerprint),
        )
    return UpsertResult(tuple(new), tuple(updated), tuple(reopened), tuple(quiet))


@dataclass(frozen=True)
class FindingFilter:
    """Filters of `findings list`; empty values match everything."""

    status: str = ""
    min_severity: str = ""
    kind: str = ""
    owner: str = ""
    asset_id: str = ""
    since: str = ""
    case_key: str = ""
    limit: int = 0


def list_findings(conn: sqlite3.Connection, flt: FindingFilter | None = None) -> list[Finding]:
    """Findings matching the filter, most severe and most recent first."""
    flt = flt or FindingFilter()
    where: list[str] = []
    args: list[object] = []
    if flt.status:
        if flt.status not in FINDING_STATUSES:
            raise UsageError(f"unknown status {flt.status!r}",
                             fix=f"use one of: {', '.join(FINDING_STATUSES)}")
        where.append("f.status = ?")
        args.append(flt.status)
    if flt.min_severity:
        if flt.min_severity not in SEVERITIES:
            raise UsageError(f"unknown severity {flt.min_severity!r}",
                             fix=f"use one of: {', '.join(SEVERITIES)}")
        allowed = SEVERITIES[severity_rank(flt.min_severity):]
        where.append(f"f.severity IN ({', '.join('?' * len(allowed))})")
        args.extend(allowed)
    if flt.kind:
        where.append("(f.kind = ? OR f.kind LIKE ?)")
        args.extend([flt.kind, f"{flt.kind}.%"])
    for column, value in (("f.asset_id", flt.asset_id), ("f.case_key", flt.case_key)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if flt.owner:
        where.append("a.owner LIKE ?")
        args.append(f"%{flt.owner}%")
    if flt.since:
        where.append("f.last_seen >= ?")
        args.append(flt.since)
    sql = "SELECT f.* FROM findings f LEFT JOIN assets a ON a.id = f.asset_id"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += (" ORDER BY CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1"
            " WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, f.last_seen DESC, f.fingerprint")
    if flt.limit:
        sql += f" LIMIT {int(flt.limit)}"
    return [_row_to_finding(row) for row in conn.execute(sql, args)]


def get_finding(conn: sqlite3.Connection, prefix: str) -> Finding:
    """One finding by fingerprint or a unique prefix of at least 6 characters."""
    if len(prefix) < 6:
        raise UsageError("fingerprint prefix too short", fix="give at least 6 characters")
    rows = conn.execute("SELECT * FROM findings WHERE fingerprint LIKE ? LIMIT 2",
                        (prefix.lower() + "%",)).fetchall()
    if not rows:
        raise NotFoundError(f"no finding with fingerprint {prefix}",
                            fix="see `csirt findings list` for fingerprints")
    if len(rows) > 1:
        raise UsageError(f"fingerprint prefix {prefix} is ambiguous", fix="give more characters")
    return _row_to_finding(rows[0])


def suppress_finding(conn: sqlite3.Connection, prefix: str, reason: str, by: str,
                     now: str, bind_to_content: bool = True) -> Finding:
    """Suppress one finding with who/when/why; bound to its sha256 when it has one."""
    if not reason.strip():
        raise UsageError("a suppression needs a reason", fix="pass --reason TEXT")
    finding = get_finding(conn, prefix)
    sha = finding.evidence.get("sha256") if bind_to_content else None
    conn.execute(
        "UPDATE findings SET status = 'suppressed', suppressed_reason = ?, suppressed_by = ?,"
        " suppressed_at = ?, suppressed_sha256 = ? WHERE fingerprint = ?",
        (reason, by, now, sha, finding.fingerprint),
    )
    return replace(finding, status="suppressed", suppressed_reason=reason, suppressed_by=by,
                   suppressed_at=now)


def set_status(conn: sqlite3.Connection, fingerprints: Iterable[str], status: str,
               case_key: str | None = None) -> int:
    """Move findings to a status (and case); returns rows changed."""
    if status not in FINDING_STATUSES:
        raise ValueError(f"unknown finding status {status!r}")
    cur = conn.executemany(
        "UPDATE findings SET status = ?, case_key = COALESCE(?, case_key) WHERE fingerprint = ?",
        [(status, case_key, fp) for fp in fingerprints],
    )
    return cur.rowcount
