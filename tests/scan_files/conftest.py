"""Fixtures of the rules engine and file scan tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.scan.rules import RuleSet, load_rules

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

SHELL_RULE = """
rule test_shell : webshell
{
    meta:
        description = "test shell marker"
        severity = "high"
    strings:
        $a = "CSIRT-TEST-SHELL"
    condition:
        $a
}
"""


@pytest.fixture(scope="session")
def bundled() -> RuleSet:
    """All bundled rules (web, files, logs), compiled once per test session."""
    return load_rules(use_cache=False)


def write(path: Path, text: str | bytes) -> Path:
    """Write a file, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A rules folder with one simple rule file."""
    folder = tmp_path / "myrules"
    write(folder / "shell.yar", SHELL_RULE)
    return folder
