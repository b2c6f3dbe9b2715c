"""The compiled-rules cache on disk, keyed by rule content and yara version.

One ``<key>.yarc`` (yara's saved rules) and ``<key>.json`` (namespaces and problems)
per rule set. A damaged entry is ignored and rebuilt; writes are atomic.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import platformdirs
import yara

from csirt_kit.config import APP, Config
from csirt_kit.scan.compile import NamespaceInfo, RuleInfo, RuleProblem

KEEP = 8  # newest entries kept; older ones are removed on store


def cache_dir(config: Config | None) -> Path:
    """scan.cache_dir, else ``rules`` in the user cache dir."""
    configured = str(config.get("scan.cache_dir", "") or "") if config else ""
    return Path(configured).expanduser() if configured else (
        Path(platformdirs.user_cache_dir(APP)) / "rules")


def save_compiled(rules: Any) -> bytes:
    """Compiled rules as bytes (what worker processes load)."""
    buf = io.BytesIO()
    rules.save(file=buf)
    return buf.getvalue()


def load_compiled(data: bytes) -> Any:
    """Compiled rules from bytes."""
    return yara.load(file=io.BytesIO(data))


def load(folder: Path, key: str) -> tuple[bytes, list[NamespaceInfo], list[RuleProblem]] | None:
    """A cached entry, or None when missing or damaged."""
    try:
        compiled = (folder / f"{key}.yarc").read_bytes()
        doc = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        load_compiled(compiled)  # damaged or from another libyara: rebuild
        namespaces = [NamespaceInfo(n["namespace"], n["path"],
                                    tuple(RuleInfo(r["rule"], tuple(r["tags"]), r["meta"])
                                          for r in n["rules"])) for n in doc["namespaces"]]
        problems = [RuleProblem(p["path"], p["line"], p["message"], p["level"])
                    for p in doc["problems"]]
    except (OSError, ValueError, KeyError, TypeError, yara.Error):
        return None
    return compiled, namespaces, problems


def store(folder: Path, key: str, compiled: bytes, namespaces: Sequence[NamespaceInfo],
          problems: Sequence[RuleProblem]) -> None:
    """Write one entry atomically; a read-only cache dir is silently skipped."""
    doc = {"namespaces": [{"namespace": n.namespace, "path": n.path,
                           "rules": [{"rule": r.rule, "tags": list(r.tags), "meta": r.meta}
                                     for r in n.rules]} for n in namespaces],
           "problems": [{"path": p.path, "line": p.line, "message": p.message, "level": p.level}
                        for p in problems]}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / f"{key}.yarc", compiled)
        _atomic_write(folder / f"{key}.json", json.dumps(doc, default=str).encode())
        _prune(folder)
    except OSError:
        return  # the cache only saves time; scanning works without it


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.yarc"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".json").unlink(missing_ok=True)
