"""Attach a rendered timeline to the case's TheHive counterpart."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import replace
from pathlib import Path

from csirt_kit.cases.records import get_case
from csirt_kit.cases.thehive import TheHiveBackend
from csirt_kit.config import Config
from csirt_kit.errors import UsageError
from csirt_kit.store.db import Store
from csirt_kit.timeline.build import Timeline
from csirt_kit.timeline.render import to_markdown


def attach_to_thehive(store: Store, config: Config, timeline: Timeline) -> str:
    """Upload the Markdown timeline as a case attachment; returns the file name.

    The file name carries a hash of the timeline's content (not of the time it was rendered),
    so attaching an unchanged timeline again is recognised (looked up first) and sends no
    second upload.
    """
    key = timeline.case.key
    markdown = to_markdown(timeline)
    case = get_case(store.conn, key)
    if case.backend != "thehive" or not case.backend_id:
        raise UsageError(f"case {key} has no TheHive counterpart yet",
                         fix="set cases.backend = \"thehive\" and run `csirt cases sync` first")
    stable = to_markdown(replace(timeline, generated_at=""))
    digest = hashlib.sha256(stable.encode("utf-8")).hexdigest()[:12]
    name = f"timeline-{key.replace(':', '_').replace('/', '_')}-{digest}.md"
    backend = TheHiveBackend(config)
    try:
        found = backend._call(f"find attachments of case {key}", backend.api.case.find_attachments,
                              case.backend_id)
        if isinstance(found, list) and any(isinstance(a, dict) and a.get("name") == name
                                           for a in found):
            return name
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_text(markdown, encoding="utf-8")
            backend._call(f"attach timeline to case {key}", backend.api.case.add_attachment,
                          case.backend_id, [str(path)])
    finally:
        backend.close()
    return name
