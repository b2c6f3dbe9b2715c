"""The rows linking findings to their evidence blobs."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_ROLE_ORDER = ("evidence", "file", "log_lines", "snippets", "body", "headers", "text")


@dataclass(frozen=True)
class EvidenceFile:
    """One captured piece of a finding's evidence."""

    fingerprint: str
    role: str
    name: str
    sha256: str  # '' when it was not stored (cap)
    size: int
    original_size: int | None
    truncated: bool
    note: str
    captured_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the fingerprint is left to the enclosing finding)."""
        return {"role": self.role, "name": self.name, "sha256": self.sha256, "size": self.size,
                "original_size": self.original_size, "truncated": self.truncated,
                "note": self.note, "captured_at": self.captured_at}


def _order(ef: EvidenceFile) -> tuple[int, str, str, str]:
    rank = _ROLE_ORDER.index(ef.role) if ef.role in _ROLE_ORDER else len(_ROLE_ORDER)
    return rank, ef.captured_at, ef.name, ef.sha256


def evidence_of(conn: sqlite3.Connection, fingerprint: str) -> list[EvidenceFile]:
    """A finding's captured evidence: by role, oldest capture first."""
    rows = conn.execute("SELECT * FROM finding_evidence WHERE fingerprint = ?", (fingerprint,))
    found = [EvidenceFile(r["fingerprint"], r["role"], r["name"], r["sha256"], r["size"],
                          r["original_size"], bool(r["truncated"]), r["note"], r["captured_at"])
             for r in rows]
    return sorted(found, key=_order)


def evidence_of_many(conn: sqlite3.Connection,
                     fingerprints: Sequence[str]) -> dict[str, list[EvidenceFile]]:
    """evidence_of for several findings."""
    return {fp: evidence_of(conn, fp) for fp in fingerprints}
