"""Log format detection and parsing, driven by parse_cases.yaml (one case per id)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from csirt_kit.scan.logs.formats import detect_format, parse_line

CASES = yaml.safe_load((Path(__file__).parent / "parse_cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_parse_case(case: dict[str, Any]) -> None:
    fmt = detect_format(case["lines"])
    assert fmt == case["format"]
    record = asdict(parse_line(fmt, case["lines"][0], 2026, "UTC"))
    for key, value in case["record"].items():
        assert record[key] == str(value), key


def test_detection_follows_the_majority_of_lines() -> None:
    lines = ['Nov 22 10:00:00 web01 sshd[1]: Accepted key for x from 192.0.2.1 port 1 ssh2'] * 5
    lines.append('192.0.2.1 - - [22/Nov/2026:10:00:00 +0700] "GET / HTTP/1.1" 200 1 "-" "x"')
    assert detect_format(lines) == "syslog"


def test_syslog_time_is_read_in_the_configured_zone() -> None:
    line = "Nov 22 10:00:00 web01 sshd[1]: Failed password for x from 192.0.2.1 port 1 ssh2"
    assert parse_line("syslog", line, 2026, "Asia/Jakarta").ts == "2026-11-22T03:00:00Z"
