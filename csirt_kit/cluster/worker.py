"""What runs on a Dask worker: rules compiled once per rules hash, file listing and file batches.

Workers get the compiled rules as bytes (never a path: a worker on a hosting server has no
rules folder), load them once per rules hash and keep them in this module's cache for
every later task. Tasks return plain results; they never touch the store.
"""

from __future__ import annotations

import hashlib
import os
import platform
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csirt_kit.scan.report import ScanError
from csirt_kit.scan.rules import RuleSet

KEEP_RULESETS = 4  # rule sets (web, files, logs scopes of one or two rule versions) kept loaded

_RULES: OrderedDict[str, RuleSet] = OrderedDict()
_LOCK = threading.Lock()
_LOADS: dict[str, int] = {}  # rules hash -> times compiled bytes were loaded in this process


@dataclass(frozen=True)
class Done:
    """A task's value and the worker that produced it (for stats and pinning checks)."""

    worker: str
    value: Any
    seconds: float = 0.0  # time the task ran on its worker


def worker_name() -> str:
    """This worker's name ('' outside a worker)."""
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return ""


def since(started: float) -> float:
    """Seconds since a perf_counter reading, rounded for stats."""
    return round(time.perf_counter() - started, 4)


def rules_for(rules_hash: str, compiled: bytes | None) -> RuleSet | None:
    """The loaded rules of a hash: from this process's cache, else loaded once from `compiled`."""
    if not rules_hash or compiled is None:
        return None
    with _LOCK:
        have = _RULES.get(rules_hash)
        if have is not None:
            _RULES.move_to_end(rules_hash)
            return have
        ruleset = RuleSet(compiled, rules_hash, (), ())
        _RULES[rules_hash] = ruleset
        _LOADS[rules_hash] = _LOADS.get(rules_hash, 0) + 1
        while len(_RULES) > KEEP_RULESETS:
            _RULES.popitem(last=False)
        return ruleset


def loaded_rules() -> dict[str, int]:
    """Rules hashes loaded in this process and how often each was loaded (1: compiled once)."""
    with _LOCK:
        return {h: _LOADS.get(h, 0) for h in _RULES}


def bundled_rules_hash() -> str:
    """Content hash of the rules this csirt-kit install bundles (same on every healthy worker)."""
    from csirt_kit.resources import bundled_rules
    from csirt_kit.scan.compile import content_key, discover, include_files
    from csirt_kit.scan.rules import SCOPES

    root = bundled_rules()
    roots = [(root / s, root) for s in SCOPES if (root / s).is_dir()]
    files, _ = discover(roots)
    return str(content_key(files, include_files([root])))


def worker_info() -> dict[str, Any]:
    """Versions, host and rules of this worker process (what `cluster status` shows)."""
    import yara

    from csirt_kit import __version__

    return {"csirt_kit": __version__, "yara": str(getattr(yara, "__version__", "?")),
            "libyara": str(getattr(yara, "YARA_VERSION", "?")),
            "python": platform.python_version(), "hostname": socket.gethostname(),
            "pid": os.getpid(), "bundled_rules_hash": bundled_rules_hash(),
            "loaded_rules": loaded_rules()}


@dataclass(frozen=True)
class Listing:
    """Files found below the roots of one asset or host, and what could not be walked."""

    targets: tuple[Any, ...]  # FileTarget
    errors: tuple[ScanError, ...]
    symlinks_skipped: int = 0


def list_files(roots: Sequence[tuple[str, str | None]], max_size: int) -> Done:
    """Walk roots on this worker (symlinks not followed); a missing root is a scan error."""
    from csirt_kit.scan.files import FileTarget, walk

    started = time.perf_counter()
    stats: dict[str, int] = {}
    targets: list[FileTarget] = []
    errors: list[ScanError] = []
    for root, asset_id in roots:
        for item in walk(Path(os.path.abspath(root)), max_size, stats):
            if isinstance(item, ScanError):
                errors.append(_where(item))
            else:
                targets.append(FileTarget(item[0], item[1], asset_id))
    return Done(worker_name(), Listing(tuple(targets), tuple(errors),
                                       stats.get("symlinks_skipped", 0)), since(started))


def _os_reason(exc: OSError) -> str:
    # The same wording as the single-machine walk, so errors compare equal.
    if isinstance(exc, FileNotFoundError):
        return "vanished or does not exist"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


def _where(err: ScanError) -> ScanError:
    name = worker_name()
    if not name or "vanished or does not exist" not in err.error:
        return err
    return ScanError(err.target, f"{err.error} on cluster worker {name}")


def scan_file_batch(rules_hash: str, compiled: bytes, batch: Sequence[Any], max_size: int,
                    timeout: int) -> Done:
    """Scan one batch of FileTargets with the rules of `rules_hash` (loaded once per worker)."""
    from csirt_kit.scan.files import FileResult
    from csirt_kit.scan.filetypes import externals_for
    from csirt_kit.scan.rules import to_hit

    started = time.perf_counter()
    ruleset = rules_for(rules_hash, compiled)
    assert ruleset is not None
    rules = ruleset.yara_rules
    out: list[FileResult] = []
    for target in batch:
        try:
            with open(target.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                data = fh.read(min(st.st_size, max_size) + 1)
        except OSError as exc:
            out.append(FileResult(target.path, error=f"cannot read: {_os_reason(exc)}"))
            continue
        if len(data) > max_size:
            out.append(FileResult(target.path, error=f"skipped: grew over the size cap of"
                                                     f" {max_size} bytes during the scan"))
            continue
        try:
            matches = rules.match(data=data, externals=externals_for(target.path, data, st.st_uid),
                                  timeout=timeout)
        except Exception as exc:  # yara.TimeoutError / yara.Error
            reason = (f"YARA timed out after {timeout}s (scan.file_timeout)"
                      if type(exc).__name__ == "TimeoutError" else f"YARA failed: {exc}")
            out.append(FileResult(target.path, error=reason))
            continue
        if matches:
            out.append(FileResult(target.path, hits=tuple(to_hit(m) for m in matches),
                                  sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                  mtime=st.st_mtime))
    return Done(worker_name(), out, since(started))
