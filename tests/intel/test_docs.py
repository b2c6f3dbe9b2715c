"""Every intel config key, source kind and command is documented in README's intel section."""

from __future__ import annotations

import re
from pathlib import Path

from csirt_kit.intel.sources import FEED_FORMATS, FEED_KEYS, MISP_KEYS

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- section:intel -->(.*)<!-- /section:intel -->", text, re.S)
    assert match, "README has no intel section"
    return match.group(1)


def test_every_config_key_is_in_the_tables() -> None:
    section = _section()
    documented = set(re.findall(r"^\| `([a-z_]+)`", section, re.M))
    documented |= {k for row in re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`| / `[a-z_]+`)+)", section, re.M)
                   for k in re.findall(r"`([a-z_]+)`", row)}
    assert documented >= MISP_KEYS, sorted(MISP_KEYS - documented)
    assert documented >= FEED_KEYS, sorted(FEED_KEYS - documented)
    for key in ("intel.warninglists.enabled", "intel.warninglists.ignore",
                "intel.match.include_warninglisted"):
        assert f"`{key}`" in section


def test_formats_and_commands_are_documented() -> None:
    section = _section()
    for fmt in FEED_FORMATS:
        assert f"`{fmt}`" in section
    for command in ("intel sync", "intel sources", "intel list", "intel match"):
        assert f"csirt {command}" in section
