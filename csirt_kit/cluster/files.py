"""Webroot and file scanning on the cluster: listings and byte-sized batches where the files are.

Each root is walked by a task on a worker that can read it (pinned when its asset names
a ``host``), then its files go out in batches of about ``cluster.file_batch_bytes`` (or
``file_batch_files``) to workers of the same host. Findings are built here, with the
same fingerprints and evidence as ``scan.files.scan_files``. The content and stat caches
of the single-machine path are not used on the cluster (workers have no store): every
file is read and scanned, and the caches are neither consulted nor changed, so a later
single-machine scan still compares against what it last read itself.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from csirt_kit.cluster import worker
from csirt_kit.cluster.check import verify_workers
from csirt_kit.cluster.connect import ClusterSettings
from csirt_kit.cluster.stream import ClusterLost, Job, no_worker_reason, placement, stream
from csirt_kit.models import Finding
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.scan.files import FileOptions, result_findings
from csirt_kit.scan.report import ScanError, ScanReport
from csirt_kit.scan.rules import RuleSet
from csirt_kit.timeutil import iso

Root = tuple[Path | str, str | None] | tuple[Path | str, str | None, str]


LIST_ROOTS = 64  # roots walked by one listing task


def _split(root: Root) -> tuple[str, str | None, str]:
    path, asset_id = root[0], root[1]
    host = str(root[2]) if len(root) > 2 else ""
    return str(path), asset_id, host


def batches(targets: Sequence[Any], max_bytes: int, max_files: int) -> list[list[Any]]:
    """FileTargets in batches of about `max_bytes` total (or `max_files` files)."""
    out: list[list[Any]] = []
    batch: list[Any] = []
    size = 0
    for t in targets:
        batch.append(t)
        size += t.size
        if len(batch) >= max_files or size >= max_bytes:
            out.append(batch)
            batch, size = [], 0
    if batch:
        out.append(batch)
    return out


def cluster_scan_files(client: Any, ruleset: RuleSet, roots: Sequence[Root], *,
                       options: FileOptions | None = None, progress: ProgressFn | None = None,
                       settings: ClusterSettings | None = None) -> ScanReport:
    """Scan files and folders on the cluster; roots are (path, asset_id) or (path, asset_id, host)."""
    options = options or FileOptions()
    settings = settings or ClusterSettings()
    progress = progress or no_progress
    started = time.monotonic()
    seen = iso()
    verify_workers(client)
    parts = [_split(r) for r in roots]
    where = placement(client, {h for _, _, h in parts})
    compiled = client.scatter(ruleset.compiled, broadcast=True, hash=True)
    errors: list[ScanError] = []
    findings: list[Finding] = []
    per_worker: dict[str, int] = {}
    counts: dict[str, float] = {"files": 0, "bytes": 0, "done": 0, "symlinks_skipped": 0,
                                "task_seconds": 0.0}
    jobs: deque[Job[tuple[str, Any]]] = deque()
    by_host: dict[str, list[tuple[str, str | None]]] = {}
    for path, asset_id, host in parts:
        if host and not where.get(host):
            errors.append(ScanError(path, no_worker_reason(host)))
            continue
        by_host.setdefault(host, []).append((path, asset_id))
    # Many roots per listing task: an inventory gives one webroot per asset, and a task per
    # root cost the scheduler and this process more than the listing itself (bench_province).
    for host, host_roots in by_host.items():
        for i in range(0, len(host_roots), LIST_ROOTS):
            chunk = host_roots[i:i + LIST_ROOTS]
            jobs.append(Job(("list", (host, tuple(p for p, _ in chunk))), worker.list_files,
                            (chunk, options.max_size), where.get(host) if host else None))
    try:
        for (kind, info), done, failed in stream(client, jobs, retries=settings.retries):
            if failed:
                paths = [t.path for t in info] if kind == "scan" else list(info[1])
                errors.extend(ScanError(p, failed) for p in paths)
                continue
            per_worker[done.worker] = per_worker.get(done.worker, 0) + 1
            counts["task_seconds"] += done.seconds
            if kind == "list":
                listing = done.value
                errors.extend(listing.errors)
                counts["symlinks_skipped"] += listing.symlinks_skipped
                counts["files"] += len(listing.targets)
                counts["bytes"] += sum(t.size for t in listing.targets)
                host = info[0]
                for batch in batches(listing.targets, settings.file_batch_bytes,
                                     settings.file_batch_files):
                    jobs.append(Job(("scan", batch), worker.scan_file_batch,
                                    (ruleset.rules_hash, compiled, batch, options.max_size,
                                     options.timeout), where.get(host) if host else None))
                progress("files", int(counts["done"]), int(counts["files"]))
                continue
            owners = {t.path: t.asset_id for t in info}
            for r in done.value:
                if r.error:
                    errors.append(ScanError(r.path, r.error))
                else:
                    findings.extend(result_findings(r, owners.get(r.path), seen))
            counts["done"] += len(info)
            progress("files", int(counts["done"]), int(counts["files"]))
    except ClusterLost as lost:
        lost.partial = ScanReport(tuple(findings), tuple(errors), _stats(roots, ruleset, counts,
                                                                           per_worker, started))
        raise
    return ScanReport(tuple(findings), tuple(errors),
                      _stats(roots, ruleset, counts, per_worker, started))


def _stats(roots: Sequence[Root], ruleset: RuleSet, counts: dict[str, float],
           per_worker: dict[str, int], started: float) -> dict[str, Any]:
    return {"targets": len(roots), "files": counts["files"], "bytes": counts["bytes"],
            "scanned": counts["done"], "rules": ruleset.rule_count,
            "rules_hash": ruleset.rules_hash[:16], "rule_problems": len(ruleset.errors),
            "workers": len(per_worker), "cluster_tasks": dict(sorted(per_worker.items())),
            "symlinks_skipped": counts["symlinks_skipped"],
            "task_seconds": round(counts["task_seconds"], 3),
            "seconds": round(time.monotonic() - started, 3)}


def cluster_scan_webroots(client: Any, store: Any, config: Any, ruleset: RuleSet | None = None,
                          progress: ProgressFn | None = None,
                          settings: ClusterSettings | None = None) -> ScanReport:
    """The webroot of every active asset, each walked on the worker its ``host`` names."""
    from csirt_kit.cluster.connect import cluster_settings
    from csirt_kit.scan.rules import load_rules
    from csirt_kit.scan.webroots import FILE_SCOPES, webroot_assets

    ruleset = ruleset or load_rules(config, scopes=FILE_SCOPES)
    roots: list[Root] = [(str(Path(a.webroot).expanduser()), a.id, a.host)
                         for a in webroot_assets(store)]
    return cluster_scan_files(client, ruleset, roots, options=FileOptions.from_config(config),
                              progress=progress, settings=settings or cluster_settings(config))
