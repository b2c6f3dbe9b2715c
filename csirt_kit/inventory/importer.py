"""`assets import`: validate every file first, then write all of it in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from csirt_kit.errors import InputError
from csirt_kit.inventory.readers import read_table
from csirt_kit.inventory.validate import RowValidator
from csirt_kit.models import Asset
from csirt_kit.store.assets import retire_missing, upsert_assets
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso


@dataclass(frozen=True)
class FileReport:
    """What one inventory file held."""

    path: str
    rows: int
    columns: dict[str, list[str]]
    ignored_columns: tuple[str, ...]


@dataclass(frozen=True)
class ImportReport:
    """The result document of `assets import`."""

    files: tuple[FileReport, ...]
    assets: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: tuple[str, ...] = ()
    dry_run: bool = False
    revision: int | None = None


def load_inventory(paths: Sequence[Path], encoding: str = "") -> tuple[list[Asset],
                                                                       list[FileReport]]:
    """Read and validate every file; raise InputError listing every bad row."""
    validator = RowValidator()
    assets: list[Asset] = []
    reports: list[FileReport] = []
    for path in paths:
        table = read_table(path, encoding)
        found, cmap = validator.table(table)
        assets.extend(found)
        reports.append(FileReport(str(path), len(table.rows), cmap.fields, cmap.ignored))
    if validator.problems:
        count = len(validator.problems)
        raise InputError(
            f"inventory rejected: {count} problem{'s' if count != 1 else ''}; nothing was imported",
            fix="correct the rows above and import again (--dry-run checks without writing)",
            problems=validator.problems,
        )
    return assets, reports


def import_inventory(store: Store, paths: Sequence[Path], *, dry_run: bool = False,
                     replace: bool = False, encoding: str = "") -> ImportReport:
    """Validate the files, then upsert (and with replace, retire missing) in one transaction."""
    assets, reports = load_inventory(paths, encoding)
    now = iso()
    source = ", ".join(str(p) for p in paths)
    with store.write() as conn:
        counts = upsert_assets(conn, assets, source=source, now=now)
        retired = retire_missing(conn, [a.id for a in assets], now) if replace else []
        revision = None
        if dry_run:
            # Running the real upsert and rolling back gives exact counts for free.
            conn.execute("ROLLBACK")
            conn.execute("BEGIN IMMEDIATE")
        else:
            cur = conn.execute(
                "INSERT INTO asset_imports (at, files, created, updated, unchanged, retired)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (now, json.dumps([str(p) for p in paths]), counts.created, counts.updated,
                 counts.unchanged, len(retired)),
            )
            revision = cur.lastrowid
            history = [(revision, aid, change, json.dumps(before) if before else None,
                        json.dumps(after)) for aid, change, before, after in counts.changes]
            history += [(revision, aid, "retired", json.dumps({"status": "active"}),
                         json.dumps({"status": "retired"})) for aid in retired]
            conn.executemany("INSERT INTO asset_history (revision, asset_id, change, before, after)"
                             " VALUES (?, ?, ?, ?, ?)", history)
    return ImportReport(
        files=tuple(reports), assets=len(assets), created=counts.created,
        updated=counts.updated, unchanged=counts.unchanged, retired=tuple(retired),
        dry_run=dry_run, revision=revision,
    )
