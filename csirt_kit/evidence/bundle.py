"""Evidence bundles: a zip or tar.gz of findings, their evidence JSON and blobs, with a manifest.

Layout: ``manifest.json`` (per finding: the finding, its asset and each captured file with
role, name, sha256, size and status), ``findings/<fingerprint>/evidence.json`` (the evidence
as stored now) and ``blobs/<sha256>.<ext>``. File copies and page bodies stay gzip-compressed
(``.gz``: defanged, never runnable as unpacked); log lines, headers and JSON are plain text.
A bundle is deterministic: the same evidence gives byte-identical archives (fixed times,
owners, modes and order; no creation time in the manifest), so its sha256 identifies it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from csirt_kit.errors import UsageError
from csirt_kit.evidence.blobs import blob_path, blob_root, check_blob, read_compressed
from csirt_kit.evidence.collect import evidence_json
from csirt_kit.evidence.records import EvidenceFile, evidence_of
from csirt_kit.findings import get_finding
from csirt_kit.models import Finding
from csirt_kit.store.assets import get_asset
from csirt_kit.store.db import Store

FORMATS = ("zip", "tar.gz")
MANIFEST_FORMAT = "csirt-kit evidence bundle 1"
DEFANGED_ROLES = frozenset({"file", "body"})
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Bundle:
    """A written bundle: where, its sha256 and size, and how many files it holds."""

    path: Path
    sha256: str
    size: int
    files: int
    findings: int = 0
    missing: int = 0  # captured files the manifest marks missing or corrupt

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"path": str(self.path), "sha256": self.sha256, "size": self.size,
                "files": self.files, "findings": self.findings, "missing": self.missing}


def _finding_doc(f: Finding) -> dict[str, Any]:
    # Only what the evidence fixes: last_seen, seen_count and status change on every
    # rescan and would give an unchanged finding a new bundle.
    return {"fingerprint": f.fingerprint, "kind": f.kind, "severity": f.severity,
            "title": f.title, "asset_id": f.asset_id, "rule": f.rule,
            "indicator": f.indicator, "tags": list(f.tags), "first_seen": f.first_seen}


# A member's bytes, or the blob file to copy them from when the archive is written (file
# copies can be megabytes each: only one is in memory at a time).
Member = bytes | Path


def _member(store: Store, ef: EvidenceFile) -> tuple[dict[str, Any], tuple[str, Member] | None]:
    doc = ef.to_dict()
    if not ef.sha256:
        return {**doc, "status": "not stored", "path": None}, None
    root = blob_root(store)
    compressed = read_compressed(root, ef.sha256) if root else None
    if compressed is None:
        return {**doc, "status": "missing", "path": None,
                "note": (ef.note + "; " if ef.note else "") + "blob not found in the store folder"}, None
    data = check_blob(compressed, ef.sha256)
    if data is None:
        return {**doc, "status": "corrupt", "path": None,
                "note": (ef.note + "; " if ef.note else "") + "blob does not match its sha256"}, None
    if ef.role in DEFANGED_ROLES and root is not None:
        name = f"blobs/{ef.sha256}.gz"
        return ({**doc, "status": "ok", "path": name, "defanged": "gzip"},
                (name, blob_path(root, ef.sha256)))
    name = f"blobs/{ef.sha256}.{'json' if ef.role == 'evidence' else 'txt'}"
    return {**doc, "status": "ok", "path": name}, (name, data)


def resolve(store: Store, fingerprints: Sequence[str]) -> list[Finding]:
    """The findings to bundle, each once, in fingerprint order (unknown: NotFoundError)."""
    if not fingerprints:
        raise UsageError("no findings to export", fix="give at least one fingerprint or --case KEY")
    found = {f.fingerprint: f for f in (get_finding(store.conn, fp) for fp in fingerprints)}
    return [found[fp] for fp in sorted(found)]


@dataclass(frozen=True)
class Contents:
    """What goes into a bundle: archive name -> bytes, and the manifest's counts."""

    members: dict[str, Member]
    findings: int
    missing: int


