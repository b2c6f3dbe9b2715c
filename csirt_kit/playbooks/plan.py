"""Plan cases: which new findings go to which new or existing case (a dry run of open_cases)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.cases.records import latest_case
from csirt_kit.findings import FindingFilter, list_findings
from csirt_kit.models import Asset, Finding
from csirt_kit.playbooks.match import case_severity, choose_playbook, group_value, ranked
from csirt_kit.playbooks.model import Playbook
from csirt_kit.playbooks.template import render
from csirt_kit.store.assets import get_asset


def case_key(base_key: str, generation: int) -> str:
    """The key of a generation: the base key, then ``#2``, ``#3`` after closed cases."""
    return base_key if generation <= 1 else f"{base_key}#{generation}"


@dataclass(frozen=True)
class PlannedCase:
    """New findings bound for one case, new (``create``) or still open (``join``)."""

    action: str
    key: str
    base_key: str
    generation: int
    playbook: Playbook = field(compare=False)
    group_value: str
    asset: Asset | None = field(compare=False)
    findings: tuple[Finding, ...] = field(compare=False)
    severity: str
    title: str
    title_id: str = ""
    previous_key: str | None = None

    def context(self) -> dict[str, Any]:
        """Template context: the asset, the first (worst) finding, playbook and case."""
        return {"asset": self.asset, "finding": self.findings[0], "playbook": self.playbook,
                "case": {"key": self.key, "count": len(self.findings), "severity": self.severity}}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict for `cases open --dry-run --json`."""
        return {"action": self.action, "key": self.key, "playbook": self.playbook.id,
                "asset_id": self.asset.id if self.asset else None, "severity": self.severity,
                "title": self.title, "title_id": self.title_id, "previous_key": self.previous_key,
                "findings": [f.fingerprint for f in self.findings]}


@dataclass(frozen=True)
class CasePlan:
    """The whole plan, and the findings no playbook takes (they stay new and listed)."""

    cases: tuple[PlannedCase, ...] = ()
    unmatched: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"cases": [c.to_dict() for c in self.cases],
                "unmatched": [{"fingerprint": f.fingerprint, "kind": f.kind, "title": f.title,
                               "asset_id": f.asset_id} for f in self.unmatched],
                "create": sum(1 for c in self.cases if c.action == "create"),
                "join": sum(1 for c in self.cases if c.action == "join")}


def build_plan(conn: sqlite3.Connection, playbooks: Sequence[Playbook],
               findings: Sequence[Finding] | None = None) -> CasePlan:
    """Match findings (default: all with status new) to playbooks and to cases."""
    if findings is None:
        findings = list_findings(conn, FindingFilter(status="new"))
    order = ranked(playbooks)
    assets: dict[str, Asset | None] = {}
    groups: dict[str, tuple[Playbook, list[Finding]]] = {}
    unmatched: list[Finding] = []
    for finding in findings:
        if finding.asset_id and finding.asset_id not in assets:
            assets[finding.asset_id] = get_asset(conn, finding.asset_id)
        asset = assets.get(finding.asset_id) if finding.asset_id else None
        playbook = choose_playbook(order, finding, asset)
        if playbook is None:
            unmatched.append(finding)
            continue
        base = f"{playbook.id}:{group_value(playbook, finding)}"
        groups.setdefault(base, (playbook, []))[1].append(finding)
    planned: list[PlannedCase] = []
    for base, (playbook, members) in sorted(groups.items()):
        asset_ids = {m.asset_id for m in members}
        asset = assets.get(members[0].asset_id) if len(asset_ids) == 1 and members[0].asset_id else None
        latest = latest_case(conn, base)
        if latest is not None and latest.stage == "open":
            action, generation, previous = "join", latest.generation, latest.previous_key
        else:
            action = "create"
            generation = latest.generation + 1 if latest else 1
            previous = latest.key if latest else None
        key = case_key(base, generation)
        severity = case_severity(playbook, members, asset)
        draft = PlannedCase(action, key, base, generation, playbook, base.split(":", 1)[1], asset,
                            tuple(members), severity, "", "", previous)
        ctx = draft.context()
        title = latest.title if action == "join" and latest else render(playbook.title, ctx)
        title_id = (latest.title_id if action == "join" and latest else
                    render(playbook.title_id, ctx) if playbook.title_id else "")
        planned.append(PlannedCase(action, key, base, generation, playbook, draft.group_value, asset,
                                   tuple(members), severity, title, title_id, previous))
    return CasePlan(tuple(planned), tuple(unmatched))
