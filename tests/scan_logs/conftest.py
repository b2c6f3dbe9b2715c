"""Fixtures of the log scanner tests: test rules and a combined-log line builder."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.scan.rules import RuleSet, load_rules

RULES = Path(__file__).parent / "rules"


def access_line(ip: str = "192.0.2.10", path: str = "/", ua: str = "Mozilla/5.0",
                when: str = "22/Nov/2026:10:00:00 +0700", referer: str = "-", status: int = 200) -> str:
    """One Apache combined line."""
    return f'{ip} - - [{when}] "GET {path} HTTP/1.1" {status} 512 "{referer}" "{ua}"\n'


@pytest.fixture(scope="session")
def log_rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    """The test rules (scope logs), compiled once."""
    return load_rules(None, extra=[RULES], scopes=("logs",), use_cache=False)
