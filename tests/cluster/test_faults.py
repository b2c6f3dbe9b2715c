"""A scheduler that vanishes mid-scan ends the scan with exit-4 ServerError keeping what was
scanned; an unreachable scheduler is exit 4 from the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.cluster.connect import ClusterSettings
from csirt_kit.cluster.logs import LogTarget, cluster_scan_logs
from csirt_kit.cluster.stream import ClusterLost
from csirt_kit.scan.logs.reader import ReadLimits
from csirt_kit.scan.logs.scanner import LogSettings, scan_logs
from csirt_kit.scan.report import ScanReport
from csirt_kit.scan.rules import RuleSet

from .conftest import distributed, finding_facts, indicators, wait_for, write_log

DASK = str(Path(sys.executable).with_name("dask"))


@pytest.fixture()
def own_scheduler(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A scheduler and one worker in their own processes (so the test can kill the scheduler)."""
    info = tmp_path / "scheduler.json"
    sched = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                              "--no-dashboard", "--scheduler-file", str(info)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([DASK, "worker", "--scheduler-file", str(info), "--nthreads", "1",
                               "--memory-limit", "600MiB", "--no-dashboard", "--host", "127.0.0.1",
                               "--no-nanny"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: info.exists() and info.stat().st_size > 0, 60, "the scheduler file")
        address = json.loads(info.read_text())["address"]
        yield sched, address
    finally:
        for proc in (worker, sched):
            if proc.poll() is None:
                proc.kill()
            proc.wait(20)


def test_a_vanished_scheduler_raises_exit_4_and_keeps_what_was_scanned(
        own_scheduler: tuple[subprocess.Popen[bytes], str], log_rules: RuleSet, tmp_path: Path) -> None:
    sched, address = own_scheduler
    logs = [write_log(tmp_path / f"site{i}.log", 3000, seed=i) for i in range(6)]
    settings = LogSettings(limits=ReadLimits(chunk_size=32 << 10, max_line=2048))
    with distributed.Client(address, timeout=5, set_as_default=False) as client:
        client.wait_for_workers(1, timeout=60)

        def kill_scheduler(_label: str, done: int, _total: int | None) -> None:
            if done >= 25 and sched.poll() is None:
                os.kill(sched.pid, signal.SIGKILL)

        with pytest.raises(ClusterLost) as info:
            cluster_scan_logs(client, log_rules,
                              [LogTarget((str(p),), f"a{i}") for i, p in enumerate(logs)],
                              indicators=indicators(), settings=settings,
                              cluster=ClusterSettings(log_range_bytes=32 << 10), progress=kill_scheduler)
    lost = info.value
    assert lost.queued and address in lost.message
    assert sched.poll() is not None
    # whole files finished before the loss are kept, none half-counted
    kept = {f.evidence["path"] for f in lost.partial.findings}
    assert kept and kept < {str(p) for p in logs}
    for path in kept:
        mine = [f for f in lost.partial.findings if f.evidence["path"] == path]
        alone = scan_logs([path], asset_id=mine[0].asset_id, rules=log_rules,
                          indicators=indicators(), settings=settings)
        assert finding_facts(ScanReport(tuple(mine))) == finding_facts(alone)


def test_an_unreachable_scheduler_is_exit_4(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_KIT_CLUSTER__CONNECT_TIMEOUT", "1")
    result = cli(["cluster", "status", "--cluster", "tcp://127.0.0.1:9"], expect=4)
    assert "cannot reach the Dask scheduler" in result.stderr


def test_no_cluster_configured_is_exit_2(cli: Any) -> None:
    result = cli(["cluster", "status"], expect=2)
    assert "no cluster configured" in result.stderr
