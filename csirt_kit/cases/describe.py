"""Markdown texts sent to TheHive: the case description and the note for joined findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from csirt_kit.models import Asset, Finding

MAX_LISTED = 25


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")[:200]


def _evidence_line(finding: Finding) -> str:
    ev = finding.evidence
    where = ev.get("url") or ev.get("path") or ev.get("log") or ""
    if where and ev.get("line"):
        where = f"{where}:{ev['line']}"
    parts = [f"**{finding.severity}** {finding.title}"]
    if where:
        parts.append(f"at `{_cell(where)}`")
    if finding.rule:
        parts.append(f"rule `{_cell(finding.rule)}`")
    if finding.indicator:
        parts.append(f"indicator `{_cell(finding.indicator)}`")
    line = "- " + ", ".join(parts)
    line += f" (first seen {finding.first_seen}, fingerprint `{finding.fingerprint[:12]}`)"
    snippet = ev.get("snippet")
    if snippet:
        line += f"\n  - snippet: `{_cell(snippet)}`"
    raw = ev.get("indicator")
    nested: dict[str, Any] = raw if isinstance(raw, dict) else {}
    event = nested.get("event_info") or ev.get("event_info") or ev.get("event")
    if event:
        line += f"\n  - threat intel event: {_cell(event)}"
    return line


def findings_markdown(findings: Sequence[Finding]) -> str:
    """A bullet list of findings with their evidence (capped; the rest counted)."""
    lines = [_evidence_line(f) for f in findings[:MAX_LISTED]]
    if len(findings) > MAX_LISTED:
        lines.append(f"- ... and {len(findings) - MAX_LISTED} more (see `csirt findings list`)")
    return "\n".join(lines)


def case_description(intro: str, asset: Asset | None, findings: Sequence[Finding], key: str,
                     previous: str = "") -> str:
    """The case's markdown description: playbook text, asset and owner, evidence."""
    parts = [intro.strip(), ""]
    if previous:
        parts += [f"Follows the closed case {previous}: the same kind of problem was seen again.", ""]
    if asset is not None:
        parts += ["### Asset", "",
                  "| field | value |", "|---|---|",
                  f"| asset | {_cell(asset.name)} (`{_cell(asset.id)}`, {asset.kind}) |",
                  f"| owner | {_cell(asset.owner or '-')} |",
                  f"| contact | {_cell(asset.contact or '-')} |",
                  f"| criticality | {asset.criticality} |"]
        if asset.urls:
            parts.append(f"| urls | {_cell(', '.join(asset.urls[:5]))} |")
        if asset.ips:
            parts.append(f"| ips | {_cell(', '.join(asset.ips[:5]))} |")
        parts.append("")
    else:
        parts += ["### Asset", "", "No inventory asset is known for these findings.", ""]
    parts += ["### Findings", "", findings_markdown(findings), "",
              f"_Opened by csirt-kit; case key `{key}`._"]
    return "\n".join(parts)


def joined_markdown(findings: Sequence[Finding]) -> str:
    """The comment sent when new findings join an open case."""
    head = f"{len(findings)} new finding(s) joined this case:"
    return head + "\n\n" + findings_markdown(findings)
