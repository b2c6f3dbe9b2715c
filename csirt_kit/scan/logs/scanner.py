"""Scan log files with YARA (scope "logs") and stored indicators; hits become findings.

Config keys (``[scan.logs]``), with defaults:
  chunk_size        4194304     bytes per chunk (whole lines; memory stays near this)
  max_line          65536       longer lines are cut to this many bytes
  max_decompressed  17179869184 gzip output cap per file (decompression bombs)
  max_ratio         1000        gzip output/input cap
  yara_timeout      30          seconds per chunk
  samples           5           matching lines kept as evidence per finding

Fingerprints: a log finding is one (asset, rule or indicator, log set, UTC day of the
matching lines). The log set is the file name without its rotation suffix, so
``access.log`` rotating to ``access.log.1.gz`` keeps its findings; the day comes from
the lines' own timestamps ("undated" when a line has none), so a rerun over the same
or rotated files updates the same findings instead of adding new ones, and a new day
of attacks opens a new one. Evidence keeps the first line (path, line number, parsed
timestamp, snippet), the last one, a count and a few samples. YARA reports at most 20
string instances per rule per chunk, so YARA counts are lower bounds.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from csirt_kit.config import Config
from csirt_kit.findings import make_finding
from csirt_kit.models import Finding, Indicator
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.scan.logs.candidates import ACCESS_FORMATS, Candidates
from csirt_kit.scan.logs.crawlers import CrawlerVerifier
from csirt_kit.scan.logs.formats import FORMATS, detect_format, parse_line
from csirt_kit.scan.logs.heuristics import HeuristicSettings, heuristic_settings, run_heuristics
from csirt_kit.scan.logs.iocs import IocHit, IocMatcher
from csirt_kit.scan.logs.reader import LogReadError, ReadLimits, expand_paths, iter_chunks, log_set_name
from csirt_kit.scan.report import ScanError, ScanReport

log = logging.getLogger(__name__)
SNIPPET_CHARS = 300
_RUN_STATS = ("crawler_check", "dns_lookups", "dns_budget_exhausted", "dns_unusable")
_THREAT_SEVERITY = {"1": "high", "2": "medium", "3": "low", "4": "medium"}


class LogRules(Protocol):
    """What the scanner needs of a RuleSet (csirt_kit.scan.rules)."""

    def match(self, data: bytes, *, externals: Any = None, timeout: int = 30) -> list[Any]: ...


@dataclass(frozen=True)
class LogSettings:
    """Caps and options of a log scan (see the module docstring for config keys)."""

    limits: ReadLimits = field(default_factory=ReadLimits)
    yara_timeout: int = 30
    samples: int = 5
    zone: str = "UTC"
    heuristics: HeuristicSettings = field(default_factory=lambda: heuristic_settings(None))


def settings_from_config(config: Config | None) -> LogSettings:
    """LogSettings from ``[scan.logs]`` (defaults for missing keys)."""
    if config is None:
        return LogSettings()
    d = ReadLimits()
    get = config.get
    limits = ReadLimits(chunk_size=int(get("scan.logs.chunk_size", d.chunk_size)),
                        max_line=int(get("scan.logs.max_line", d.max_line)),
                        max_decompressed=int(get("scan.logs.max_decompressed", d.max_decompressed)),
                        max_ratio=int(get("scan.logs.max_ratio", d.max_ratio)))
    return LogSettings(limits=limits, yara_timeout=int(get("scan.logs.yara_timeout", 30)),
                       samples=int(get("scan.logs.samples", 5)), zone=config.timezone,
                       heuristics=heuristic_settings(config))


@dataclass
class _Agg:
    """Matching lines of one future finding."""

    first: dict[str, Any]
    last: dict[str, Any]
    count: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)
    hit: Any = None  # the first RuleHit (YARA) or IocHit


class _LineMapper:
    """Offsets of one chunk (ascending) to 1-based line numbers and the line text."""

    def __init__(self, chunk: bytes, base: int) -> None:
        self.chunk, self.base, self.pos, self.line = chunk, base, 0, base + 1

    def at(self, offset: int) -> tuple[int, bytes]:
        if offset < self.pos:  # out of order: recount from the start
            self.pos, self.line = 0, self.base + 1
        self.line += self.chunk.count(b"\n", self.pos, offset)
        self.pos = offset
        start = self.chunk.rfind(b"\n", 0, offset) + 1
        end = self.chunk.find(b"\n", offset)
        return self.line, self.chunk[start:end if end >= 0 else len(self.chunk)]


class _FileScan:
    """State of one file's scan: format, aggregates, counters."""

    def __init__(self, path: str, asset_id: str | None, fmt: str, settings: LogSettings) -> None:
        self.path, self.asset_id, self.fmt, self.settings = path, asset_id, fmt, settings
        self.log_set = log_set_name(path)
        try:
            self.year = datetime.fromtimestamp(os.stat(path).st_mtime, UTC).year
        except OSError:
            self.year = datetime.now(UTC).year
        self.aggs: dict[tuple[str, str, str], _Agg] = {}
        self.lines = self.cut = self.bytes = 0
        h = settings.heuristics
        self.cands = (Candidates(path, fmt, h, settings.samples, self.year, settings.zone)
                      if h.enabled and fmt in ACCESS_FORMATS else None)

    def record(self, kind: str, ref: str, line_no: int, raw: bytes, hit: Any) -> None:
        text = raw.decode("utf-8", "replace")
        ts = parse_line(self.fmt, text, self.year, self.settings.zone).ts
        day = ts[:10] or "undated"
        where = {"path": self.path, "line": line_no, "timestamp": ts or None,
                 "snippet": _snip(text)}
        agg = self.aggs.get((kind, ref, day))
        if agg is None:
            agg = self.aggs[(kind, ref, day)] = _Agg(first=where, last=where, hit=hit)
        agg.count += 1
        agg.last = where
        if len(agg.samples) < self.settings.samples:
            agg.samples.append(where)

    def findings(self) -> list[Finding]:
        out = []
        for (kind, _ref, day), agg in self.aggs.items():
            locus = f"{self.log_set}|{day}"
            evidence: dict[str, Any] = {
                **agg.first, "log_set": self.log_set, "day": day, "format": self.fmt,
                "count": agg.count, "last_line": agg.last["line"],
                "last_timestamp": agg.last["timestamp"], "samples": agg.samples}
            if kind == "yara.log":
                from csirt_kit.scan.rules import hit_to_finding

                evidence["snippet"] = agg.first["snippet"]
                f = hit_to_finding(agg.hit, kind=kind, asset_id=self.asset_id, locus=locus,
                                   evidence={**evidence, "matched": agg.hit.snippet})
            else:
                f = _ioc_finding(agg.hit, self.asset_id, locus, evidence)
            out.append(f)
        return out


