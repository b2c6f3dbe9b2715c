"""`csirt demo` end to end: the whole job on the synthetic city, twice, never the user's store."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_finds_every_planted_compromise_and_rerun_is_idempotent(
        cli, tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "demo"
    doc = cli(["--json", "demo", "--dir", dest]).json
    assert doc["expected"]["missed"] == [] and doc["expected"]["found"] >= 30
    steps = {s["name"]: s for s in doc["run"]["stats"]["steps"]}
    assert steps.pop("notify")["status"] == "skipped"  # the demo configures no channel
    assert all(s["status"] == "ok" for s in steps.values()), steps
    assert steps["web"]["counts"]["suspended_answering"] > 0
    playbooks = {c["key"].split(":")[0] for c in doc["cases"]}
    assert {"webshell", "judol", "defacement", "skimmer-miner", "intel-asset", "vuln-software",
            "log-activity"} <= playbooks
    assert Path(doc["report"]).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "<table id=\"timeline\">" in Path(doc["timeline"]).read_text(encoding="utf-8")
    assert Path(doc["config"]).parent == dest and not store_path.exists()
    config = doc["config"]
    monkeypatch.delenv("CSIRT_KIT_STORE__PATH")  # from here on, the demo config names the store
    # The demo's store is a normal store: the analyst commands work on it, and a rerun of the
    # pipeline over the same city opens no second case and finds nothing new.
    cases = cli(["--config", config, "--json", "cases", "list"]).json["count"]
    rerun = cli(["--config", config, "--json", "run", "--skip", "web"]).json
    assert rerun["stats"]["new"] == 0
    assert cli(["--config", config, "--json", "cases", "list"]).json["count"] == cases
    timeline = cli(["--config", config, "timeline", doc["timeline_case"], "--format", "md"]).stdout
    assert "first detected" in timeline


def test_demo_refuses_a_folder_with_files(cli, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = cli(["demo", "--dir", tmp_path], expect=2)
    assert "not empty" in result.stderr and (tmp_path / "keep.txt").read_text() == "mine"
