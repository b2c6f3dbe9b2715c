"""Inventory revisions: what each import changed, and `assets diff`."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from csirt_kit.errors import NotFoundError

# Columns whose change an analyst cares about in a diff, with a label.
WATCHED = {"owner": "re-owned", "urls": "URLs changed", "ips": "IPs changed",
           "hostnames": "host names changed", "status": "status changed",
           "webroot": "webroot changed", "criticality": "criticality changed"}


@dataclass(frozen=True)
class AssetChange:
    """One asset's change in one revision."""

    revision: int
    asset_id: str
    change: str  # created | updated | retired
    fields: dict[str, tuple[Any, Any]]  # column -> (before, after), decoded

    @property
    def labels(self) -> list[str]:
        """Human labels of the watched fields that changed."""
        return [label for column, label in WATCHED.items() if column in self.fields]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"revision": self.revision, "asset_id": self.asset_id, "change": self.change,
                "labels": self.labels,
                "fields": {k: {"before": b, "after": a} for k, (b, a) in self.fields.items()}}


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def revisions(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every import, newest first."""
    return [dict(r) | {"files": json.loads(r["files"])}
            for r in conn.execute("SELECT * FROM asset_imports ORDER BY id DESC")]


def diff(conn: sqlite3.Connection, since: int | None = None) -> tuple[int, int, list[AssetChange]]:
    """Changes made after revision `since` (default: the one before the latest), merged per asset."""
    latest = conn.execute("SELECT max(id) FROM asset_imports").fetchone()[0]
    if latest is None:
        raise NotFoundError("no inventory has been imported yet", fix="run `csirt assets import`")
    base = latest - 1 if since is None else since
    if base < 0 or base > latest:
        raise NotFoundError(f"no inventory revision {since}", fix="see `csirt assets revisions`")
    merged: dict[str, AssetChange] = {}
    rows = conn.execute("SELECT * FROM asset_history WHERE revision > ? ORDER BY revision, asset_id",
                        (base,))
    for r in rows:
        before = {k: _decode(v) for k, v in json.loads(r["before"] or "{}").items()}
        after = {k: _decode(v) for k, v in json.loads(r["after"] or "{}").items()}
        if r["change"] == "created":
            fields = {k: (None, after[k]) for k in WATCHED if after.get(k)}
        else:
            fields = {k: (before.get(k), after.get(k)) for k in after}
        old = merged.get(r["asset_id"])
        if old is not None:  # several revisions: keep the first 'before' and the last 'after'
            change = "created" if old.change == "created" else r["change"]
            fields = {k: (old.fields.get(k, v)[0], v[1]) for k, v in fields.items()} | {
                k: v for k, v in old.fields.items() if k not in fields}
            merged[r["asset_id"]] = AssetChange(r["revision"], r["asset_id"], change, fields)
        else:
            merged[r["asset_id"]] = AssetChange(r["revision"], r["asset_id"], r["change"], fields)
    return base, latest, sorted(merged.values(), key=lambda c: (c.change, c.asset_id))
