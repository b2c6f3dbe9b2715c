"""Correlation sharded by indicator type on a real LocalCluster: the findings of this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from csirt_kit.cluster.correlate import cluster_correlate
from csirt_kit.intel.candidates import SHARDS
from csirt_kit.intel.correlate import correlate
from csirt_kit.store.db import Store, open_store
from tests.intel.correlation_data import assets, fill

NOW = "2026-11-20T10:00:00.000000Z"


def _view(report: Any) -> list[tuple[Any, ...]]:
    return [(f.fingerprint, f.kind, f.severity, f.title, f.asset_id, f.indicator,
             sorted(f.evidence.items(), key=str)) for f in report.findings]


def test_cluster_correlation_equals_local(client: Any, store: Store) -> None:
    fill(store, assets())
    local = correlate(store, now=NOW)
    remote = cluster_correlate(client, store, now=NOW)
    assert remote.errors == ()
    assert _view(remote) == _view(local) and len(local.findings) > 100
    assert {f.evidence["match"] for f in remote.findings} >= {"ip", "network_overlap", "url_host", "cpe"}
    assert remote.stats["shards"] == len(SHARDS)


def test_failing_shard_is_a_scan_error_and_the_others_count(client: Any, store: Store,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    fill(store, assets())
    from csirt_kit.cluster import correlate as cc
    from csirt_kit.intel.correlate import shard_hits

    def broken(shard: str, *args: Any) -> Any:
        if shard == "urls":
            raise ValueError("worker could not match urls")
        return shard_hits(shard, *args)

    monkeypatch.setattr(cc, "shard_hits", broken)
    local = {f.fingerprint: f for f in correlate(store, now=NOW).findings}
    report = cluster_correlate(client, store, now=NOW)
    assert [e.target for e in report.errors] == ["correlate:urls"]
    assert "worker could not match urls" in report.errors[0].error
    got = {f.fingerprint for f in report.findings}
    assert got < set(local) and any(f.evidence["match"] == "cpe" for f in report.findings)


def test_intel_match_cli_with_cluster(cli: Any, cluster: Any, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    found = {}
    for label, extra in (("local", []), ("cluster", ["--cluster", cluster.scheduler_address])):
        path = tmp_path / f"{label}.db"
        monkeypatch.setenv("CSIRT_KIT_STORE__PATH", str(path))
        s = open_store(path)
        fill(s, assets(24))
        s.close()
        doc = cli(["--json", "intel", "match", *extra]).json
        found[label] = sorted((f["fingerprint"], f["severity"]) for f in doc["findings"])
        stored = open_store(path)
        assert stored.conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == len(found[label])
        stored.close()
    assert found["cluster"] == found["local"] and len(found["local"]) > 50


def test_run_correlate_step_on_the_cluster(cli: Any, cluster: Any, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    found = {}
    for label, extra in (("local", []), ("cluster", ["--cluster", cluster.scheduler_address])):
        path = tmp_path / f"run-{label}.db"
        monkeypatch.setenv("CSIRT_KIT_STORE__PATH", str(path))
        s = open_store(path)
        fill(s, assets(24))
        s.close()
        doc = cli(["--json", "run", "--only", "correlate", *extra]).json
        steps = {st["name"]: st for st in doc["stats"]["steps"]}
        assert steps["correlate"]["status"] == "ok", steps
        assert ("shards" in str(steps["correlate"])) == (label == "cluster"), steps
        found[label] = sorted(f["fingerprint"] for f in doc["findings"])
    assert found["cluster"] == found["local"] and len(found["local"]) > 50
