"""`csirt scan logs` with the log heuristics: findings stored and routed, the crawler check's
summary line, offline mode by config or environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.scan_logs.test_heuristics import SAMPLES


def test_cli_stores_heuristic_findings_and_says_the_check_was_skipped(
        cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_KIT_SCAN__LOGS__VERIFY_CRAWLERS", "off")
    log = tmp_path / "access.log"
    log.write_bytes((SAMPLES / "upload_post.log").read_bytes()
                    + (SAMPLES / "fake_crawler.log").read_bytes())
    res = cli(["--json", "scan", "logs", str(log), "--no-rules", "--fail-on", "high"], expect=3)
    kinds = sorted(f["kind"] for f in res.json["findings"])
    # the uploaded script is also new and driven by POSTs; no fake_crawler: the check did not run
    assert kinds == ["log.upload_post", "log.webshell_use"]
    assert res.json["stats"]["crawler_check"] == "off"
    assert 'crawler check skipped (scan.logs.verify_crawlers = "off"): 3 claimed' in res.stderr
    stored = cli(["--json", "findings", "list", "--kind", "log.upload_post"]).json
    assert stored["count"] == 1 and stored["items"][0]["evidence"]["count"] == 3
    plan = cli(["--json", "cases", "open", "--dry-run"]).json
    assert "webshell" in str(plan)


def test_cli_no_heuristics_by_config(cli: Any, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[scan.logs]\nheuristics = false\n")
    res = cli(["--config", str(cfg), "--json", "scan", "logs", "--no-rules",
               str(SAMPLES / "upload_post.log")])
    assert res.json["findings"] == [] and "crawler check" not in res.stderr
