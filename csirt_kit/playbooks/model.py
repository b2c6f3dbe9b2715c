"""The playbook model: what a YAML playbook says, as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GROUP_BY = ("asset", "asset+rule", "rule", "indicator", "finding", "none")
TLP_LEVELS = ("clear", "white", "green", "amber", "amber+strict", "red")
PAP_LEVELS = ("clear", "white", "green", "amber", "red")
TASK_GROUPS = ("identification", "containment", "eradication", "recovery", "lessons", "default")


@dataclass(frozen=True)
class TaskSpec:
    """One task a playbook puts in each of its cases (texts may hold templates)."""

    title: str
    group: str = "default"
    description: str = ""
    title_id: str = ""
    description_id: str = ""


@dataclass(frozen=True)
class MatchSpec:
    """One alternative of a playbook's match: every criterion it sets must hold."""

    kinds: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    rules_any: tuple[str, ...] = ()
    asset_kinds: tuple[str, ...] = ()
    min_severity: str = ""

    @property
    def specificity(self) -> int:
        """How many criteria are set: more criteria, more specific."""
        return sum(1 for c in (self.kinds, self.tags_any, self.rules_any, self.asset_kinds,
                               self.min_severity) if c)


@dataclass(frozen=True)
class Playbook:
    """One playbook: match criteria, case texts, severity floor, grouping and tasks."""

    id: str
    title: str
    description: str
    match: tuple[MatchSpec, ...]
    severity: str = "medium"
    tlp: str = "amber"
    pap: str = "amber"
    group_by: str = "asset"
    priority: int = 0
    tags: tuple[str, ...] = ()
    tasks: tuple[TaskSpec, ...] = ()
    title_id: str = ""
    description_id: str = ""
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def specificity(self) -> int:
        """The most specific alternative's criteria count (ranks playbooks of equal priority)."""
        return max((m.specificity for m in self.match), default=0)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict for `playbooks show --json`."""
        return {
            "id": self.id, "title": self.title, "title_id": self.title_id,
            "description": self.description, "description_id": self.description_id,
            "match": [{"kinds": list(m.kinds), "tags_any": list(m.tags_any),
                       "rules_any": list(m.rules_any), "asset_kinds": list(m.asset_kinds),
                       "min_severity": m.min_severity} for m in self.match],
            "severity": self.severity, "tlp": self.tlp, "pap": self.pap,
            "group_by": self.group_by, "priority": self.priority, "tags": list(self.tags),
            "tasks": [{"group": t.group, "title": t.title, "title_id": t.title_id,
                       "description": t.description, "description_id": t.description_id}
                      for t in self.tasks],
            "source": self.source,
        }
