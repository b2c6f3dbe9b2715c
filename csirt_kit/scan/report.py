"""The result document every scan returns, and how it is stored."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.config import Config
from csirt_kit.errors import CsirtError
from csirt_kit.evidence.collect import capture
from csirt_kit.evidence.settings import EvidenceSettings, evidence_settings
from csirt_kit.findings import UpsertResult, upsert_findings
from csirt_kit.models import SEVERITIES, Finding, severity_rank
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ScanError:
    """A target that could not be scanned, and why (the run goes on)."""

    target: str
    error: str

    def to_dict(self) -> dict[str, str]:
        """JSON shape: {"target", "error"}."""
        return {"target": self.target, "error": self.error}


@dataclass(frozen=True)
class ScanReport:
    """Findings, errors and statistics of one scan (DESIGN section 5 `--json`)."""

    findings: tuple[Finding, ...] = ()
    errors: tuple[ScanError, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def by_severity(self) -> dict[str, int]:
        """Count of findings per severity, every severity present."""
        counts = Counter(f.severity for f in self.findings)
        return {s: counts.get(s, 0) for s in SEVERITIES}

    def worst(self) -> str:
        """The highest severity among the findings ('' when none)."""
        if not self.findings:
            return ""
        return max((f.severity for f in self.findings), key=severity_rank)

    def to_dict(self, statuses: dict[str, str] | None = None) -> dict[str, Any]:
        """The `--json` document; statuses override each finding's stored status."""
        statuses = statuses or {}
        items = []
        for f in self.findings:
            item = f.to_dict()
            item["status"] = statuses.get(f.fingerprint, f.status)
            items.append(item)
        return {"findings": items, "errors": [e.to_dict() for e in self.errors],
                "stats": {**self.stats, "by_severity": self.by_severity()}}


def merge_reports(reports: Sequence[ScanReport]) -> ScanReport:
    """One report from several (stats of numbers are summed)."""
    stats: dict[str, Any] = {}
    for r in reports:
        for key, value in r.stats.items():
            if isinstance(value, int | float) and isinstance(stats.get(key, 0), int | float):
                stats[key] = stats.get(key, 0) + value
            else:
                stats[key] = value
    return ScanReport(tuple(f for r in reports for f in r.findings),
                      tuple(e for r in reports for e in r.errors), stats)


def persist(store: Store, report: ScanReport, now: str | None = None,
            evidence: EvidenceSettings | Config | None = None) -> UpsertResult:
    """Upsert the report's findings in one transaction (a rescan never duplicates).

    Then capture their evidence (csirt_kit.evidence) with the given settings or the
    config's `[evidence]` table (defaults when None). A wrong `[evidence]` value raises
    ConfigError after the findings are stored; a capture that fails is logged and never
    loses the findings.
    """
    now = now or iso()
    with store.write() as conn:
        result = upsert_findings(conn, report.findings, now)
    settings = evidence if isinstance(evidence, EvidenceSettings) else evidence_settings(evidence)
    quiet = set(result.quiet)
    try:
        capture(store, [f for f in report.findings if f.fingerprint not in quiet], settings, now)
    except (CsirtError, OSError) as exc:
        log.warning("evidence capture failed, findings are stored: %s", exc)
    except Exception as exc:  # a bug in capture must not end a scan whose findings are stored
        log.error("evidence capture failed (a bug, please report it), findings are stored: %s",
                  exc, exc_info=log.isEnabledFor(logging.DEBUG))
    return result


def stored_statuses(store: Store, report: ScanReport) -> dict[str, str]:
    """The stored status of each finding of a report (suppressed ones show as such)."""
    out: dict[str, str] = {}
    for f in report.findings:
        row = store.conn.execute("SELECT status FROM findings WHERE fingerprint = ?",
                                 (f.fingerprint,)).fetchone()
        if row:
            out[f.fingerprint] = row[0]
    return out
