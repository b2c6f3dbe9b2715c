"""File and webroot scanning with YARA.

Config keys (``[scan]``):
  max_file_size  bytes; larger files are recorded as scan errors (default 33554432, 32 MiB)
  file_timeout   seconds of YARA time per file (default 30)
  workers        worker processes (default 0: one per usable core)
  content_cache  skip content already scanned with the same rules (default true; see
                 content_cache.py)
  stat_cache     do not open files whose size, mtime, ctime, inode and device are unchanged
                 since they were read (default true; needs content_cache and a store file;
                 see stat_cache.py for why ctime defeats forged timestamps). ``--full``
                 ignores it for one scan.

Walks never follow symlinks (so never leave the root); unreadable folders, unreadable
or vanished files, oversized files and YARA timeouts are scan errors for their target
and the run goes on. Files are scanned in batches by worker processes that load the
compiled rules once.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from csirt_kit.config import Config
from csirt_kit.models import Finding
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.scan import runner, stat_cache
from csirt_kit.scan.content_cache import (
    WorkerCache,
    content_key,
    hits_from_json,
    hits_to_json,
    save,
    store_path,
)
from csirt_kit.scan.filetypes import externals_for
from csirt_kit.scan.report import ScanError, ScanReport
from csirt_kit.scan.rules import MatchError, RuleHit, RuleSet, hit_to_finding, to_hit
from csirt_kit.scan.stat_cache import RACY_SECONDS, Known, Stat, StatPlan, stat_of
from csirt_kit.scan.walk import os_reason, walk
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso

KIND = "yara.file"


@dataclass(frozen=True)
class FileOptions:
    """Limits and parallelism of a file scan."""

    max_size: int = 32 * 1024 * 1024
    timeout: int = 30
    workers: int = 0  # 0: one per usable core
    batch_files: int = 500  # few hand-offs per run: the main process is not a bottleneck
    batch_bytes: int = 32 * 1024 * 1024
    in_process_below: int = 64  # fewer files than this: no pool
    content_cache: bool = True  # skip content already scanned with the same rules
    stat_cache: bool = True  # do not open files whose stat values are unchanged
    full: bool = False  # --full: read every file this time (the stat cache is refreshed)
    racy_seconds: float = RACY_SECONDS
    stat_flush_rows: int = 20000  # remember files read in transactions of this many rows

    @classmethod
    def from_config(cls, config: Config | None) -> FileOptions:
        """Options from ``[scan]`` keys, defaults otherwise."""
        if config is None:
            return cls()
        return cls(max_size=int(config.get("scan.max_file_size", cls.max_size)),
                   timeout=int(config.get("scan.file_timeout", cls.timeout)),
                   workers=int(config.get("scan.workers", 0) or 0),
                   content_cache=_flag(config.get("scan.content_cache", True)),
                   stat_cache=_flag(config.get("scan.stat_cache", True)))


def _flag(value: object) -> bool:
    # An environment override of a key without a default arrives as text ("false").
    if isinstance(value, str):
        return value.strip().lower() not in {"0", "false", "no", "off", ""}
    return bool(value)


@dataclass(frozen=True)
class FileTarget:
    """One file to scan and the asset it belongs to."""

    path: str
    size: int
    asset_id: str | None = None
    stat: Stat | None = None  # as walked
    sha256: str = ""  # from the stat cache: reuse it if the file still has `stat`
    root_key: int = 0  # the stat cache's key of the scan root this file was found under


@dataclass(frozen=True)
class FileResult:
    """What scanning one file gave: hits (with content facts) or an error."""

    path: str
    hits: tuple[RuleHit, ...] = ()
    sha256: str = ""
    size: int = 0
    mtime: float = 0.0
    error: str = ""
    key: str = ""  # content cache key, when the result should be stored
    fresh: bool = False  # scanned now (not taken from the cache)
    stat: Stat | None = None  # stat values when read, for the stat cache


@dataclass(frozen=True)
class BatchJob:
    """Settings every batch of one scan shares (sent to the workers with each batch)."""

    max_size: int
    timeout: int
    rules_hash: str = ""
    uses_externals: bool = True
    use_cache: bool = False
    db_path: str | None = None
    run_id: str = ""
    track: bool = False  # return every file read (with its stat values) for the stat cache


_CACHE: WorkerCache | None = None  # this process's content cache for the current run


def _worker_cache(job: BatchJob) -> WorkerCache | None:
    global _CACHE
    if not job.use_cache:
        return None
    if _CACHE is None or _CACHE.run_id != job.run_id:
        _CACHE = WorkerCache(job.rules_hash, job.db_path, job.run_id)
    return _CACHE


def scan_batch(batch: Sequence[FileTarget], job: BatchJob) -> list[FileResult]:
    """Scan one batch in this process.

    Returned: files with hits or errors, (when results are persisted) every freshly
    scanned file with its content key, and (with `job.track`) every file read, so the
    main process can store them.
    """
    rules = runner.worker_rules()
    cache = _worker_cache(job)
    out: list[FileResult] = []
    for target in batch:
        try:
            with open(target.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                # read(n) allocates n bytes up front: ask for the real size, not the cap.
                data = fh.read(min(st.st_size, job.max_size) + 1)
        except OSError as exc:
            out.append(FileResult(target.path, error=f"cannot read: {os_reason(exc)}"))
            continue
        if len(data) > job.max_size:
            out.append(FileResult(target.path, error=f"skipped: grew over the size cap of"
                                                     f" {job.max_size} bytes during the scan"))
            continue
        # Externals cost a little per file: set them only when a rule reads them.
        externals = externals_for(target.path, data, st.st_uid) if job.uses_externals else None
        now = stat_of(st) if job.track or target.sha256 else None
        # Unchanged since the stat cache saw it (only the rules changed): no need to hash.
        sha = target.sha256 if target.sha256 and now == target.stat else ""
        sha = sha or (hashlib.sha256(data).hexdigest() if cache else "")
        key = content_key(sha, externals or {}, job.uses_externals) if cache else ""
        cached = cache.get(key) if cache else None
        if cached is not None:
            if cached or job.track:
                out.append(FileResult(target.path, cached, sha, len(data), st.st_mtime, key=key,
                                      stat=now if job.track else None))
            continue
        try:
            matches = rules.match(data=data, externals=externals, timeout=job.timeout)
        except Exception as exc:  # yara.TimeoutError / yara.Error, without importing yara here
            reason = (f"YARA timed out after {job.timeout}s (scan.file_timeout)"
                      if type(exc).__name__ == "TimeoutError" else f"YARA failed: {exc}")
            out.append(FileResult(target.path, error=reason))
            continue
        hits = tuple(to_hit(m) for m in matches)
        if cache:
            cache.put(key, hits)
        if hits or (cache and job.db_path):
            out.append(FileResult(target.path, hits, sha or hashlib.sha256(data).hexdigest(),
                                  len(data), st.st_mtime, key=key, fresh=True,
                                  stat=now if job.track else None))
    return out


def mtime_of_ns(mtime_ns: int) -> float:
    """os.stat_result.st_mtime from st_mtime_ns, bit for bit (CPython adds sec + nsec * 1e-9)."""
    sec, nsec = divmod(mtime_ns, 1_000_000_000)
    return sec + nsec * 1e-9


def _batches(targets: Iterator[FileTarget], options: FileOptions) -> Iterator[list[FileTarget]]:
    batch: list[FileTarget] = []
    size = 0
    for t in targets:
        batch.append(t)
        size += t.size
        if len(batch) >= options.batch_files or size >= options.batch_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def result_findings(result: FileResult, asset_id: str | None, seen: str) -> list[Finding]:
    """One yara.file finding per hit; the locus is the file's absolute path."""
    if not result.hits:
        return []
    evidence = {"path": result.path, "sha256": result.sha256, "size": result.size,
                "mtime": iso(_utc(result.mtime))}
    return [hit_to_finding(h, kind=KIND, asset_id=asset_id, locus=result.path,
                           evidence={**evidence, "offset": h.offset}, seen=seen)
            for h in result.hits]


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _targets(roots: Sequence[tuple[Path, str | None]], max_size: int, stats: dict[str, int],
             errors: list[ScanError], plan: StatPlan,
             on_unchanged: Callable[[str, int, Known, str | None], None]) -> Iterator[FileTarget]:
    for root, asset_id in roots:
        top = os.path.abspath(root)
        known = plan.known(top)
        root_key = stat_cache.key_of(top)
        for item in walk(Path(top), max_size, stats):
            if isinstance(item, ScanError):
                errors.append(item)
                continue
            path, size, st = item
            stats["files"] = stats.get("files", 0) + 1
            stats["bytes"] = stats.get("bytes", 0) + size
            entry = known.pop(stat_cache.key_of(path), None) if known else None
            if entry is not None and plan.skip(entry, st):
                on_unchanged(path, size, entry, asset_id)
                continue
            stats["read"] = stats.get("read", 0) + 1
            stats["bytes_read"] = stats.get("bytes_read", 0) + size
            yield FileTarget(path, size, asset_id, st,
                             entry.sha256 if entry and entry.stat == st else "", root_key)
        # Not on disk any more (or no longer reachable by the walk): forget them.
        plan.forget_keys(root_key, known)


