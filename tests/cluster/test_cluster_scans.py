"""Cluster scans on a real LocalCluster (two worker processes on loopback) give the findings of
the single-machine path: fingerprints, line numbers, offsets and counts; also when a worker
is killed mid-scan; pinned work runs only on its named worker."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from csirt_kit.cluster.connect import ClusterSettings
from csirt_kit.cluster.files import cluster_scan_files
from csirt_kit.cluster.logs import LogTarget, cluster_scan_logs
from csirt_kit.scan.files import FileOptions, scan_files
from csirt_kit.scan.logs.reader import ReadLimits
from csirt_kit.scan.logs.scanner import LogSettings, scan_logs
from csirt_kit.scan.rules import RuleSet

from .conftest import finding_facts, indicators, pid_of, wait_for, write_log, write_webroot

# Small chunks and ranges so a test-sized log is cut into many ranges, with over-long lines.
LOG = LogSettings(limits=ReadLimits(chunk_size=32 << 10, max_line=2048))
RANGES = ClusterSettings(log_range_bytes=64 << 10, file_batch_files=10, retries=2)


def local_logs(paths: list[str], rules: RuleSet, asset: str = "a1") -> Any:
    return scan_logs(paths, asset_id=asset, rules=rules, indicators=indicators(), settings=LOG)


def test_a_log_split_in_ranges_gives_the_exact_findings_and_line_numbers(
        client: Any, log_rules: RuleSet, tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log", 12000, long_every=701, max_line=2048)
    (tmp_path / "access.log.1").write_bytes(log.read_bytes()[:300_000])  # a rotated sibling
    local = local_logs([str(log)], log_rules)
    remote = cluster_scan_logs(client, log_rules, [LogTarget((str(log),), "a1")],
                               indicators=indicators(), settings=LOG, cluster=RANGES)
    assert remote.errors == local.errors == ()
    assert len(local.findings) >= 8
    assert {f.kind for f in local.findings} == {"yara.log", "ioc.log"}
    assert finding_facts(remote) == finding_facts(local)
    assert sum(remote.stats["cluster_tasks"].values()) > 20  # really split in ranges
    assert remote.stats["lines"] == local.stats["lines"]
    assert remote.stats["lines_cut"] == local.stats["lines_cut"] > 0
    # every recorded line number points at the line that matched
    lines = {p: Path(p).read_text().split("\n") for p in (str(log), f"{log}.1")}
    for f in remote.findings:
        for where in (f.evidence, *f.evidence["samples"]):
            assert lines[where["path"]][where["line"] - 1].startswith(where["snippet"][:200])


def test_webroot_files_give_the_same_findings(client: Any, file_rules: RuleSet, tmp_path: Path) -> None:
    root = write_webroot(tmp_path / "www", 240)
    local = scan_files(file_rules, [(root, "a2")], options=FileOptions(workers=1, content_cache=False))
    remote = cluster_scan_files(client, file_rules, [(root, "a2"), (tmp_path / "gone", "a3")],
                                settings=RANGES)
    assert len(local.findings) >= 4
    assert finding_facts(remote) == finding_facts(local)
    assert [e.target for e in remote.errors] == [str(tmp_path / "gone")]
    assert "does not exist on cluster worker" in remote.errors[0].error
    assert remote.stats["files"] == 240 and remote.stats["scanned"] == 240


def test_rules_are_loaded_once_per_worker_and_kept(client: Any, file_rules: RuleSet,
                                                  tmp_path: Path) -> None:
    from csirt_kit.cluster.worker import loaded_rules

    root = write_webroot(tmp_path / "www", 120)
    for _ in range(2):
        cluster_scan_files(client, file_rules, [(root, None)], settings=RANGES)
    loads = client.run(loaded_rules)
    used = [counts[file_rules.rules_hash] for counts in loads.values()
            if file_rules.rules_hash in counts]
    assert used and all(n == 1 for n in used)  # 24 batches, yet one load per worker process


def test_a_worker_killed_mid_scan_loses_and_duplicates_nothing(
        client: Any, log_rules: RuleSet, tmp_path: Path) -> None:
    log = write_log(tmp_path / "big.log", 16000, seed=5)
    local = local_logs([str(log)], log_rules)
    victim = "1"
    old_pid = pid_of(client, victim)
    killed: list[int] = []

    def kill_once(_label: str, done: int, _total: int | None) -> None:
        if done >= 2 and not killed:
            os.kill(old_pid, signal.SIGKILL)
            killed.append(old_pid)

    remote = cluster_scan_logs(client, log_rules, [LogTarget((str(log),), "a1")],
                               indicators=indicators(), settings=LOG, cluster=RANGES,
                               progress=kill_once)
    assert killed
    assert remote.errors == ()
    assert finding_facts(remote) == finding_facts(local)  # counts would double on a rerun counted twice
    assert len({f.fingerprint for f in remote.findings}) == len(remote.findings)
    wait_for(lambda: any(str(w.get("name")) == victim for w in client.scheduler_info()["workers"].values()),
             60, "the nanny to restart the killed worker")
    assert pid_of(client, victim) != old_pid


def test_pinned_work_runs_only_on_its_named_worker(
        client: Any, named_worker: str, log_rules: RuleSet, file_rules: RuleSet, tmp_path: Path) -> None:
    root = write_webroot(tmp_path / "www", 80)
    log = write_log(tmp_path / "access.log", 6000)
    files = cluster_scan_files(client, file_rules, [(root, "a2", named_worker),
                                                    (tmp_path / "x", "a9", "web99")], settings=RANGES)
    assert set(files.stats["cluster_tasks"]) == {named_worker}
    assert sum(files.stats["cluster_tasks"].values()) >= 9  # the listing and its 8 batches
    assert [e.target for e in files.errors] == [str(tmp_path / "x")]
    assert "no cluster worker serves host 'web99'" in files.errors[0].error
    logs = cluster_scan_logs(client, log_rules, [LogTarget((str(log),), "a1", named_worker)],
                             indicators=indicators(), settings=LOG, cluster=RANGES)
    assert set(logs.stats["cluster_tasks"]) == {named_worker}
    assert finding_facts(logs) == finding_facts(local_logs([str(log)], log_rules))


def test_a_gzip_log_is_one_task_and_matches(client: Any, log_rules: RuleSet, tmp_path: Path) -> None:
    import gzip

    plain = write_log(tmp_path / "access.log.2", 5000, seed=9)
    gz = tmp_path / "access.log.2.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    local = local_logs([str(gz)], log_rules)
    remote = cluster_scan_logs(client, log_rules, [LogTarget((str(gz), str(tmp_path / "none*")), "a1")],
                               indicators=indicators(), settings=LOG, cluster=RANGES)
    assert len(local.findings) >= 3
    assert finding_facts(remote) == finding_facts(local)
    assert [e.error for e in remote.errors] == ["no such file, folder or matching glob"]


def test_many_webroots_are_listed_by_few_tasks_with_the_same_findings(
        client: Any, file_rules: RuleSet, tmp_path: Path) -> None:
    from csirt_kit.cluster.files import LIST_ROOTS

    roots = [(write_webroot(tmp_path / f"site{i}", 6), f"a{i}") for i in range(LIST_ROOTS + 6)]
    roots.append((tmp_path / "gone", "ax"))
    local = scan_files(file_rules, roots[:-1], options=FileOptions(workers=1, content_cache=False))
    remote = cluster_scan_files(client, file_rules, roots,
                                settings=ClusterSettings(file_batch_files=1000, retries=2))
    assert len(local.findings) >= LIST_ROOTS  # a planted sample in every root
    assert finding_facts(remote) == finding_facts(local)
    assert {f.asset_id for f in remote.findings} == {f.asset_id for f in local.findings}
    assert [e.target for e in remote.errors] == [str(tmp_path / "gone")]
    # 71 roots: two listing tasks and one scan batch each (it was 71 listings and 71 batches)
    assert sum(remote.stats["cluster_tasks"].values()) == 4
