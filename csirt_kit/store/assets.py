"""Asset rows: upsert by id, retire, list with filters, fetch one."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from csirt_kit.models import Asset, Software

# One encoder instance: json.dumps(..., ensure_ascii=False) builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False).encode
_LIST_FIELDS = ("urls", "hostnames", "ips", "networks", "logs", "tags")
_COLUMNS = ("id", "name", "kind", "owner", "contact", "criticality", "status", *_LIST_FIELDS,
            "software", "webroot", "notes", "host")


@dataclass(frozen=True)
class AssetFilter:
    """Filters of `assets list`; empty values match everything."""

    owner: str = ""
    kind: str = ""
    status: str = ""
    criticality: str = ""
    search: str = ""


def _row_values(asset: Asset) -> dict[str, object]:
    values: dict[str, object] = {
        "id": asset.id, "name": asset.name, "kind": asset.kind, "owner": asset.owner,
        "contact": asset.contact, "criticality": asset.criticality, "status": asset.status,
        "webroot": asset.webroot, "notes": asset.notes, "host": asset.host,
        "software": _encode([s.__dict__ for s in asset.software]),
    }
    for name in _LIST_FIELDS:
        values[name] = _encode(list(getattr(asset, name)))
    return values


def asset_from_row(row: sqlite3.Row) -> Asset:
    """Build an Asset from a row of the assets table."""
    lists = {name: tuple(json.loads(row[name])) for name in _LIST_FIELDS}
    software = tuple(Software(**item) for item in json.loads(row["software"]))
    return Asset(
        id=row["id"], name=row["name"], kind=row["kind"], owner=row["owner"],
        contact=row["contact"], criticality=row["criticality"], status=row["status"],
        software=software, webroot=row["webroot"], notes=row["notes"], host=row["host"],
        **lists,
    )


@dataclass(frozen=True)
class UpsertCounts:
    """What an upsert changed; changes hold (asset id, change, before, after) for history."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: tuple[tuple[str, str, dict[str, object] | None, dict[str, object]], ...] = ()


