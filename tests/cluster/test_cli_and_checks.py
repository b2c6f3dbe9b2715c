"""`csirt cluster local|status|scan` and the doctor's cluster check, against real workers."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csirt_kit import __version__
from csirt_kit.cluster.check import check_cluster, local_info
from csirt_kit.cluster.files import cluster_scan_files
from csirt_kit.config import load_config
from csirt_kit.errors import ConfigError
from csirt_kit.scan.rules import RuleSet

from .conftest import distributed, write_webroot

CSIRT = str(Path(sys.executable).with_name("csirt"))


def test_cluster_local_prints_its_address_until_ctrl_c() -> None:
    proc = subprocess.Popen([CSIRT, "--json", "cluster", "local", "--workers", "1", "--port", "0",
                             "--memory-limit", "600MiB"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(90)
        doc = json.loads(line[0])
        assert doc["workers"] == 1 and doc["scheduler"].startswith("tcp://127.0.0.1:")
        with distributed.Client(doc["scheduler"], timeout=20, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=60)
            assert client.submit(sum, [1, 2, 3]).result(timeout=30) == 6
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
        assert "Ctrl-C to stop" in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.fixture()
def other_version(client: Any) -> Iterator[str]:
    """One worker pretends to run another csirt-kit version (restored afterwards)."""
    address = sorted(client.scheduler_info()["workers"])[0]
    client.run(exec, "import csirt_kit; csirt_kit.__version__ = '0.0.0-other'", workers=[address])
    try:
        yield address
    finally:
        client.run(exec, f"import csirt_kit; csirt_kit.__version__ = {__version__!r}", workers=[address])


def test_status_lists_workers_with_versions_and_rules_hash(cluster: Any, cli: Any) -> None:
    doc = cli(["--json", "cluster", "status", "--cluster", cluster.scheduler_address]).json
    assert doc["count"] >= 2 and doc["problems"] == []
    here = local_info()
    for item in doc["items"]:
        assert item["csirt_kit"] == __version__
        assert item["libyara"] == here["libyara"]
        assert item["bundled_rules_hash"] == here["bundled_rules_hash"]
        assert item["address"].startswith("tcp://127.0.0.1:") and item["nthreads"] == 1
    text = cli(["cluster", "status", "--cluster", cluster.scheduler_address]).stdout
    assert "worker(s) of tcp://127.0.0.1:" in text and here["bundled_rules_hash"][:16] in text


def test_doctor_check_lists_workers(cluster: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_KIT_CLUSTER__SCHEDULER", cluster.scheduler_address)
    checks = list(check_cluster(load_config()))
    assert checks[0].status == "ok" and "worker(s), plain tcp" in checks[0].detail
    workers = [c for c in checks if c.name.startswith("cluster worker ")]
    assert len(workers) >= 2 and all(c.status == "ok" and __version__ in c.detail for c in workers)
    monkeypatch.delenv("CSIRT_KIT_CLUSTER__SCHEDULER")
    assert [c.status for c in check_cluster(load_config())] == ["ok"]  # no cluster: nothing to check


def test_a_worker_with_another_version_is_refused(
        client: Any, cluster: Any, other_version: str, cli: Any, file_rules: RuleSet,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_KIT_CLUSTER__SCHEDULER", cluster.scheduler_address)
    failed = [c for c in check_cluster(load_config()) if c.status == "fail"]
    assert len(failed) == 1 and "0.0.0-other" in failed[0].detail and other_version in failed[0].detail
    result = cli(["--json", "cluster", "status"], expect=2)
    assert any("0.0.0-other" in p for p in result.json["problems"])
    with pytest.raises(ConfigError, match="refusing a cluster whose workers differ"):
        cluster_scan_files(client, file_rules, [(write_webroot(tmp_path / "w", 3), None)])


def test_cluster_scan_keeps_what_was_scanned_when_the_scheduler_goes_away(
        cluster: Any, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from csirt_kit.cluster import run
    from csirt_kit.cluster.stream import ClusterLost
    from csirt_kit.findings import make_finding
    from csirt_kit.scan.report import ScanReport

    kept = make_finding("yara.file", "high", "Web shell", asset_id=None, ref="files/x.yar:shell",
                        locus="/srv/www/a/up.php", rule="files/x.yar:shell",
                        evidence={"path": "/srv/www/a/up.php"})

    def lose(*_a: Any, **_k: Any) -> ScanReport:
        raise ClusterLost("the Dask scheduler went away (cancelled)", cluster.scheduler_address,
                          partial=ScanReport((kept,)))

    monkeypatch.setattr(run, "scan_inventory", lose)
    result = cli(["--json", "cluster", "scan", "--cluster", cluster.scheduler_address], expect=4)
    assert result.json["error"]["exit_code"] == 4 and "went away" in result.json["error"]["message"]
    assert "stored 1 finding(s) scanned before" in result.stderr
    listed = cli(["--json", "findings", "list"]).json
    assert [f["fingerprint"] for f in listed["items"]] == [kept.fingerprint]