def scan_files(ruleset: RuleSet, roots: Sequence[tuple[Path, str | None]], *,
               options: FileOptions | None = None, progress: ProgressFn | None = None,
               store: Store | None = None) -> ScanReport:
    """Scan files and folders, each given with the asset it belongs to (or None).

    With a `store`, results are cached by content: content scanned earlier with the same
    rules is not scanned again (see content_cache), and files unchanged since they were
    read are not opened (see stat_cache; ``options.full`` reads them all).
    """
    options = options or FileOptions()
    progress = progress or no_progress
    started = time.monotonic()
    seen = iso()
    stats: dict[str, int] = {}
    errors: list[ScanError] = []
    findings: list[Finding] = []
    fresh: dict[str, str] = {}
    use_stat = options.stat_cache and options.content_cache and store_path(store)
    plan = StatPlan(store if use_stat else None, ruleset.rules_hash, full=options.full,
                    racy_seconds=options.racy_seconds, flush_rows=options.stat_flush_rows)
    parsed: dict[str, tuple[RuleHit, ...]] = {}  # cached hits JSON -> hits, once per run
    done = 0

    def on_result(batch: Sequence[FileTarget], results: list[FileResult]) -> None:
        nonlocal done
        owners = {t.path: t for t in batch}
        for r in results:
            target = owners.get(r.path)
            root_key = target.root_key if target else 0
            if r.stat is not None and r.sha256 and not r.error:
                plan.remember(root_key, r.path, r.stat, r.sha256,
                              hits_to_json(r.hits) if r.hits else None)
            else:
                plan.forget(root_key, r.path)
            if r.error:
                errors.append(ScanError(r.path, r.error))
                continue
            if r.fresh and r.key:
                fresh[r.key] = hits_to_json(r.hits)
            findings.extend(result_findings(r, target.asset_id if target else None, seen))
        done += len(batch)
        progress("files", done + plan.unchanged, None)

    def on_unchanged(path: str, size: int, entry: Known, asset_id: str | None) -> None:
        if entry.hits:  # evidence as if read now: the file is what it was then
            hits = parsed.get(entry.hits)
            if hits is None:
                hits = parsed[entry.hits] = hits_from_json(entry.hits)
            result = FileResult(path, hits, entry.sha256, size, mtime_of_ns(entry.stat[1]))
            findings.extend(result_findings(result, asset_id, seen))
        if plan.unchanged % 1000 == 0:
            progress("files", done + plan.unchanged, None)

    def on_failure(batch: Sequence[FileTarget], reason: str) -> None:
        on_result(batch, [FileResult(t.path, error=reason) for t in batch])

    job = BatchJob(options.max_size, options.timeout, ruleset.rules_hash, ruleset.uses_externals,
                   use_cache=options.content_cache, db_path=store_path(store) if store else None,
                   run_id=f"{os.getpid()}-{time.monotonic_ns()}", track=plan.store is not None)
    task: Callable[[Sequence[FileTarget]], list[FileResult]] = functools.partial(scan_batch, job=job)
    workers = options.workers or runner.default_workers()
    targets = _targets(roots, options.max_size, stats, errors, plan, on_unchanged)
    head = list(itertools.islice(targets, options.in_process_below))
    in_process = len(head) < options.in_process_below
    runner.run_batches(_batches(itertools.chain(head, targets), options), task,
                       compiled=ruleset.compiled, local_rules=ruleset.yara_rules, workers=workers,
                       in_process=in_process, on_result=on_result, on_failure=on_failure)
    if store is not None and store_path(store) and (fresh or plan.seen or plan.gone):
        with store.write():  # results and the files they came from: one transaction
            if fresh:
                save(store, ruleset.rules_hash, fresh, seen)
            plan.flush()
    if plan.unchanged:
        progress("files", done + plan.unchanged, None)
    stats_out: dict[str, object] = {
        "targets": len(roots), "files": stats.get("files", 0), "bytes": stats.get("bytes", 0),
        "unchanged": plan.unchanged, "read": stats.get("read", 0),
        "bytes_read": stats.get("bytes_read", 0), "stat_cache": plan.mode,
        "scanned": len(fresh) if store_path(store) else stats.get("files", 0),
        "rules": ruleset.rule_count, "rules_hash": ruleset.rules_hash[:16],
        "rule_problems": len(ruleset.errors), "workers": 1 if in_process else workers,
        "symlinks_skipped": stats.get("symlinks_skipped", 0),
        "seconds": round(time.monotonic() - started, 3),
    }
    return ScanReport(tuple(findings), tuple(errors), stats_out)


__all__ = [
    "BatchJob",
    "FileOptions",
    "FileResult",
    "FileTarget",
    "MatchError",
    "scan_batch",
    "scan_files",
    "walk",
]
