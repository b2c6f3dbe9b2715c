"""`csirt run --cluster`: the scan steps run on the cluster with the same findings as locally."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.pipeline.conftest import make_city


def test_run_on_the_cluster_gives_the_local_findings(cli: Any, cluster: Any, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    city = make_city(tmp_path / "city")
    found = {}
    for label, extra in (("local", []), ("cluster", ["--cluster", cluster.scheduler_address])):
        monkeypatch.setenv("CSIRT_KIT_STORE__PATH", str(tmp_path / f"{label}.db"))
        cli(["--config", city.config, "assets", "import", city.inventory])
        doc = cli(["--config", city.config, "--json", "run", "--only", "files", "--only", "logs",
                   *extra]).json
        assert {s["name"]: s["status"] for s in doc["stats"]["steps"]} == {"files": "ok", "logs": "ok"}
        found[label] = {f["fingerprint"]: (f["evidence"].get("line"), f["evidence"].get("offset"))
                        for f in doc["findings"]}
    assert found["cluster"] == found["local"] and len(found["local"]) >= 3


def test_unreachable_scheduler_queues_the_scans_and_runs_the_rest(cli: Any, tmp_path: Path) -> None:
    city = make_city(tmp_path / "city")
    cli(["--config", city.config, "assets", "import", city.inventory])
    result = cli(["--config", city.config, "--json", "run", "--only", "files", "--only", "cases",
                  "--cluster", "tcp://127.0.0.1:9"], expect=4)
    steps = {s["name"]: s for s in result.json["stats"]["steps"]}
    assert steps["cluster"]["status"] == "partial" and "Dask scheduler" in steps["cluster"]["message"]
    assert "files" not in steps and steps["cases"]["status"] == "ok"