def _snip(text: str) -> str:
    text = text.rstrip("\r\n")
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "…"


def _ioc_finding(hit: IocHit, asset_id: str | None, locus: str, evidence: dict[str, Any]) -> Finding:
    ind = hit.indicators[0]
    severity = _THREAT_SEVERITY.get(str(ind.event.threat_level), "medium") if ind.to_ids else "low"
    evidence = {**evidence, "field": hit.field, "indicator": {
        "source": ind.source, "type": ind.type, "value": ind.value, "event_uuid": ind.event.uuid,
        "event_info": ind.event.info, "tags": list(ind.tags),
        "others": [f"{i.source}:{i.type}" for i in hit.indicators[1:]]}}
    title = f"Indicator {ind.value} ({ind.type}) seen in {os.path.basename(str(evidence['log_set']))}"
    return make_finding("ioc.log", severity, title, asset_id=asset_id, ref=f"{ind.type}:{ind.value}",
                        locus=locus, indicator=ind.value, tags=("ioc", *ind.tags), evidence=evidence)


def _sample_format(path: str, settings: LogSettings) -> str:
    limits = replace(settings.limits, chunk_size=256 << 10)
    for chunk, _ in iter_chunks(path, limits):
        lines = chunk.decode("utf-8", "replace").splitlines()[:50]
        if lines:
            return detect_format(lines)
    return "combined"


