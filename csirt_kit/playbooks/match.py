"""Match findings to playbooks: explicit priority first, then the most specific, then id."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

from csirt_kit.models import SEVERITIES, Asset, Finding, severity_rank
from csirt_kit.playbooks.model import MatchSpec, Playbook

_UNSAFE = re.compile(r"[^A-Za-z0-9_.@-]+")


def _kind_matches(patterns: Sequence[str], kind: str) -> bool:
    return any(kind == p or (p.endswith(".*") and kind.startswith(p[:-1])) for p in patterns)


def matches(spec: MatchSpec, finding: Finding, asset: Asset | None) -> bool:
    """True when every criterion the playbook sets holds for the finding."""
    if spec.kinds and not _kind_matches(spec.kinds, finding.kind):
        return False
    if spec.tags_any and not {t.lower() for t in finding.tags} & set(spec.tags_any):
        return False
    if spec.rules_any and not (finding.rule and any(
            fnmatch.fnmatchcase(name, pattern) for pattern in spec.rules_any
            for name in (finding.rule, finding.rule.rsplit(":", 1)[-1]))):
        return False
    if spec.asset_kinds and (asset is None or asset.kind not in spec.asset_kinds):
        return False
    return not (spec.min_severity and severity_rank(finding.severity) < severity_rank(spec.min_severity))


def ranked(playbooks: Sequence[Playbook]) -> list[Playbook]:
    """Playbooks in the order they are tried."""
    return sorted(playbooks, key=lambda p: (-p.priority, -p.specificity, p.id))


def choose_playbook(order: Sequence[Playbook], finding: Finding, asset: Asset | None) -> Playbook | None:
    """The first playbook in `ranked` order that takes the finding, or None."""
    for playbook in order:
        if any(matches(spec, finding, asset) for spec in playbook.match):
            return playbook
    return None


def case_severity(playbook: Playbook, findings: Sequence[Finding], asset: Asset | None) -> str:
    """The playbook's floor or the worst finding, raised one step for critical assets."""
    rank = max([severity_rank(playbook.severity), *(severity_rank(f.severity) for f in findings)])
    if asset is not None and asset.criticality == "critical":
        rank = min(rank + 1, len(SEVERITIES) - 1)
    return SEVERITIES[rank]


def _safe(value: str) -> str:
    return _UNSAFE.sub("_", value).strip("_")[:80] or "none"


def group_value(playbook: Playbook, finding: Finding) -> str:
    """The part of the case key that says which case of this playbook a finding belongs to."""
    asset = _safe(finding.asset_id) if finding.asset_id else "no-asset"
    how = playbook.group_by
    if how == "asset":
        return asset
    if how == "asset+rule":
        return f"{asset}.{_safe(finding.rule or finding.indicator or 'none')}"
    if how == "rule":
        return _safe(finding.rule or "none")
    if how == "indicator":
        return _safe(finding.indicator or "none")
    if how == "finding":
        return finding.fingerprint[:16]
    return "all"
