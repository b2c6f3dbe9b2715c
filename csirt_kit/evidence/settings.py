"""The `[evidence]` config table: what capture keeps and how much.

Keys (defaults):
  capture = true                  capture evidence when scan findings are stored
  max_blob_bytes = 2097152        one stored copy (file, page body, log excerpt) is cut here
  max_finding_bytes = 8388608     all blobs of one finding together; beyond it nothing more is kept
  context_lines = 5               log lines kept before and after each hit line
  max_log_read_bytes = 268435456  a log is read this far to find the lines; beyond it the snippets
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from csirt_kit.config import Config
from csirt_kit.errors import ConfigError


@dataclass(frozen=True)
class EvidenceSettings:
    """Caps and switches of evidence capture."""

    capture: bool = True
    max_blob_bytes: int = 2 << 20
    max_finding_bytes: int = 8 << 20
    context_lines: int = 5
    max_log_read_bytes: int = 256 << 20


_INTS = ("max_blob_bytes", "max_finding_bytes", "context_lines", "max_log_read_bytes")


def evidence_settings(config: Config | None) -> EvidenceSettings:
    """Settings from `[evidence]`; a wrong value is a ConfigError naming the key."""
    if config is None:
        return EvidenceSettings()
    section: dict[str, Any] = config.section("evidence")
    values: dict[str, Any] = {}
    for key in _INTS:
        if key not in section:
            continue
        raw = section[key]
        if isinstance(raw, str) and raw.strip().isdigit():  # from a CSIRT_KIT_EVIDENCE__* variable
            raw = int(raw.strip())
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ConfigError(f"evidence.{key} must be a whole number >= 0, not {raw!r}",
                              where=str(config.path or "environment"),
                              fix=f"set [evidence] {key} = {getattr(EvidenceSettings(), key)}")
        values[key] = raw
    if "capture" in section:
        flag = section["capture"]
        if isinstance(flag, str) and flag.strip().lower() in ("true", "false", "1", "0"):
            section["capture"] = flag.strip().lower() in ("true", "1")
        if not isinstance(section["capture"], bool):
            raise ConfigError(f"evidence.capture must be true or false, not {section['capture']!r}",
                              where=str(config.path or "environment"),
                              fix="set [evidence] capture = true")
        values["capture"] = section["capture"]
    return EvidenceSettings(**values)
