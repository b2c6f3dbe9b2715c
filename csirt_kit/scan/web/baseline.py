"""Per-URL baselines (content hash, title, trimmed text) and the defacement decision.

A page is judged defaced when its content changed a lot since the baseline (snapshot
similarity below ``defacement_similarity``) and either its title changed or a rule
tagged ``defacement`` matches it. A defaced page does not replace the baseline, so every
rescan keeps reporting it until the site is restored (or the baseline is accepted by
the change being small or plain). Other changes become the new baseline. A baseline taken
while the page already matched defacement rules (first scan of a defaced site) is marked,
so the site's restoration becomes the new baseline instead of a defacement finding.
"""

from __future__ import annotations

import difflib
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Baseline:
    """The last accepted state of one URL."""

    url: str
    sha256: str
    title: str
    snapshot: str
    size: int = 0
    asset_id: str | None = None
    defaced: bool = False  # matched defacement rules when taken


@dataclass(frozen=True)
class Change:
    """How a page differs from its baseline."""

    similarity: float
    title_changed: bool
    old_title: str
    new_title: str


def get_baseline(conn: sqlite3.Connection, url: str) -> Baseline | None:
    """The baseline of a URL, if one was taken."""
    row = conn.execute("SELECT url, sha256, title, snapshot, size, asset_id, defaced FROM web_baselines"
                       " WHERE url = ?", (url,)).fetchone()
    if row is None:
        return None
    return Baseline(url=row[0], sha256=row[1], title=row[2], snapshot=row[3], size=row[4],
                    asset_id=row[5], defaced=bool(row[6]))


def put_baseline(conn: sqlite3.Connection, b: Baseline, now: str) -> None:
    """Insert or replace a URL's baseline (the caller holds the write transaction)."""
    conn.execute(
        "INSERT INTO web_baselines (url, asset_id, sha256, title, snapshot, size, defaced, first_seen,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET"
        " asset_id = excluded.asset_id, sha256 = excluded.sha256, title = excluded.title,"
        " snapshot = excluded.snapshot, size = excluded.size, defaced = excluded.defaced,"
        " updated_at = excluded.updated_at",
        (b.url, b.asset_id, b.sha256, b.title, b.snapshot, b.size, int(b.defaced), now, now))


def compare(old: Baseline, new: Baseline) -> Change | None:
    """None when the content is the same, else similarity and title change."""
    if old.sha256 == new.sha256:
        return None
    matcher = difflib.SequenceMatcher(None, old.snapshot[:2000], new.snapshot[:2000], autojunk=False)
    similarity = 1.0 if old.snapshot == new.snapshot else matcher.ratio()
    return Change(round(similarity, 3), old.title.strip() != new.title.strip(), old.title, new.title)


def is_defacement(change: Change, threshold: float, defacement_hit: bool, was_defaced: bool = False) -> bool:
    """A large change that also changes the title or matches a defacement rule (not a restoration)."""
    if was_defaced and not defacement_hit:
        return False
    return change.similarity < threshold and (change.title_changed or defacement_hit)
