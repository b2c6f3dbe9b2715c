"""Web scanning on the cluster: targets batched per host, so politeness holds cluster-wide.

Every URL of one host goes to the same task (a task holds up to ``cluster.web_batch_hosts``
hosts), and inside it the single-machine fetcher's per-host limit applies, so a host
never gets more than ``scan.web.per_host`` requests at a time across the whole cluster.
Defacement baselines live in the store, so they are compared here, by the submitting
process, exactly as ``scan_web`` does.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from csirt_kit.cluster.check import verify_workers
from csirt_kit.cluster.connect import ClusterSettings, cluster_settings
from csirt_kit.cluster.stream import ClusterLost, Job, share, stream, windowed
from csirt_kit.cluster.worker import Done, rules_for, since, worker_name
from csirt_kit.config import Config
from csirt_kit.models import Finding
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.scan.report import ScanError, ScanReport
from csirt_kit.scan.rules import RuleSet
from csirt_kit.scan.web.fetch import Fetcher, host_of
from csirt_kit.scan.web.scanner import WebTarget, _defacements, plan_targets, scan_target
from csirt_kit.scan.web.settings import WebSettings, web_settings
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso


def scan_web_batch(rules_hash: str, compiled: bytes | None, scope: set[str], settings: WebSettings,
                   targets: Sequence[WebTarget], yara_timeout: int) -> Done:
    """Scan the targets of a few hosts on this worker (the fetcher keeps the per-host limit)."""
    started = time.perf_counter()
    rules = rules_for(rules_hash, compiled)
    fetcher = Fetcher(settings, scope)
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(settings.workers, len(targets)))) as pool:
            results = list(pool.map(lambda t: (t, scan_target(fetcher, t, rules, settings,
                                                              yara_timeout)), targets))
    finally:
        fetcher.close()
    return Done(worker_name(), results, since(started))


def host_batches(targets: Sequence[WebTarget], hosts_per_batch: int) -> list[list[WebTarget]]:
    """Targets grouped so each host's URLs are all in one batch of at most `hosts_per_batch` hosts."""
    by_host: dict[str, list[WebTarget]] = {}
    for t in targets:
        by_host.setdefault(host_of(t.url), []).append(t)
    return [[t for host in group for t in by_host[host]]
            for group in windowed(sorted(by_host), hosts_per_batch)]


def cluster_scan_web(client: Any, store: Store, config: Config | None, ruleset: RuleSet | None,
                     targets: Sequence[str] | None = None, progress: ProgressFn | None = None,
                     allow_hosts: Iterable[str] = (), settings: WebSettings | None = None,
                     cluster: ClusterSettings | None = None) -> ScanReport:
    """Like scan_web (same findings and baselines), with the fetching done on the cluster."""
    settings = settings or web_settings(config)
    cluster = cluster or cluster_settings(config)
    progress = progress or no_progress
    yara_timeout = int(config.get("scan.web.yara_timeout", 30)) if config else 30
    verify_workers(client)
    planned, scope = plan_targets(store, targets, allow_hosts)
    started = time.monotonic()
    compiled = client.scatter(ruleset.compiled, broadcast=True, hash=True) if ruleset else None
    scope_ref = share(client, scope)
    rules_hash = ruleset.rules_hash if ruleset else ""
    jobs: deque[Job[list[WebTarget]]] = deque(
        Job(batch, scan_web_batch, (rules_hash, compiled, scope_ref, settings, batch, yara_timeout))
        for batch in host_batches(planned, cluster.web_batch_hosts))
    kept = _Kept(store, settings, iso())
    errors: list[ScanError] = []
    per_worker: dict[str, int] = {}
    busy = [0.0]
    done_targets = 0
    try:
        for batch, done, failed in stream(client, jobs, retries=cluster.retries):
            if failed:
                errors.extend(ScanError(t.url, failed) for t in batch)
            else:
                per_worker[done.worker] = per_worker.get(done.worker, 0) + 1
                busy[0] += done.seconds
                kept.add(done.value)
            done_targets += len(batch)
            progress("web", done_targets, len(planned))
    except ClusterLost as lost:
        lost.partial = _report(kept, errors, settings, planned, per_worker, started, busy[0])
        raise
    return _report(kept, errors, settings, planned, per_worker, started, busy[0])


class _Kept:
    """What the submitter keeps of finished batches: findings and errors, not the pages.

    Each batch's baselines are compared (and stored) as it arrives, so memory does not grow
    with the sites' page snapshots. Where two URLs give one fingerprint, the finding of the
    smaller URL wins, as in scan_web, which walks its results sorted by URL.
    """

    def __init__(self, store: Store, settings: WebSettings, now: str) -> None:
        self.store, self.settings, self.now = store, settings, now
        self.findings: dict[str, tuple[tuple[int, str, int], Finding]] = {}
        self.errors: list[tuple[str, int, ScanError]] = []
        self.requests = 0

    def add(self, results: list[tuple[WebTarget, Any]]) -> None:
        """Take one batch's (target, result) pairs."""
        for target, res in results:
            self.requests += res.requests
            for i, f in enumerate(res.findings.values()):
                self._keep((0, target.url, i), f)
            self.errors.extend((target.url, i, e) for i, e in enumerate(res.errors))
        for i, f in enumerate(_defacements(self.store, results, self.settings, self.now)):
            self._keep((1, str(f.evidence.get("url", "")), i), f)  # after all pages' own findings

    def _keep(self, key: tuple[int, str, int], finding: Finding) -> None:
        have = self.findings.get(finding.fingerprint)
        if have is None or key < have[0]:
            self.findings[finding.fingerprint] = (key, finding)

    def report(self) -> tuple[tuple[Finding, ...], tuple[ScanError, ...]]:
        """Findings and errors in scan_web's order."""
        findings = tuple(f for _, f in sorted(self.findings.values(), key=lambda kf: kf[0]))
        errors = tuple(e for _, _, e in sorted(self.errors, key=lambda x: (x[0], x[1])))
        return findings, errors


def _report(kept: _Kept, errors: list[ScanError], settings: WebSettings,
            planned: Sequence[WebTarget], per_worker: dict[str, int],
            started: float, busy: float) -> ScanReport:
    findings, page_errors = kept.report()
    stats = {"targets": len(planned), "requests": kept.requests,
             "identities": [i.name for i in settings.identities], "workers": len(per_worker),
             "cluster_tasks": dict(sorted(per_worker.items())), "task_seconds": round(busy, 3),
             "seconds": round(time.monotonic() - started, 3)}
    return ScanReport(findings, (*page_errors, *errors), stats)
