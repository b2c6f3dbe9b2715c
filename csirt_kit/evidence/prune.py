"""Retention: drop the captured evidence of findings closed long ago, and stray blobs.

Only findings that are resolved or suppressed and were last seen before the cut-off lose
their evidence; open findings (new, in_case) always keep it. A blob goes when no remaining
row names it. Blob files no row names (left by a capture that failed between writing the
blob and its row) go when older than a day, so a capture in progress is never raced.
`csirt findings export` never deletes anything; only this does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from csirt_kit.errors import UsageError
from csirt_kit.evidence.blobs import SUFFIX, blob_path, blob_root
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso, parse_iso

_STRAY_AGE = 86400.0


@dataclass(frozen=True)
class PruneResult:
    """What a prune removed (or would remove, with dry_run)."""

    findings: int = 0
    rows: int = 0
    blobs: int = 0
    bytes: int = 0
    dry_run: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {"findings": self.findings, "rows": self.rows, "blobs": self.blobs,
                "bytes": self.bytes, "dry_run": self.dry_run}


def _sha_of(path: Path) -> str:
    return path.parent.name + path.name[: -len(SUFFIX)]


def prune_evidence(store: Store, older_than_days: int, now: str | None = None,
                   dry_run: bool = False) -> PruneResult:
    """Remove evidence of resolved/suppressed findings last seen more than N days ago."""
    if older_than_days < 1:
        raise UsageError("--older-than must be at least 1 day", fix="e.g. --older-than 365")
    root = blob_root(store)
    cutoff = iso(parse_iso(now or iso()) - timedelta(days=older_than_days))
    fps = [r[0] for r in store.conn.execute(
        "SELECT DISTINCT e.fingerprint FROM finding_evidence e JOIN findings f"
        " ON f.fingerprint = e.fingerprint WHERE f.status IN ('resolved', 'suppressed')"
        " AND f.last_seen < ?", (cutoff,))]
    marks = ", ".join("?" * len(fps))
    rows = store.conn.execute(
        f"SELECT COUNT(*) FROM finding_evidence WHERE fingerprint IN ({marks})", fps
    ).fetchone()[0] if fps else 0
    shas = {r[0] for r in store.conn.execute(
        f"SELECT DISTINCT sha256 FROM finding_evidence WHERE fingerprint IN ({marks})"
        " AND sha256 != ''", fps)} if fps else set()
    kept = {r[0] for r in store.conn.execute(
        f"SELECT DISTINCT sha256 FROM finding_evidence WHERE fingerprint NOT IN ({marks})", fps)}
    doomed: list[Path] = []
    if root is not None:
        doomed = [blob_path(root, sha) for sha in sorted(shas - kept)]
        stray_before = time.time() - _STRAY_AGE
        named = kept | shas
        doomed += [p for p in sorted(root.glob(f"??/*{SUFFIX}"))
                   if _sha_of(p) not in named and p.stat().st_mtime < stray_before]
    existing = [p for p in doomed if p.is_file()]
    size = sum(p.stat().st_size for p in existing)
    if not dry_run:
        if fps:
            with store.write() as conn:
                conn.execute(f"DELETE FROM finding_evidence WHERE fingerprint IN ({marks})", fps)
        for p in existing:
            p.unlink(missing_ok=True)
    return PruneResult(len(fps), int(rows), len(existing), size, dry_run)