def upsert_assets(conn: sqlite3.Connection, assets: Iterable[Asset], source: str,
                  now: str) -> UpsertCounts:
    """Insert new assets and update changed ones; the caller holds the transaction."""
    existing = {row["id"]: row for row in conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM assets")}
    created = updated = unchanged = 0
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    changes: list[tuple[str, str, dict[str, object] | None, dict[str, object]]] = []
    for asset in assets:
        values = _row_values(asset)
        old = existing.get(asset.id)
        if old is None:
            inserts.append(values)
            created += 1
            changes.append((asset.id, "created", None, values))
        elif any(old[k] != values[k] for k in _COLUMNS):
            updates.append(values)
            updated += 1
            diff = [k for k in _COLUMNS if old[k] != values[k]]
            changes.append((asset.id, "updated", {k: old[k] for k in diff},
                            {k: values[k] for k in diff}))
        else:
            unchanged += 1
    cols = ", ".join(_COLUMNS)
    marks = ", ".join(f":{c}" for c in _COLUMNS)
    conn.executemany(
        f"INSERT INTO assets ({cols}, source, created_at, updated_at, retired_at)"
        f" VALUES ({marks}, :source, :now, :now, NULL)",
        [{**v, "source": source, "now": now} for v in inserts],
    )
    sets = ", ".join(f"{c} = :{c}" for c in _COLUMNS if c != "id")
    conn.executemany(
        f"UPDATE assets SET {sets}, source = :source, updated_at = :now,"
        " retired_at = CASE WHEN :status = 'retired' THEN COALESCE(retired_at, :now) ELSE NULL END"
        " WHERE id = :id",
        [{**v, "source": source, "now": now} for v in updates],
    )
    return UpsertCounts(created, updated, unchanged, tuple(changes))


def retire_missing(conn: sqlite3.Connection, keep_ids: Sequence[str], now: str) -> list[str]:
    """Retire every non-retired asset whose id is not in keep_ids; return their ids."""
    keep = set(keep_ids)
    gone = [row[0] for row in conn.execute("SELECT id FROM assets WHERE status != 'retired'")
            if row[0] not in keep]
    conn.executemany(
        "UPDATE assets SET status = 'retired', retired_at = ?, updated_at = ? WHERE id = ?",
        [(now, now, asset_id) for asset_id in gone],
    )
    return gone


def _query(flt: AssetFilter | None) -> tuple[str, list[object]]:
    flt = flt or AssetFilter()
    where: list[str] = []
    args: list[object] = []
    for column in ("kind", "status", "criticality"):
        value = getattr(flt, column)
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if flt.owner:
        where.append("owner LIKE ?")
        args.append(f"%{flt.owner}%")
    if flt.search:
        where.append("(id LIKE ? OR name LIKE ? OR owner LIKE ? OR urls LIKE ? OR hostnames LIKE ?"
                     " OR ips LIKE ? OR software LIKE ? OR tags LIKE ? OR notes LIKE ?)")
        args.extend([f"%{flt.search}%"] * 9)
    sql = "SELECT * FROM assets"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY owner, id"
    return sql, args


def list_assets(conn: sqlite3.Connection, flt: AssetFilter | None = None) -> list[Asset]:
    """Assets matching the filter, ordered by owner then id."""
    sql, args = _query(flt)
    return [asset_from_row(row) for row in conn.execute(sql, args)]


_JSON_ROW = ("json_object('id', id, 'name', name, 'kind', kind, 'owner', owner, 'contact', contact,"
             " 'criticality', criticality, 'status', status, 'urls', json(urls),"
             " 'hostnames', json(hostnames), 'ips', json(ips), 'networks', json(networks),"
             " 'software', json(software), 'webroot', webroot, 'logs', json(logs),"
             " 'tags', json(tags), 'notes', notes, 'host', host)")


def list_assets_json(conn: sqlite3.Connection, flt: AssetFilter | None = None) -> tuple[str, int]:
    """The matching assets as one JSON array text (Asset.to_dict's shape), built by SQLite.

    The list columns are stored as JSON already, so SQLite's JSON functions assemble the
    document in C; `assets list --json` over a whole city's inventory needs no Python objects.
    """
    sql, args = _query(flt)
    sql = sql.replace("SELECT * FROM assets", f"SELECT {_JSON_ROW} FROM assets", 1)
    rows = [row[0] for row in conn.execute(sql, args)]
    return "[" + ", ".join(rows) + "]", len(rows)


def list_asset_dicts(conn: sqlite3.Connection, flt: AssetFilter | None = None) -> list[dict[str, Any]]:
    """The same assets as JSON-ready dicts (Asset.to_dict's shape), without building Assets.

    `assets list --json` on a whole city's inventory spends most of its time building
    objects only to take them apart again; this reads the stored JSON columns directly.
    """
    sql, args = _query(flt)
    loads = json.loads
    out = []
    for row in conn.execute(sql, args):
        out.append({
            "id": row["id"], "name": row["name"], "kind": row["kind"], "owner": row["owner"],
            "contact": row["contact"], "criticality": row["criticality"], "status": row["status"],
            "urls": loads(row["urls"]), "hostnames": loads(row["hostnames"]),
            "ips": loads(row["ips"]), "networks": loads(row["networks"]),
            "software": loads(row["software"]), "webroot": row["webroot"],
            "logs": loads(row["logs"]), "tags": loads(row["tags"]), "notes": row["notes"],
            "host": row["host"]})
    return out


def get_asset(conn: sqlite3.Connection, asset_id: str) -> Asset | None:
    """One asset by id, or None."""
    row = conn.execute("SELECT * FROM assets WHERE id = ?", (asset_id,)).fetchone()
    return asset_from_row(row) if row else None


def asset_times(conn: sqlite3.Connection, asset_id: str) -> dict[str, str | None]:
    """Bookkeeping times and source file of one asset."""
    row = conn.execute("SELECT source, created_at, updated_at, retired_at FROM assets WHERE id = ?",
                       (asset_id,)).fetchone()
    return dict(row) if row else {}
