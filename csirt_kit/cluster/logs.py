"""Log scanning on the cluster: big plain logs split into line-aligned byte ranges.

Per target (an asset's log paths): one planning task on a worker that can read them
(expands globs and rotated siblings, sizes, formats), then one task per range of about
``cluster.log_range_bytes`` (gzip files: one task each, they cannot be split). Ranges come
back with line numbers relative to their start and their line count; once every range of
a file is in, they are merged in file order with the lines of the ranges before added, so
findings, line numbers, timestamps and offsets are those of ``scan_logs``. Difference: a
YARA failure (timeout) stops YARA only for the rest of its range, not of the whole file.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.cluster import logtasks
from csirt_kit.cluster.check import verify_workers
from csirt_kit.cluster.connect import ClusterSettings
from csirt_kit.cluster.ranges import LogFile, RangeResult, split_points
from csirt_kit.cluster.stream import ClusterLost, Job, no_worker_reason, placement, share, stream
from csirt_kit.errors import UsageError
from csirt_kit.models import Finding, Indicator
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.scan.logs.candidates import Candidates
from csirt_kit.scan.logs.crawlers import CrawlerVerifier
from csirt_kit.scan.logs.formats import FORMATS
from csirt_kit.scan.logs.heuristics import run_heuristics, verifier_stats
from csirt_kit.scan.logs.scanner import LogSettings, _Agg, _FileScan, merge_same
from csirt_kit.scan.report import ScanError, ScanReport
from csirt_kit.scan.rules import RuleSet

_AT_LINE = re.compile(r"\(at line \d+\)$")


@dataclass(frozen=True)
class LogTarget:
    """Log paths (files, folders, globs) of one asset, and the host whose worker can read them."""

    paths: tuple[str, ...]
    asset_id: str | None = None
    host: str = ""


@dataclass
class _Target:
    files: list[LogFile] = field(default_factory=list)
    reports: dict[str, tuple[list[Finding], list[ScanError]]] = field(default_factory=dict)
    cands: list[Candidates] = field(default_factory=list)
    planned: bool = False


@dataclass
class _File:
    file: LogFile
    target: int
    ranges: dict[int, RangeResult] = field(default_factory=dict)
    count: int = 1


def indicator_key(indicators: Sequence[Indicator]) -> str:
    """Content key of an indicator set (workers build its matcher once per key)."""
    h = hashlib.sha256()
    for ind in indicators:
        h.update(repr(ind).encode("utf-8", "replace"))
    return h.hexdigest()


def range_bytes(settings: ClusterSettings, log: LogSettings) -> int:
    """The range size: a multiple of the reader's chunk size (so ranges see the same chunks)."""
    chunk = log.limits.chunk_size
    return max(chunk, settings.log_range_bytes // chunk * chunk)


def shift(agg: Any, base: int, samples: int) -> _Agg:
    """A range's aggregate with absolute line numbers (fresh dicts: first/last/samples may be one)."""
    def moved(where: dict[str, Any]) -> dict[str, Any]:
        return {**where, "line": where["line"] + base}
    return _Agg(first=moved(agg.first), last=moved(agg.last), count=agg.count,
                samples=[moved(w) for w in agg.samples][:samples], hit=agg.hit)


def merge_ranges(file: LogFile, asset_id: str | None, ranges: Sequence[RangeResult],
                 log: LogSettings) -> tuple[list[Finding], list[ScanError], dict[str, int]]:
    """Findings of one file from its ranges in order, as one pass over the file would make them."""
    read_errors = [r.read_error for r in ranges if r.read_error]
    if read_errors:
        return [], [ScanError(file.path, read_errors[0])], {}
    scan = _FileScan(file.path, asset_id, file.fmt, log)
    errors: list[ScanError] = []
    base = 0
    for r in ranges:
        for key, agg in r.aggs.items():
            have = scan.aggs.get(key)
            moved = shift(agg, base, log.samples)
            if have is None:
                scan.aggs[key] = moved
                continue
            have.count += moved.count
            have.last = moved.last
            have.samples.extend(moved.samples[:max(0, log.samples - len(have.samples))])
        for line, message in r.errors:
            if not errors:  # one pass stops YARA after its first failure: one error per file
                errors.append(ScanError(file.path, _AT_LINE.sub(f"(at line {line + base})", message)))
        base += r.lines
    stats = {"bytes": sum(r.bytes for r in ranges), "lines": base,
             "lines_cut": sum(r.cut for r in ranges)}
    return scan.findings(), errors, stats


def merge_range_candidates(ranges: Sequence[RangeResult]) -> Candidates | None:
    """One file's heuristic candidates from its ranges in order (line numbers made absolute)."""
    head: Candidates | None = None
    base = 0
    for r in ranges:
        if r.cands is not None:
            if head is None:
                head = r.cands
            else:
                head.absorb(r.cands, base)
        base += r.lines
    return head


def cluster_scan_logs(client: Any, rules: RuleSet | None, targets: Sequence[LogTarget], *,
                      indicators: Iterable[Indicator] = (), settings: LogSettings | None = None,
                      fmt: str = "", rotated: bool = True, progress: ProgressFn | None = None,
                      cluster: ClusterSettings | None = None,
                      verifier: CrawlerVerifier | None = None) -> ScanReport:
    """Scan the logs of each target on the cluster; same findings as scan_logs per target.

    The log heuristics' candidates come back with the ranges; each target's log sets are
    evaluated here once all their files are in (crawler claims checked by this process).
    """
    if fmt and fmt not in FORMATS:
        raise UsageError(f"unknown log format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")
    log = settings or LogSettings()
    cluster = cluster or ClusterSettings()
    verifier = verifier or CrawlerVerifier(log.heuristics.crawlers)
    progress = progress or no_progress
    started = time.monotonic()
    verify_workers(client)
    inds = list(indicators)
    key = indicator_key(inds) if inds else ""
    ind_ref = share(client, inds) if inds else None  # one future, not one per indicator
    compiled = client.scatter(rules.compiled, broadcast=True, hash=True) if rules else None
    rules_hash = rules.rules_hash if rules else ""
    size = range_bytes(cluster, log)
    where = placement(client, {t.host for t in targets})
    state = [_Target() for _ in targets]
    files: dict[str, _File] = {}
    errors: list[ScanError] = []
    findings: list[Finding] = []
    stats: dict[str, Any] = {"bytes": 0, "lines": 0, "lines_cut": 0, "indicators": 0,
                             "task_seconds": 0.0}
    formats: dict[str, str] = {}
    per_worker: dict[str, int] = {}
    progress_total = [0, 0]  # ranges done, ranges known
    jobs: deque[Job[tuple[str, Any]]] = deque()
    for i, t in enumerate(targets):
        if t.host and not where.get(t.host):
            errors.extend(ScanError(p, no_worker_reason(t.host)) for p in t.paths)
            state[i].planned = True
            continue
        jobs.append(Job(("plan", i), logtasks.plan_logs,
                        (list(t.paths), rotated, fmt, log, key, ind_ref), _pin(where, t.host)))

    def finish_target(i: int) -> None:
        st = state[i]
        if not st.planned or len(st.reports) < len(st.files):
            return
        out: list[Finding] = []
        for f in st.files:
            got, errs = st.reports[f.path]
            out.extend(got)
            errors.extend(errs)
        if log.heuristics.enabled:
            found, hstats = run_heuristics(st.cands, targets[i].asset_id, log.heuristics, verifier)
            out.extend(found)
            for name, value in hstats.items():
                if isinstance(value, int) and not isinstance(value, bool) and name != "dns_lookups":
                    stats[name] = stats.get(name, 0) + value
        findings.extend(merge_same(out, log.samples))
        st.files = []
        st.cands = []

    def file_done(fk: str) -> None:
        entry = files.pop(fk)
        f = entry.file
        ranges = [entry.ranges[k] for k in sorted(entry.ranges)]
        got, errs, fstats = merge_ranges(f, targets[entry.target].asset_id, ranges, log)
        for name, value in fstats.items():
            stats[name] += value
        cands = None if any(r.read_error for r in ranges) else merge_range_candidates(ranges)
        if cands is not None:
            state[entry.target].cands.append(cands)
        state[entry.target].reports[f.path] = (got, errs)
        finish_target(entry.target)

    try:
        for (kind, info), done, failed in stream(client, jobs, retries=cluster.retries):
            if done is not None:
                per_worker[done.worker] = per_worker.get(done.worker, 0) + 1
                stats["task_seconds"] = round(stats["task_seconds"] + done.seconds, 4)
            if kind == "plan":
                i = info
                st = state[i]
                st.planned = True
                if failed:
                    errors.extend(ScanError(p, failed) for p in targets[i].paths)
                    continue
                planned, missing, count = done.value
                stats["indicators"] = max(stats["indicators"], count)
                errors.extend(ScanError(m, "no such file, folder or matching glob") for m in missing)
                for f in planned:
                    st.files.append(f)
                    if f.error:
                        st.reports[f.path] = ([], [ScanError(f.path, f.error)])
                        continue
                    formats[f.path] = f.fmt
                    starts = [0] if f.gzip else split_points(f.size, size, log.limits)
                    fk = f"{i}\0{f.path}"
                    files[fk] = _File(f, i, count=len(starts))
                    progress_total[1] += len(starts)
                    for k, start in enumerate(starts):
                        jobs.append(Job(("range", (fk, k)), logtasks.scan_log_range,
                                        (f, k, start, starts[k + 1:], targets[i].asset_id, log,
                                         rules_hash, compiled, key, ind_ref),
                                        _pin(where, targets[i].host)))
                finish_target(i)
                continue
            fk, k = info
            entry = files[fk]
            entry.ranges[k] = done.value if not failed else RangeResult(entry.file.path, k,
                                                                        read_error=failed)
            progress_total[0] += 1
            progress("logs", progress_total[0], progress_total[1])
            if len(entry.ranges) == entry.count:
                file_done(fk)
    except ClusterLost as lost:
        lost.partial = ScanReport(tuple(findings), tuple(errors),
                                  _stats(stats, targets, formats, per_worker, started))
        raise
    if log.heuristics.enabled:
        stats.update(verifier_stats(verifier))
    return ScanReport(tuple(findings), tuple(errors),
                      _stats(stats, targets, formats, per_worker, started))


def _pin(where: dict[str, list[str]], host: str) -> list[str] | None:
    return where.get(host) if host else None


def _stats(stats: dict[str, Any], targets: Sequence[LogTarget], formats: dict[str, str],
           per_worker: dict[str, int], started: float) -> dict[str, Any]:
    return {**stats, "targets": len(targets), "files": len(formats), "formats": formats,
            "workers": len(per_worker), "cluster_tasks": dict(sorted(per_worker.items())),
            "seconds": round(time.monotonic() - started, 3)}


def cluster_scan_inventory_logs(client: Any, store: Any, config: Any, ruleset: RuleSet | None,
                                progress: ProgressFn | None = None,
                                indicators: Sequence[Indicator] | None = None,
                                record: bool = True,
                                verifier: CrawlerVerifier | None = None) -> ScanReport:
    """The logs of every active asset, each on the worker its ``host`` names (like scan_inventory_logs)."""
    from csirt_kit.cluster.connect import cluster_settings
    from csirt_kit.scan.logs.inventory import (
        drop_own_host_iocs,
        record_log_sightings,
        stored_indicators,
    )
    from csirt_kit.scan.logs.scanner import settings_from_config
    from csirt_kit.store.assets import AssetFilter, list_assets

    assets = [a for a in list_assets(store.conn, AssetFilter(status="active")) if a.logs]
    inds = stored_indicators(store) if indicators is None else list(indicators)
    report = cluster_scan_logs(client, ruleset, [LogTarget(tuple(a.logs), a.id, a.host) for a in assets],
                               indicators=inds, settings=settings_from_config(config),
                               progress=progress, cluster=cluster_settings(config),
                               verifier=verifier)
    stats: dict[str, Any] = {**report.stats, "assets": len(assets)}
    report = ScanReport(drop_own_host_iocs(report.findings, assets), report.errors, stats)
    if record:
        stats["sightings"] = record_log_sightings(store, report)
    return report