def contents(store: Store, findings: Sequence[Finding]) -> Contents:
    """The manifest, each finding's evidence JSON, and the blobs."""
    members: dict[str, Member] = {}
    docs = []
    missing = 0
    for f in findings:
        asset = get_asset(store.conn, f.asset_id) if f.asset_id else None
        current = evidence_json(f)
        evidence_name = f"findings/{f.fingerprint}/evidence.json"
        members[evidence_name] = current
        current_sha = hashlib.sha256(current).hexdigest()
        files = []
        for ef in evidence_of(store.conn, f.fingerprint):
            if ef.role == "evidence" and ef.sha256 == current_sha:
                files.append({**ef.to_dict(), "status": "ok", "path": evidence_name})
                continue
            doc, member = _member(store, ef)
            files.append(doc)
            if member:
                members[member[0]] = member[1]
        lost = sum(1 for d in files if d["status"] in ("missing", "corrupt"))
        missing += lost
        docs.append({"finding": _finding_doc(f), "asset": asset.to_dict() if asset else None,
                     "evidence": evidence_name, "files": files, "missing": lost})
    manifest = {"format": MANIFEST_FORMAT, "count": len(docs), "findings": docs}
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2,
                                          sort_keys=True).encode("utf-8", "backslashreplace") + b"\n"
    return Contents(members, len(docs), missing)


def _bytes(member: Member) -> bytes:
    return member.read_bytes() if isinstance(member, Path) else member


def _write_zip(out: BinaryIO, members: dict[str, Member]) -> None:
    with zipfile.ZipFile(out, "w") as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            # gzip blobs are compressed already; deflating them again only costs time
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".gz") else zipfile.ZIP_DEFLATED
            zf.writestr(info, _bytes(members[name]))


def _write_tar(out: BinaryIO, members: dict[str, Member]) -> None:
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members):
            data = _bytes(members[name])
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown bundle format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")


def _write(members: dict[str, Member], folder: Path, fmt: str) -> tuple[Path, str, int]:
    """Write the archive to a temp file in folder; returns (temp path, sha256, size)."""
    _check_format(fmt)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".evidence-", suffix=".part")
    except OSError as exc:
        raise UsageError(f"cannot write the bundle: {exc.strerror or exc}", where=str(folder),
                         fix="choose a writable folder for the bundle") from None
    try:
        with os.fdopen(fd, "w+b") as out:
            (_write_zip if fmt == "zip" else _write_tar)(out, members)
            out.flush()
            out.seek(0)
            digest = hashlib.sha256()
            for block in iter(lambda: out.read(1 << 20), b""):
                digest.update(block)
            size = out.tell()
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write the bundle: {exc.strerror or exc}", where=str(folder),
                         fix="check free space and permissions") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp), digest.hexdigest(), size


def _place(tmp: Path, target: Path) -> None:
    try:
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write the bundle: {exc.strerror or exc}", where=str(target),
                         fix="choose a writable path for the bundle") from None


def write_bundle(store: Store, fingerprints: Sequence[str], out: Path, fmt: str = "zip") -> Bundle:
    """Write the bundle of these findings to exactly this path (atomically)."""
    _check_format(fmt)
    got = contents(store, resolve(store, fingerprints))
    if out.is_dir():
        raise UsageError("the bundle path is a folder", where=str(out),
                         fix="give a file name, e.g. evidence.zip")
    tmp, sha, size = _write(got.members, out.parent, fmt)
    _place(tmp, out)
    return Bundle(out, sha, size, len(got.members), got.findings, got.missing)


def build_bundle(store: Store, fingerprints: Sequence[str], dest_dir: Path,
                 fmt: str = "zip") -> Bundle:
    """Write the bundle into dest_dir as evidence-<sha256 prefix>.zip|.tar.gz.

    The name carries the content's sha256, so the same evidence gives the same file (and
    name) again and a caller can tell an attachment it already sent.
    """
    _check_format(fmt)
    got = contents(store, resolve(store, fingerprints))
    tmp, sha, size = _write(got.members, Path(dest_dir), fmt)
    target = Path(dest_dir) / f"evidence-{sha[:16]}.{fmt}"
    _place(tmp, target)
    return Bundle(target, sha, size, len(got.members), got.findings, got.missing)


def case_fingerprints(store: Store, key: str) -> list[str]:
    """Every finding of a case (unknown key: NotFoundError; a case without findings: UsageError)."""
    from csirt_kit.cases.records import finding_fingerprints, get_case

    case = get_case(store.conn, key)
    fps = finding_fingerprints(store.conn, case.key)
    if not fps:
        raise UsageError(f"case {key} has no findings", fix="see `csirt cases show KEY`")
    return fps

