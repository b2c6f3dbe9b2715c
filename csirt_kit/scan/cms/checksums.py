"""Release checksum manifests: parse, store, list and look up per CMS and version."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csirt_kit.errors import InputError, Problem, UsageError
from csirt_kit.scan.cms.profiles import BY_NAME
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso

_MD5 = re.compile(r"^[0-9a-f]{32}$")
_FIX = ('give the JSON of the WordPress checksums API: {"checksums": {"VERSION": {"path": "md5"}}}'
        ' or {"checksums": {"path": "md5"}} with --version')


@dataclass(frozen=True)
class Release:
    """One imported release manifest."""

    cms: str
    version: str
    files: int
    source: str
    imported_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `csirt cms checksums list` items."""
        return {"cms": self.cms, "version": self.version, "files": self.files,
                "source": self.source, "imported_at": self.imported_at}


def _check_files(files: Any, where: str, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(files, Mapping) or not files:
        problems.append(Problem(where, "checksums", "expected a non-empty object of path: md5"))
        return {}
    out: dict[str, str] = {}
    for path, md5 in files.items():
        value = md5.lower() if isinstance(md5, str) else ""
        clean = str(path).replace("\\", "/")
        clean = clean[2:] if clean.startswith("./") else clean
        if not _MD5.match(value):
            problems.append(Problem(where, str(path), f"not an md5 hex digest: {md5!r}"))
        elif clean.startswith("/") or ".." in clean.split("/") or not clean:
            problems.append(Problem(where, str(path), "path must be relative to the webroot"))
        else:
            out[clean] = value
    return out


def parse_manifest(text: str, source: str, version: str = "") -> dict[str, dict[str, str]]:
    """version -> {path: md5} from a manifest's JSON; InputError names the file and problem."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 0)
        raise InputError("checksum manifest is not valid JSON", where=f"{source}:{line}",
                         fix=_FIX, problems=[Problem(f"{source}:{line}", "", str(exc))]) from None
    sums = data.get("checksums") if isinstance(data, dict) else None
    if not isinstance(sums, dict) or not sums:
        raise InputError("checksum manifest holds no checksums", where=source, fix=_FIX)
    problems: list[Problem] = []
    flat = all(isinstance(v, str) for v in sums.values())
    if flat:
        if not version:
            raise UsageError(f"{source} holds checksums of one release without its version",
                             fix="pass --version V (the release the manifest is for)")
        releases = {version: _check_files(sums, source, problems)}
    else:
        if version and version not in sums:
            raise UsageError(f"{source} has no release {version}",
                             fix=f"releases in the file: {', '.join(sorted(map(str, sums)))}")
        releases = {str(v): _check_files(files, f"{source}: {v}", problems)
                    for v, files in sums.items() if not version or v == version}
    if problems:
        raise InputError(f"checksum manifest has {len(problems)} bad entries", where=source,
                         fix="fix or remove them; nothing was imported", problems=problems)
    return releases


def import_manifest(store: Store, path: Path, cms: str = "wordpress", version: str = "",
                    now: str = "") -> list[Release]:
    """Store every release of a manifest file (one transaction; a re-import replaces a release)."""
    if cms not in BY_NAME:
        raise UsageError(f"unknown CMS {cms!r}", fix=f"use one of: {', '.join(sorted(BY_NAME))}")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read checksum manifest: {exc}", where=str(path),
                         fix="give a readable UTF-8 JSON file") from None
    return store_releases(store, parse_manifest(text, str(path), version), cms, str(path), now)


def store_releases(store: Store, releases: Mapping[str, Mapping[str, str]], cms: str,
                   source: str, now: str = "") -> list[Release]:
    """Replace the stored files of each release in one transaction."""
    now = now or iso()
    out = []
    with store.write() as conn:
        for version, files in sorted(releases.items()):
            conn.execute("DELETE FROM cms_checksums WHERE cms = ? AND version = ?", (cms, version))
            conn.executemany("INSERT INTO cms_checksums (cms, version, path, md5) VALUES (?, ?, ?, ?)",
                             [(cms, version, p, m) for p, m in files.items()])
            conn.execute("INSERT OR REPLACE INTO cms_releases (cms, version, source, files, imported_at)"
                         " VALUES (?, ?, ?, ?, ?)", (cms, version, source, len(files), now))
            out.append(Release(cms, version, len(files), source, now))
    return out


def list_releases(conn: sqlite3.Connection) -> list[Release]:
    """Every imported release, by CMS and version."""
    rows = conn.execute("SELECT cms, version, files, source, imported_at FROM cms_releases"
                        " ORDER BY cms, version").fetchall()
    return [Release(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def release_files(conn: sqlite3.Connection, cms: str, version: str) -> dict[str, str] | None:
    """path -> md5 of one release, or None when it was never imported."""
    if not version or not conn.execute("SELECT 1 FROM cms_releases WHERE cms = ? AND version = ?",
                                       (cms, version)).fetchone():
        return None
    return dict(conn.execute("SELECT path, md5 FROM cms_checksums WHERE cms = ? AND version = ?",
                             (cms, version)).fetchall())
