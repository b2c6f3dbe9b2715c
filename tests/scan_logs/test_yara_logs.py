"""YARA on logs: each match mapped to its line number and parsed timestamp."""

from __future__ import annotations

import gzip
from pathlib import Path

from csirt_kit.scan.logs.reader import ReadLimits
from csirt_kit.scan.logs.scanner import LogSettings, scan_logs

from .conftest import access_line


def test_yara_hits_map_to_lines_and_times_across_chunks(tmp_path: Path, log_rules: object) -> None:
    lines = [access_line(path=f"/page{i}") for i in range(3000)]
    lines[10] = access_line(path="/q?id=1%20UNION%20SELECT%20pass", when="22/Nov/2026:07:30:00 +0700")
    lines[2500] = access_line(ua="nikto-test-agent", when="22/Nov/2026:08:00:00 +0700")
    (tmp_path / "access.log.1.gz").write_bytes(gzip.compress("".join(lines).encode()))
    settings = LogSettings(limits=ReadLimits(chunk_size=10_000))
    report = scan_logs([str(tmp_path / "access.log.1.gz")], rules=log_rules,  # type: ignore[arg-type]
                       settings=settings)
    ours = {f.rule: f for f in report.findings if f.rule and ":test_" in f.rule}
    assert set(ours) == {"logs/test_attacks.yar:test_sqli", "logs/test_attacks.yar:test_scanner_ua"}
    sqli = ours["logs/test_attacks.yar:test_sqli"]
    assert sqli.kind == "yara.log" and sqli.severity == "high"
    assert sqli.evidence["line"] == 11
    assert sqli.evidence["timestamp"] == "2026-11-22T00:30:00Z"
    assert sqli.evidence["log_set"] == str(tmp_path / "access.log")
    assert "UNION" in sqli.evidence["snippet"]
    assert ours["logs/test_attacks.yar:test_scanner_ua"].evidence["line"] == 2501


def test_rule_sets_without_log_hits_find_nothing(tmp_path: Path, log_rules: object) -> None:
    (tmp_path / "clean.log").write_text("".join(access_line(path=f"/ok{i}") for i in range(200)))
    report = scan_logs([str(tmp_path / "clean.log")], rules=log_rules)  # type: ignore[arg-type]
    assert [f for f in report.findings if ":test_" in (f.rule or "")] == []


def test_every_matching_line_is_mapped_beyond_yaras_instance_cap(tmp_path: Path, log_rules: object) -> None:
    lines = [access_line(path=f"/page{i}") for i in range(3000)]
    attacks = list(range(7, 3000, 6))  # 499 attack lines in one chunk; YARA reports 20 per scan
    for i in attacks:
        lines[i] = access_line(path=f"/q?id={i}%20UNION%20SELECT%20x")
    (tmp_path / "access.log").write_text("".join(lines))
    report = scan_logs([str(tmp_path / "access.log")], rules=log_rules)  # type: ignore[arg-type]
    sqli = [f for f in report.findings if f.rule == "logs/test_attacks.yar:test_sqli"]
    assert len(sqli) == 1
    ev = sqli[0].evidence
    assert (ev["count"], ev["line"], ev["last_line"]) == (len(attacks), attacks[0] + 1, attacks[-1] + 1)
