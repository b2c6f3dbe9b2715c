"""`csirt scan logs` end to end: findings stored once, stable across rotation, exit codes."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.config import load_config
from csirt_kit.models import Indicator
from csirt_kit.scan.logs.inventory import scan_inventory_logs
from csirt_kit.store.db import open_store

from .conftest import RULES, access_line

ATTACK = access_line(path="/q?id=1%20UNION%20SELECT%201", when="22/Nov/2026:07:30:00 +0700")


def ours(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if ":test_" in (f["rule"] or "")]


def write_log(path: Path, attack_at: int, total: int = 50) -> None:
    lines = [access_line(path=f"/p{i}") for i in range(total)]
    lines[attack_at] = ATTACK
    path.write_text("".join(lines))


def test_rescan_updates_and_rotation_keeps_the_fingerprint(cli: Any, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    write_log(log, 5)
    first = ours(cli(["--json", "scan", "logs", str(log), "--rules", str(RULES)]).json)
    assert len(first) == 1 and first[0]["evidence"]["line"] == 6
    again = ours(cli(["--json", "scan", "logs", str(log), "--rules", str(RULES)]).json)
    assert [f["fingerprint"] for f in again] == [first[0]["fingerprint"]]
    # logrotate: the old file moves to access.log.1.gz, a new access.log starts
    (tmp_path / "access.log.1.gz").write_bytes(gzip.compress(log.read_bytes()))
    log.write_text("".join(access_line(path=f"/new{i}") for i in range(30)))
    rotated = ours(cli(["--json", "scan", "logs", str(log), "--rules", str(RULES)]).json)
    assert [f["fingerprint"] for f in rotated] == [first[0]["fingerprint"]]
    assert rotated[0]["evidence"]["path"].endswith("access.log.1.gz")
    stored = cli(["--json", "findings", "list", "--kind", "yara.log"]).json
    mine = [f for f in stored["items"] if ":test_" in (f["rule"] or "")]
    assert len(mine) == 1 and mine[0]["seen_count"] == 3


def test_fail_on_gives_exit_3(cli: Any, tmp_path: Path) -> None:
    write_log(tmp_path / "a.log", 0)
    cli(["scan", "logs", str(tmp_path / "a.log"), "--rules", str(RULES), "--fail-on", "high"], expect=3)
    cli(["scan", "logs", str(tmp_path / "a.log"), "--rules", str(RULES), "--fail-on", "critical"])


@pytest.mark.parametrize("args, needle", [
    (["--format", "weird"], "unknown log format"),
    (["--asset", "no-such-asset"], "no asset with id"),
    ([], None),
])
def test_bad_usage_exits_2(cli: Any, tmp_path: Path, args: list[str], needle: str | None) -> None:
    write_log(tmp_path / "a.log", 0)
    paths = [str(tmp_path / "a.log")] if needle else []
    result = cli(["scan", "logs", *paths, *args], expect=2)
    assert (needle or "no logs to scan") in result.stderr


def test_missing_files_and_bombs_are_scan_errors_and_the_run_goes_on(
        cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_log(tmp_path / "good.log", 3)
    with gzip.open(tmp_path / "bomb.log.gz", "wb") as fh:
        fh.write(b"\0" * (4 << 20))
    monkeypatch.setenv("CSIRT_KIT_SCAN__LOGS__MAX_DECOMPRESSED", str(1 << 20))
    doc = cli(["--json", "scan", "logs", str(tmp_path / "good.log"), str(tmp_path / "bomb.log.gz"),
               str(tmp_path / "nope.log"), "--rules", str(RULES)]).json
    errors = {e["target"]: e["error"] for e in doc["errors"]}
    assert "decompression bomb" in errors[str(tmp_path / "bomb.log.gz")]
    assert "no such file" in errors[str(tmp_path / "nope.log")]
    assert len(ours(doc)) == 1


def test_inventory_logs_belong_to_their_asset(cli: Any, tmp_path: Path) -> None:
    logdir = tmp_path / "logs"
    logdir.mkdir()
    write_log(logdir / "dinkes-access.log", 7)
    inv = tmp_path / "inv.csv"
    inv.write_text(f"id,name,kind,owner,logs\nweb-dinkes,Dinkes,website,Dinas Kesehatan,{logdir}/dinkes-*.log\n")
    cli(["assets", "import", str(inv)])
    doc = cli(["--json", "scan", "logs", "--inventory", "--rules", str(RULES)]).json
    assert [f["asset_id"] for f in ours(doc)] == ["web-dinkes"]
    # a path given by hand is attributed to the asset whose glob covers it
    doc = cli(["--json", "scan", "logs", str(logdir / "dinkes-access.log"), "--rules", str(RULES)]).json
    assert [f["asset_id"] for f in ours(doc)] == ["web-dinkes"]


def test_pipeline_entry_point_matches_given_indicators(cli: Any, tmp_path: Path, store_path: Path) -> None:
    logdir = tmp_path / "logs"
    logdir.mkdir()
    (logdir / "a.log").write_text(access_line(ip="203.0.113.77") + access_line(ip="192.0.2.1"))
    inv = tmp_path / "inv.csv"
    inv.write_text(f"id,name,kind,logs\nweb-a,A,website,{logdir}/a.log\n")
    cli(["assets", "import", str(inv)])
    store = open_store(str(store_path))
    try:
        report = scan_inventory_logs(store, load_config(), None,
                                     indicators=[Indicator("feed", "ip-src", "203.0.113.77")])
    finally:
        store.close()
    assert [(f.kind, f.asset_id, f.evidence["line"]) for f in report.findings] == [("ioc.log", "web-a", 1)]
    assert report.stats["assets"] == 1