def scan_chunks(scan: _FileScan, chunks: Iterable[tuple[bytes, int]], matcher: IocMatcher | None,
                rules: LogRules | None, errors: list[ScanError], settings: LogSettings) -> None:
    """Count lines and match IoCs and YARA in each (chunk, lines cut) of one file, in order.

    The single-machine scan and the cluster's byte ranges both run this, so a range sees
    exactly what the whole-file scan sees. After a YARA failure the rest is IoCs only.
    """
    yara_failed = False
    for chunk, cut in chunks:
        scan.cut += cut
        if not chunk:
            continue
        base = scan.lines
        scan.lines += chunk.count(b"\n")
        scan.bytes += len(chunk)
        if scan.cands is not None:
            scan.cands.collect(chunk, base)
        if matcher is not None and matcher.count:
            mapper = _LineMapper(chunk, base)
            for ioc in matcher.scan(chunk, scan.fmt):
                line_no, raw = mapper.at(ioc.offset)
                first = ioc.indicators[0]
                scan.record("ioc.log", f"{first.type}:{first.value}", line_no, raw, ioc)
        if rules is not None and not yara_failed:
            yara_failed = _yara_chunk(scan, rules, chunk, base, errors, settings)


def scan_log_file(path: str, *, asset_id: str | None = None, rules: LogRules | None = None,
                  matcher: IocMatcher | None = None, fmt: str = "",
                  settings: LogSettings | None = None, verifier: CrawlerVerifier | None = None,
                  candidates: list[Candidates] | None = None) -> ScanReport:
    """Scan one log file; read problems become scan errors of this file.

    The heuristics run over this file alone, unless `candidates` is given: then what they
    kept is appended to it, for the caller to evaluate with the rest of the log set.
    """
    settings = settings or LogSettings()
    report, cands = _scan_file(path, asset_id, rules, matcher, fmt, settings)
    if cands is None:
        return report
    if candidates is not None:
        candidates.append(cands)
        return report
    verifier = verifier or CrawlerVerifier(settings.heuristics.crawlers)
    found, hstats = run_heuristics([cands], asset_id, settings.heuristics, verifier)
    return ScanReport((*report.findings, *found), report.errors, {**report.stats, **hstats})


def _scan_file(path: str, asset_id: str | None, rules: LogRules | None, matcher: IocMatcher | None,
               fmt: str, settings: LogSettings) -> tuple[ScanReport, Candidates | None]:
    """One file's YARA and IoC report, and what its heuristics kept (None when they do not run)."""
    started = time.monotonic()
    errors: list[ScanError] = []
    try:
        fmt = fmt or _sample_format(path, settings)
        scan = _FileScan(path, asset_id, fmt, settings)
        scan_chunks(scan, iter_chunks(path, settings.limits), matcher, rules, errors, settings)
    except LogReadError as exc:
        return ScanReport((), (ScanError(path, exc.message),), {"targets": 1, "files": 1}), None
    stats = {"targets": 1, "files": 1, "bytes": scan.bytes, "lines": scan.lines,
             "lines_cut": scan.cut, "seconds": round(time.monotonic() - started, 3),
             "formats": {path: fmt}}
    return ScanReport(tuple(scan.findings()), tuple(errors), stats), scan.cands


