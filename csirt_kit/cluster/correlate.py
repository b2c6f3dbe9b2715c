"""Correlation on the cluster: one task per shard (ips, cidrs, hosts, urls, vulnerabilities).

The submitting process runs the SQL pre-filter against its own store (workers need no
store, no shared path: a worker on another machine could not open the SQLite file
safely anyway), ships each shard's candidate rows (or CVE records) with the assets
(scattered once) to a worker, and gets back the matches. It alone builds the findings,
with ``intel.correlate.finish``, so they are those of ``correlate()`` on this machine.
A shard whose task fails is a scan error of the run; a lost scheduler keeps (and stores)
the findings of the shards already back, then raises ``ClusterLost`` (exit 4).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from csirt_kit.cluster.check import verify_workers
from csirt_kit.cluster.connect import ClusterSettings
from csirt_kit.cluster.stream import ClusterLost, Job, stream
from csirt_kit.config import Config
from csirt_kit.intel.asset_index import Hit, merge_hits
from csirt_kit.intel.candidates import SHARDS
from csirt_kit.intel.correlate import finish, plan, shard_hits
from csirt_kit.intel.vuln import SoftwareHit
from csirt_kit.scan.report import ScanError, ScanReport
from csirt_kit.store.db import Store


def cluster_correlate(client: Any, store: Store, config: Config | None = None, *,
                      now: str | None = None, include_warninglisted: bool | None = None,
                      settings: ClusterSettings | None = None) -> ScanReport:
    """Correlate stored indicators with the inventory, shards on the cluster; findings upserted."""
    start = time.monotonic()
    settings = settings or ClusterSettings()
    verify_workers(client)
    work = plan(store, config, now, include_warninglisted)
    [assets] = client.scatter([list(work.assets.values())], broadcast=True)
    jobs: deque[Job[str]] = deque(Job(shard, shard_hits, (shard, assets, list(work.shards[shard])))
                                  for shard in SHARDS if work.shards[shard])
    parts: list[dict[int, list[Hit]]] = []
    vuln_hits: list[SoftwareHit] = []
    errors: list[ScanError] = []
    try:
        for shard, value, failed in stream(client, jobs, retries=settings.retries):
            if failed:
                errors.append(ScanError(f"correlate:{shard}", failed))
            elif shard == "vulnerabilities":
                vuln_hits = value
            else:
                parts.append(value)
    except ClusterLost as lost:
        done = finish(store, work, merge_hits(parts), vuln_hits, start)
        lost.partial = ScanReport(done.findings, tuple(errors), done.stats)
        raise
    report = finish(store, work, merge_hits(parts), vuln_hits, start,
                    shards=len(SHARDS), cluster=True)
    return ScanReport(report.findings, tuple(errors), report.stats)
