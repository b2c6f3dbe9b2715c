"""Templated playbook texts: ``{asset.name}``, ``{finding.rule}``, ``{finding.evidence.url}``.

Only dotted names of known fields are replaced (no format specs, no attribute
tricks); ``{{`` and ``}}`` give literal braces. A missing value renders as ``-``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from csirt_kit.models import Asset, Finding

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[A-Za-z0-9_-]+)*$")
ROOTS: dict[str, frozenset[str]] = {
    "asset": frozenset(f.name for f in fields(Asset)),
    "finding": frozenset(f.name for f in fields(Finding)),
    "playbook": frozenset({"id", "title", "severity", "tlp", "pap"}),
    "case": frozenset({"key", "count", "severity"}),
}
MISSING = "-"


def placeholders(text: str) -> list[str]:
    """The dotted names a template uses (literal braces excluded)."""
    return [m.group(1) for m in _PLACEHOLDER.finditer(text) if m.group(1) is not None]


def template_problems(text: str) -> list[str]:
    """Why a template would not render: unknown roots or fields, bad syntax."""
    problems: list[str] = []
    stripped = _PLACEHOLDER.sub("", text)
    if "{" in stripped or "}" in stripped:
        problems.append("unbalanced brace (write {{ or }} for a literal brace)")
    for name in placeholders(text):
        if not _NAME.match(name):
            problems.append(f"{{{name}}} is not a field name such as {{asset.name}}")
            continue
        root, _, rest = name.partition(".")
        if root not in ROOTS:
            problems.append(f"{{{name}}}: unknown name {root!r} (use asset, finding, playbook or case)")
            continue
        head = rest.split(".", 1)[0]
        if not head:
            problems.append(f"{{{name}}}: name a field, e.g. {{{root}.{sorted(ROOTS[root])[0]}}}")
        elif head not in ROOTS[root]:
            problems.append(f"{{{name}}}: {root} has no field {head!r}")
        elif "." in rest and not (root == "finding" and head == "evidence"):
            problems.append(f"{{{name}}}: only finding.evidence has sub-fields")
    return problems


def _lookup(context: Mapping[str, Any], name: str) -> Any:
    parts = name.split(".")
    node: Any = context.get(parts[0])
    for part in parts[1:]:
        if node is None:
            return None
        node = node.get(part) if isinstance(node, Mapping) else getattr(node, part, None)
    return node


def _text(value: Any) -> str:
    if value is None or value == "" or value == () or value == []:
        return MISSING
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def render(text: str, context: Mapping[str, Any]) -> str:
    """Fill a template from a context of asset, finding, playbook and case values."""

    def repl(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return _text(_lookup(context, match.group(1)))

    return _PLACEHOLDER.sub(repl, text)
