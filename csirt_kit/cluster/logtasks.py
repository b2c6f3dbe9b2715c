"""Log work units on a worker: plan a target's files, scan one line-aligned range of one file.

The indicator matcher is built once per indicator-set key and kept, like the rules.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from csirt_kit.cluster.ranges import LogFile, RangeResult, plan_file, range_chunks
from csirt_kit.cluster.worker import Done, rules_for, since, worker_name
from csirt_kit.scan.logs.iocs import IocMatcher
from csirt_kit.scan.logs.reader import LogReadError, expand_paths, iter_chunks
from csirt_kit.scan.report import ScanError

_MATCHERS: OrderedDict[str, IocMatcher] = OrderedDict()
_LOCK = threading.Lock()
_AT_LINE = re.compile(r"\(at line (\d+)\)$")


def matcher_for(key: str, indicators: Sequence[Any] | None) -> IocMatcher | None:
    """The IocMatcher of an indicator set, built once per worker process."""
    if not key or indicators is None:
        return None
    with _LOCK:
        have = _MATCHERS.get(key)
        if have is None:
            have = _MATCHERS[key] = IocMatcher(indicators)
            while len(_MATCHERS) > 2:
                _MATCHERS.popitem(last=False)
        return have


def plan_logs(paths: Sequence[str], rotated: bool, fmt: str, settings: Any, matcher_key: str,
              indicators: Sequence[Any] | None) -> Done:
    """Files of one target (globs and rotated siblings expanded here), patterns that matched nothing."""
    started = time.perf_counter()
    files, missing = expand_paths(paths, rotated=rotated)
    matcher = matcher_for(matcher_key, indicators)
    planned = [plan_file(p, settings, fmt) for p in files]
    return Done(worker_name(), (planned, missing, matcher.count if matcher else 0), since(started))


def scan_log_range(file: LogFile, index: int, start: int, stops: Sequence[int], asset_id: str | None,
                   settings: Any, rules_hash: str, compiled: bytes | None, matcher_key: str,
                   indicators: Sequence[Any] | None) -> Done:
    """Scan one range (or a whole gzip file) exactly as scan_log_file scans those chunks."""
    from csirt_kit.scan.logs.scanner import _FileScan, scan_chunks

    started = time.perf_counter()
    rules = rules_for(rules_hash, compiled)
    matcher = matcher_for(matcher_key, indicators)
    res = RangeResult(file.path, index)
    scan = _FileScan(file.path, asset_id, file.fmt, settings)
    errors: list[ScanError] = []
    chunks = (iter_chunks(file.path, settings.limits) if file.gzip
              else range_chunks(file.path, start, set(stops), settings.limits))
    try:
        scan_chunks(scan, chunks, matcher, rules, errors, settings)
    except LogReadError as exc:
        res.read_error = exc.message
    res.lines, res.bytes, res.cut, res.aggs = scan.lines, scan.bytes, scan.cut, scan.aggs
    res.cands = scan.cands
    for err in errors:
        m = _AT_LINE.search(err.error)
        res.errors.append((int(m.group(1)) if m else 0, err.error))
    return Done(worker_name(), res, since(started))
