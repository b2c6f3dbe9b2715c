"""Rich renderings shared by commands; each takes a console so tests can capture it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from csirt_kit.models import Asset, Finding

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan",
                  "info": "dim"}


def table(console: Console, title: str, columns: Sequence[str],
          rows: Iterable[Sequence[Any]], empty: str = "nothing to show") -> None:
    """A simple table; prints `empty` when there are no rows."""
    t = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        t.add_column(column, overflow="fold")
    count = 0
    for row in rows:
        t.add_row(*(Text("" if v is None else str(v)) for v in row))
        count += 1
    if count:
        console.print(t)
    else:
        console.print(empty)


def key_values(console: Console, title: str, pairs: Iterable[tuple[str, Any]]) -> None:
    """A two-column key/value table."""
    t = Table(title=title, title_justify="left", show_header=False)
    t.add_column("key", style="bold")
    t.add_column("value", overflow="fold")
    for key, value in pairs:
        if isinstance(value, list | tuple):
            value = "\n".join(str(v) for v in value)
        t.add_row(key, Text("" if value is None else str(value)))
    console.print(t)


def severity(text: str) -> Text:
    """A severity in its colour."""
    return Text(text, style=SEVERITY_STYLE.get(text, ""))


def assets_table(console: Console, assets: Sequence[Asset]) -> None:
    """The `assets list` table."""
    table(console, f"{len(assets)} assets",
          ["id", "name", "kind", "owner", "crit.", "status", "urls / ips"],
          ([a.id, a.name, a.kind, a.owner, a.criticality, a.status,
            "; ".join(list(a.urls[:2]) + list(a.ips[:2]))] for a in assets),
          empty="no assets match")


def findings_table(console: Console, findings: Sequence[Finding]) -> None:
    """The `findings list` table."""
    t = Table(title=f"{len(findings)} findings", title_justify="left")
    for column in ("fingerprint", "severity", "kind", "asset", "title", "status", "last seen",
                   "seen"):
        t.add_column(column, overflow="fold")
    for f in findings:
        t.add_row(f.fingerprint[:12], Text(f.severity, style=SEVERITY_STYLE.get(f.severity, "")),
                  Text(f.kind), Text(f.asset_id or "-"), Text(f.title),
                  Text(f.status + (f" ({f.case_key})" if f.case_key else "")), f.last_seen,
                  str(f.seen_count))
    if findings:
        console.print(t)
    else:
        console.print("no findings match")
