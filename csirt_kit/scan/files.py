"""File and webroot scanning with YARA.

Config keys (``[scan]``):
  max_file_size  bytes; larger files are recorded as scan errors (default 33554432, 32 MiB)
  file_timeout   seconds of YARA time per file (default 30)
  workers        worker processes (default 0: one per usable core)

Walks never follow symlinks (so never leave the root); unreadable folders, unreadable
or vanished files, oversized files and YARA timeouts are scan errors for their target
and the run goes on. Files are scanned in batches by worker processes that load the
compiled rules once.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from csirt_kit.config import Config
from csirt_kit.models import Finding
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.scan import runner
from csirt_kit.scan.filetypes import externals_for
from csirt_kit.scan.report import ScanError, ScanReport
from csirt_kit.scan.rules import MatchError, RuleHit, RuleSet, hit_to_finding, to_hit
from csirt_kit.timeutil import iso

KIND = "yara.file"


@dataclass(frozen=True)
class FileOptions:
    """Limits and parallelism of a file scan."""

    max_size: int = 32 * 1024 * 1024
    timeout: int = 30
    workers: int = 0  # 0: one per usable core
    batch_files: int = 200
    batch_bytes: int = 16 * 1024 * 1024
    in_process_below: int = 64  # fewer files than this: no pool

    @classmethod
    def from_config(cls, config: Config | None) -> FileOptions:
        """Options from ``[scan]`` keys, defaults otherwise."""
        if config is None:
            return cls()
        return cls(max_size=int(config.get("scan.max_file_size", cls.max_size)),
                   timeout=int(config.get("scan.file_timeout", cls.timeout)),
                   workers=int(config.get("scan.workers", 0) or 0))


@dataclass(frozen=True)
class FileTarget:
    """One file to scan and the asset it belongs to."""

    path: str
    size: int
    asset_id: str | None = None


@dataclass(frozen=True)
class FileResult:
    """What scanning one file gave: hits (with content facts) or an error."""

    path: str
    hits: tuple[RuleHit, ...] = ()
    sha256: str = ""
    size: int = 0
    mtime: float = 0.0
    error: str = ""


def walk(root: Path, max_size: int, stats: dict[str, int]) -> Iterator[tuple[str, int] | ScanError]:
    """(path, size) of each regular file below root, or a ScanError; symlinks are not followed."""
    try:
        st = root.lstat()
    except OSError as exc:
        yield ScanError(str(root), _os_reason(exc))
        return
    if not root.is_dir() or root.is_symlink():
        yield from _one(str(root), st.st_size, root.is_file(), max_size)
        return
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield ScanError(folder, f"cannot list folder: {_os_reason(exc)}")
            continue
        subdirs = []
        for entry in entries:
            try:
                if entry.is_symlink():
                    stats["symlinks_skipped"] = stats.get("symlinks_skipped", 0) + 1
                elif entry.is_dir(follow_symlinks=False):
                    subdirs.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    yield from _one(entry.path, entry.stat(follow_symlinks=False).st_size, True,
                                    max_size)
            except OSError as exc:
                yield ScanError(entry.path, _os_reason(exc))
        stack.extend(reversed(subdirs))


def _one(path: str, size: int, regular: bool, max_size: int) -> Iterator[tuple[str, int] | ScanError]:
    if not regular:
        yield ScanError(path, "not a regular file (device, socket or pipe): skipped")
    elif size > max_size:
        yield ScanError(path, f"skipped: {size} bytes is over the size cap of {max_size} bytes"
                              " (scan.max_file_size)")
    else:
        yield (path, size)


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "vanished or does not exist"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


def scan_batch(batch: Sequence[FileTarget], *, max_size: int, timeout: int) -> list[FileResult]:
    """Scan one batch in this process; only files with hits or errors are returned."""
    rules = runner.worker_rules()
    out: list[FileResult] = []
    for target in batch:
        try:
            with open(target.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                # read(n) allocates n bytes up front: ask for the real size, not the cap.
                data = fh.read(min(st.st_size, max_size) + 1)
        except OSError as exc:
            out.append(FileResult(target.path, error=f"cannot read: {_os_reason(exc)}"))
            continue
        if len(data) > max_size:
            out.append(FileResult(target.path, error=f"skipped: grew over the size cap of {max_size}"
                                                     " bytes during the scan"))
            continue
        try:
            matches = rules.match(data=data, externals=externals_for(target.path, data, st.st_uid),
                                  timeout=timeout)
        except Exception as exc:  # yara.TimeoutError / yara.Error, without importing yara here
            reason = (f"YARA timed out after {timeout}s (scan.file_timeout)"
                      if type(exc).__name__ == "TimeoutError" else f"YARA failed: {exc}")
            out.append(FileResult(target.path, error=reason))
            continue
        if matches:
            out.append(FileResult(target.path, tuple(to_hit(m) for m in matches),
                                  hashlib.sha256(data).hexdigest(), len(data), st.st_mtime))
    return out


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
    evidence = {"path": result.path, "sha256": result.sha256, "size": result.size,
                "mtime": iso(_utc(result.mtime))}
    return [hit_to_finding(h, kind=KIND, asset_id=asset_id, locus=result.path,
                           evidence={**evidence, "offset": h.offset}, seen=seen)
            for h in result.hits]


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def scan_files(ruleset: RuleSet, roots: Sequence[tuple[Path, str | None]], *,
               options: FileOptions | None = None, progress: ProgressFn | None = None) -> ScanReport:
    """Scan files and folders, each given with the asset it belongs to (or None)."""
    options = options or FileOptions()
    progress = progress or no_progress
    started = time.monotonic()
    seen = iso()
    stats: dict[str, int] = {}
    errors: list[ScanError] = []
    targets: list[FileTarget] = []
    for root, asset_id in roots:
        absolute = Path(os.path.abspath(root))
        for item in walk(absolute, options.max_size, stats):
            if isinstance(item, ScanError):
                errors.append(item)
            else:
                targets.append(FileTarget(item[0], item[1], asset_id))
    findings: list[Finding] = []
    done = 0

    def on_result(batch: Sequence[FileTarget], results: list[FileResult]) -> None:
        nonlocal done
        owners = {t.path: t.asset_id for t in batch}
        for r in results:
            if r.error:
                errors.append(ScanError(r.path, r.error))
            else:
                findings.extend(result_findings(r, owners.get(r.path), seen))
        done += len(batch)
        progress("files", done, len(targets))

    def on_failure(batch: Sequence[FileTarget], reason: str) -> None:
        on_result(batch, [FileResult(t.path, error=reason) for t in batch])

    task: Callable[[Sequence[FileTarget]], list[FileResult]] = functools.partial(
        scan_batch, max_size=options.max_size, timeout=options.timeout)
    workers = options.workers or runner.default_workers()
    runner.run_batches(_batches(iter(targets), options), task, compiled=ruleset.compiled,
                       local_rules=ruleset.yara_rules, workers=workers,
                       in_process=len(targets) < options.in_process_below,
                       on_result=on_result, on_failure=on_failure)
    stats_out: dict[str, object] = {
        "targets": len(roots), "files": len(targets), "bytes": sum(t.size for t in targets),
        "rules": ruleset.rule_count, "rules_hash": ruleset.rules_hash[:16],
        "rule_problems": len(ruleset.errors), "workers": workers,
        "symlinks_skipped": stats.get("symlinks_skipped", 0),
        "seconds": round(time.monotonic() - started, 3),
    }
    return ScanReport(tuple(findings), tuple(errors), stats_out)


__all__ = ["FileOptions", "FileResult", "FileTarget", "MatchError", "scan_batch", "scan_files",
           "walk"]