def _yara_chunk(scan: _FileScan, rules: LogRules, chunk: bytes, base: int, errors: list[ScanError],
                settings: LogSettings, only: set[str] | None = None,
                seen: dict[str, set[int]] | None = None) -> bool:
    """YARA over one chunk, each string instance mapped to its line; True if YARA failed.

    YARA reports at most MAX_STRING_HITS instances per rule; a rule that reaches the cap is
    looked for again in each half of the chunk (at a line end), down to single lines, so
    every matching line is found. Lines already recorded for a rule are not counted twice.
    """
    from csirt_kit.scan.rules import MAX_STRING_HITS, MatchError

    seen = {} if seen is None else seen
    try:
        hits = rules.match(chunk, externals={"filename": os.path.basename(scan.path),
                                             "filepath": scan.path},
                           timeout=settings.yara_timeout)
    except MatchError as exc:
        errors.append(ScanError(scan.path, f"YARA: {exc.what} (at line {base + 1})"))
        return True
    capped: set[str] = set()
    for hit in hits:
        if only is not None and hit.ref not in only:
            continue
        lines = seen.setdefault(hit.ref, set())
        mapper = _LineMapper(chunk, base)
        for offset in sorted({s.offset for s in hit.strings}) or [0]:
            line_no, raw = mapper.at(offset)
            if line_no not in lines:
                lines.add(line_no)
                scan.record("yara.log", hit.ref, line_no, raw, hit)
        if len(hit.strings) >= MAX_STRING_HITS:
            capped.add(hit.ref)
    if not capped or chunk.count(b"\n") < 2:
        return False
    mid = chunk.rfind(b"\n", 0, len(chunk) // 2) + 1 or chunk.find(b"\n") + 1
    left, right = chunk[:mid], chunk[mid:]
    return (_yara_chunk(scan, rules, left, base, errors, settings, capped, seen)
            or _yara_chunk(scan, rules, right, base + left.count(b"\n"), errors, settings, capped, seen))


def scan_logs(paths: Sequence[str], *, asset_id: str | None = None, rules: LogRules | None = None,
              indicators: Iterable[Indicator] | IocMatcher = (), fmt: str = "",
              settings: LogSettings | None = None, progress: ProgressFn | None = None,
              rotated: bool = True, verifier: CrawlerVerifier | None = None) -> ScanReport:
    """Scan files, folders and globs (with rotated siblings); missing ones are scan errors.

    The heuristics run once per log set on the candidates of all its files; `verifier`
    (shared by the scans of one run, so its cache and budget are too) checks crawler claims.
    """
    from csirt_kit.errors import UsageError
    from csirt_kit.scan.report import merge_reports

    if fmt and fmt not in FORMATS:
        raise UsageError(f"unknown log format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")
    started = time.monotonic()
    progress = progress or no_progress
    files, missing = expand_paths(paths, rotated=rotated)
    matcher = indicators if isinstance(indicators, IocMatcher) else IocMatcher(indicators)
    settings = settings or LogSettings()
    reports = [ScanReport((), tuple(ScanError(m, "no such file, folder or matching glob")
                                    for m in missing), {})]
    cands: list[Candidates] = []
    for i, path in enumerate(files):
        progress("logs", i, len(files))
        try:
            reports.append(scan_log_file(path, asset_id=asset_id, rules=rules, matcher=matcher, fmt=fmt,
                                         settings=settings, candidates=cands))
        except Exception as exc:  # a bug on one file must not end the run
            log.error("scanning %s failed: %s", path, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            reports.append(ScanReport((), (ScanError(path, f"internal error: {exc}"),), {}))
    progress("logs", len(files), len(files))
    hstats: dict[str, Any] = {}
    if settings.heuristics.enabled:
        verifier = verifier or CrawlerVerifier(settings.heuristics.crawlers)
        found, hstats = run_heuristics(cands, asset_id, settings.heuristics, verifier)
        reports.append(ScanReport(tuple(found), (), hstats))
    merged = merge_reports(reports)
    findings = merge_same(merged.findings, settings.samples)
    formats: dict[str, str] = {}
    for r in reports:
        formats.update(r.stats.get("formats", {}))
    stats = {**merged.stats, "targets": len(files) + len(missing), "files": len(files),
             "formats": formats, "indicators": matcher.count,
             **{k: v for k, v in hstats.items() if k in _RUN_STATS},
             "seconds": round(time.monotonic() - started, 3)}
    return ScanReport(findings, merged.errors, stats)


def merge_same(findings: Iterable[Finding], samples: int = 5) -> tuple[Finding, ...]:
    """One finding per fingerprint: files of one rotated set add up their lines."""
    out: dict[str, Finding] = {}
    for f in findings:
        have = out.get(f.fingerprint)
        if have is None:
            out[f.fingerprint] = f
            continue
        ev = dict(have.evidence)
        ev["count"] = int(ev.get("count", 0)) + int(f.evidence.get("count", 0))
        ev["samples"] = [*ev.get("samples", []), *f.evidence.get("samples", [])][:samples]
        files = ev.get("files") or [ev.get("path")]
        if f.evidence.get("path") not in files:
            files = [*files, f.evidence.get("path")]
        ev["files"] = files
        out[f.fingerprint] = replace(have, evidence=ev)
    return tuple(out.values())


def sightings(report: ScanReport) -> list[tuple[str, str, str]]:
    """(source, type, value) of every indicator a log scan hit, for MISP sightings."""
    out: dict[tuple[str, str, str], None] = {}
    for f in report.findings:
        ind = f.evidence.get("indicator") if f.kind == "ioc.log" else None
        if isinstance(ind, dict):
            out.setdefault((str(ind["source"]), str(ind["type"]), str(ind["value"])), None)
    return list(out)
