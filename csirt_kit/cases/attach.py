"""Evidence bundles of a case's findings, attached to its TheHive case (or alert) once per content.

The bundle's name carries its sha256 (``evidence-<sha256 prefix>.zip``) and TheHive
reports each attachment's sha256, so a rerun that builds the same bundle sees it
there and sends nothing. The local backend records the bundle path as a case event.
"""

from __future__ import annotations

from pathlib import Path

from csirt_kit.cases import records
from csirt_kit.cases.backend import CaseBackend
from csirt_kit.cases.events import add_event
from csirt_kit.errors import CsirtError
from csirt_kit.store.db import MEMORY, Store
from csirt_kit.timeutil import iso


def _folder(store: Store, key: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
    return store.folder / "case-evidence" / safe


def send_evidence(store: Store, backend: CaseBackend, key: str, target: str, kind: str,
                  max_bytes: int, fresh: bool = False) -> str:
    """Bundle the case's findings and attach it unless the target has it; returns what was done.

    ``fresh``: the target was created by this very step, so it has no attachments to list.
    """
    try:
        from csirt_kit.evidence.bundle import build_bundle
    except ImportError:
        return "evidence bundles are not available in this installation"
    fps = records.finding_fingerprints(store.conn, key)
    if not fps or store.path == MEMORY:
        return "no evidence to bundle"
    try:
        bundle = build_bundle(store, fps, _folder(store, key), fmt="zip")
    except (CsirtError, OSError) as exc:  # a bundle that cannot be written must not stop the sync
        text = f"Evidence bundle not built: {getattr(exc, 'what', None) or exc}"
        with store.write() as conn:
            add_event(conn, key, "evidence", text, at=iso(), data={"error": str(exc)})
        return text
    data = {"path": str(bundle.path), "sha256": bundle.sha256, "size": bundle.size, "files": bundle.files,
            "backend": backend.name}
    if backend.name == "local":
        text = f"Evidence bundle {bundle.path} (sha256 {bundle.sha256}, {bundle.files} file(s))"
    elif bundle.size > max_bytes:
        text = (f"Evidence bundle {bundle.path} is {bundle.size} bytes, over the attachment cap of "
                f"{max_bytes} (cases.thehive.attachment_max_mb): not attached")
    elif not fresh and any(f.sha256 == bundle.sha256 or bundle.sha256[:16] in f.name
                           for f in backend.attachments(target, kind)):
        return f"bundle sha256 {bundle.sha256} is already attached"
    else:
        sent = backend.attach(target, str(bundle.path), kind)
        data["attachment"] = sent.id
        text = (f"Evidence bundle attached to {kind} {target} as {sent.name or bundle.path.name} "
                f"(sha256 {bundle.sha256}, {bundle.files} file(s))")
    with store.write() as conn:
        add_event(conn, key, "evidence", text, at=iso(), data=data)
    return text
