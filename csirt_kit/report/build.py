"""Gather the digest of each department (OPD) from the store."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.cases.records import CaseFilter, list_cases, tasks_of
from csirt_kit.findings import FindingFilter, list_findings
from csirt_kit.models import SEVERITIES, Asset, severity_rank
from csirt_kit.store.assets import list_assets
from csirt_kit.timeutil import iso

SCANS = ("web", "files", "logs")
_OPEN = ("new", "in_case")


@dataclass(frozen=True)
class DeptDigest:
    """What one department head needs to know."""

    owner: str
    assets: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    open_by_severity: dict[str, int]
    top_findings: tuple[dict[str, Any], ...]
    open_cases: tuple[dict[str, Any], ...]
    never_scanned: tuple[dict[str, str], ...]
    nothing_to_scan: tuple[str, ...]
    suspended_answering: tuple[dict[str, str], ...]
    scan_errors: tuple[dict[str, str], ...]

    @property
    def open_findings(self) -> int:
        """Open findings in all."""
        return sum(self.open_by_severity.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"owner": self.owner, "assets": self.assets, "by_kind": self.by_kind,
                "by_status": self.by_status, "open_by_severity": self.open_by_severity,
                "open_findings": self.open_findings, "top_findings": list(self.top_findings),
                "open_cases": list(self.open_cases), "never_scanned": list(self.never_scanned),
                "nothing_to_scan": list(self.nothing_to_scan),
                "suspended_answering": list(self.suspended_answering),
                "scan_errors": list(self.scan_errors)}


@dataclass(frozen=True)
class Report:
    """Digests of every department (or one), with city totals."""

    generated_at: str
    departments: tuple[DeptDigest, ...]
    zone: str = "Asia/Jakarta"
    totals: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The `report --format json` document."""
        return {"generated_at": self.generated_at, "zone": self.zone, "totals": self.totals,
                "items": [d.to_dict() for d in self.departments], "count": len(self.departments)}


def _coverage(conn: sqlite3.Connection) -> dict[str, dict[str, sqlite3.Row]]:
    out: dict[str, dict[str, sqlite3.Row]] = defaultdict(dict)
    for row in conn.execute("SELECT * FROM asset_scans"):
        out[row["asset_id"]][row["scan"]] = row
    return out


def _wants(asset: Asset, scan: str) -> bool:
    return bool({"web": asset.urls, "files": asset.webroot, "logs": asset.logs}[scan])


def build_report(conn: sqlite3.Connection, owner: str = "", zone: str = "Asia/Jakarta",
                 top: int = 10) -> Report:
    """Digest per department; `owner` narrows to departments whose name contains it."""
    assets = [a for a in list_assets(conn) if not owner or owner.lower() in a.owner.lower()]
    by_owner: dict[str, list[Asset]] = defaultdict(list)
    for a in assets:
        by_owner[a.owner or "(no owner)"].append(a)
    owner_of = {a.id: a.owner or "(no owner)" for a in assets}
    findings: dict[str, list[Any]] = defaultdict(list)
    for f in list_findings(conn, FindingFilter()):
        if f.status in _OPEN and f.asset_id in owner_of:
            findings[owner_of[f.asset_id]].append(f)
    cases: dict[str, list[Any]] = defaultdict(list)
    for c in list_cases(conn, CaseFilter(stage="open")):
        if c.asset_id in owner_of:
            cases[owner_of[c.asset_id]].append(c)
    coverage = _coverage(conn)
    digests = []
    for name in sorted(by_owner):
        members = by_owner[name]
        active = [a for a in members if a.status == "active"]
        sev = Counter(f.severity for f in findings[name])
        worst = sorted(findings[name], key=lambda f: (-severity_rank(f.severity), f.asset_id or ""))
        digests.append(DeptDigest(
            owner=name, assets=len(members),
            by_kind=dict(Counter(a.kind for a in members)),
            by_status=dict(Counter(a.status for a in members)),
            open_by_severity={s: sev.get(s, 0) for s in SEVERITIES},
            top_findings=tuple({"fingerprint": f.fingerprint, "severity": f.severity,
                                "title": f.title, "asset_id": f.asset_id, "kind": f.kind,
                                "last_seen": f.last_seen, "status": f.status}
                               for f in worst[:top]),
            open_cases=tuple({"key": c.key, "title": c.title, "severity": c.severity,
                              "status": c.status, "asset_id": c.asset_id,
                              "tasks": [{"title": t.title, "group": t.group, "status": t.status}
                                        for t in tasks_of(conn, c.key)]}
                             for c in cases[name]),
            never_scanned=tuple({"asset_id": a.id, "scan": s} for a in active for s in SCANS
                                if _wants(a, s) and s not in coverage.get(a.id, {})),
            nothing_to_scan=tuple(a.id for a in active
                                  if not (a.urls or a.webroot or a.logs)
                                  and a.kind in ("website", "webapp", "server")),
            suspended_answering=tuple(
                {"asset_id": a.id, "detail": coverage[a.id]["probe"]["detail"]}
                for a in members if a.status == "suspended"
                and coverage.get(a.id, {}).get("probe") is not None
                and coverage[a.id]["probe"]["status"] == "answering"),
            scan_errors=tuple({"asset_id": a.id, "scan": s, "detail": row["detail"]}
                              for a in active for s, row in coverage.get(a.id, {}).items()
                              if row["status"] == "error"),
        ))
    totals = {"departments": len(digests), "assets": len(assets),
              "open_findings": sum(d.open_findings for d in digests),
              "open_cases": sum(len(d.open_cases) for d in digests),
              "open_by_severity": {s: sum(d.open_by_severity[s] for d in digests)
                                   for s in SEVERITIES},
              "never_scanned": sum(len(d.never_scanned) for d in digests),
              "suspended_answering": sum(len(d.suspended_answering) for d in digests)}
    return Report(iso(), tuple(digests), zone, totals)
