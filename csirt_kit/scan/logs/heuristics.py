"""Log heuristics for web compromise and judol SEO attacks, run on a log set's merged candidates.

Config keys (``[scan.logs]``), with defaults:
  heuristics        true    run the heuristics below (false: YARA and IoCs only)
  verify_crawlers   "dns"   "dns": check crawler claims in DNS; "off": skip the check (offline)
  dns_timeout       2       seconds per lookup
  dns_budget        30      seconds for all lookups of one run
  dns_max_lookups   1000    addresses checked per run (the rest are counted as unchecked)
  upload_folders    []      extra upload folders (the CMS profiles' folders are always used)
  new_after_hours   24      a path is "new" when its first request comes this long after the
                            first line of its log set
  webshell_min_posts 3      POSTs answered 2xx that make a new script a web shell in use
  webshell_max_ips  3       ... sent from at most this many client addresses
  webshell_ignore   []      extra script paths never reported as web shells
  sitemap_burst     20      served requests for new sitemaps within the window that make a burst
  sitemap_window    60      minutes

Rules (each a finding whose evidence holds the lines: first, last, count, samples):
- ``log.fake_crawler``: a User-Agent claims Googlebot, Bingbot, YandexBot, Baiduspider or
  Applebot from a public address whose reverse name is not under the engine's domains or does
  not resolve back to it. One finding per (address, crawler, UTC day).
- ``log.upload_post``: a POST to a script (.php, .phtml, .php5, .phar...) under an upload folder.
  2xx or 5xx (the script ran) is high, 401/403/3xx medium; 404/410 (no such file: a probe) is
  only counted. One per (path, day).
- ``log.webshell_use``: a script path, outside the ignore list, whose first request in the set
  (any method) comes at least ``new_after_hours`` after the set's first line, and which then
  gets at least ``webshell_min_posts`` POSTs answered 2xx on one UTC day, from at most
  ``webshell_max_ips`` addresses. One per (path, day).
- ``log.gambling_slug``: 2xx answers for targets the judol vocabulary calls gambling slugs.
  One per day, listing the targets.
- ``log.sitemap_burst``: sitemap files first requested at least ``new_after_hours`` after the
  set's first line (paths grouped with digits as '#', sitemap1.xml and sitemap2.xml together),
  served at least ``sitemap_burst`` times within ``sitemap_window`` minutes. One per (group,
  day of the window's start).
Fingerprint locus: ``log set|day|subject``, as scanner.py's, so reruns and rotation keep them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from csirt_kit.findings import make_finding
from csirt_kit.models import Finding
from csirt_kit.scan.logs.candidates import Candidates
from csirt_kit.scan.logs.crawlers import FAKE, CrawlerVerifier
from csirt_kit.scan.logs.heuristic_config import (
    HeuristicSettings,
    heuristic_settings,
    prefilter_terms,
)
from csirt_kit.scan.logs.tally import Tally

__all__ = ["KINDS", "HeuristicSettings", "evaluate", "heuristic_settings", "merge_set", "prefilter_terms",
           "run_heuristics", "verifier_stats"]

_DIGITS = re.compile(r"\d+")
KINDS = ("log.fake_crawler", "log.upload_post", "log.webshell_use", "log.gambling_slug",
         "log.sitemap_burst")
def run_heuristics(parts: Sequence[Candidates], asset_id: str | None, settings: HeuristicSettings,
                   verifier: CrawlerVerifier) -> tuple[list[Finding], dict[str, Any]]:
    """Findings of each log set among the files' candidates, and the stats of the check."""
    from csirt_kit.scan.logs.reader import log_set_name

    sets: dict[str, list[Candidates]] = {}
    for c in parts:
        sets.setdefault(log_set_name(c.path), []).append(c)
    findings: list[Finding] = []
    counts: Counter[str] = Counter()
    for log_set, group in sorted(sets.items()):
        merged = merge_set(group)
        if merged is None:
            continue
        got, stats = evaluate(merged, log_set, asset_id, settings, verifier,
                              sorted({c.path for c in group}))
        findings.extend(got)
        counts.update(stats)
    return findings, {**counts, **verifier_stats(verifier)}


def verifier_stats(verifier: CrawlerVerifier) -> dict[str, Any]:
    """What a run's crawler check did (set once per run: these are not summed)."""
    return {"crawler_check": "dns" if verifier.enabled else "off", "dns_lookups": verifier.lookups,
            "dns_budget_exhausted": verifier.exhausted, "dns_unusable": verifier.dns_works is False}


def merge_set(parts: Sequence[Candidates]) -> Candidates | None:
    """One log set's candidates from its files, oldest first (undated files last)."""
    if not parts:
        return None
    ordered = sorted(parts, key=lambda c: (not c.start, c.start, c.path))
    head = Candidates(ordered[0].path, ordered[0].fmt, ordered[0].settings, ordered[0].samples)
    for c in ordered:
        head.absorb(c)
    return head


def _plus_hours(ts: str, hours: float) -> str:
    try:
        dt = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "9999"
    return (dt + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Out:
    """Findings of one log set under construction."""

    def __init__(self, log_set: str, asset_id: str | None, fmt: str, files: list[str]) -> None:
        self.log_set, self.asset_id, self.fmt, self.files = log_set, asset_id, fmt, files
        self.findings: list[Finding] = []

    def add(self, kind: str, severity: str, title: str, day: str, subject: str, t: Tally,
            tags: tuple[str, ...], **extra: Any) -> None:
        evidence: dict[str, Any] = {
            **t.first, "log_set": self.log_set, "day": day, "format": self.fmt, "count": t.count,
            "last_line": t.last["line"], "last_path": t.last["path"],
            "last_timestamp": t.last["timestamp"], "samples": t.samples, "heuristic": kind[4:],
            **extra}
        if len(self.files) > 1:
            evidence["files"] = self.files
        self.findings.append(make_finding(
            kind, severity, title, asset_id=self.asset_id, ref=f"heuristic:{kind[4:]}",
            locus=f"{self.log_set}|{day}|{subject}", rule=f"heuristic:{kind[4:]}", tags=tags,
            evidence=evidence))


def _merged(tallies: Sequence[Tally], samples: int) -> Tally:
    ordered = sorted(tallies, key=lambda t: (t.first["timestamp"] or "", t.first["line"]))
    head = Tally(ordered[0].first, ordered[0].last)
    for t in ordered:
        head.absorb(t, 0, samples)
    return head


def evaluate(c: Candidates, log_set: str, asset_id: str | None, settings: HeuristicSettings,
             verifier: CrawlerVerifier, files: list[str]) -> tuple[list[Finding], Counter[str]]:
    """The findings of one log set's merged candidates, and counters for the scan's stats."""
    out = _Out(log_set, asset_id, c.fmt, files)
    stats: Counter[str] = Counter(heuristic_lines=c.lines, heuristic_dropped=c.dropped)
    new_from = _plus_hours(c.start, settings.new_after_hours) if c.start else "9999"
    _fake_crawlers(c, out, verifier, stats)
    _upload_posts(c, out, settings, stats)
    _webshells(c, out, settings, new_from)
    _slugs(c, out)
    _sitemaps(c, out, settings, new_from)
    return out.findings, stats


def _fake_crawlers(c: Candidates, out: _Out, verifier: CrawlerVerifier, stats: Counter[str]) -> None:
    verdicts = verifier.verdicts((ip, crawler) for crawler, ip, _ in c.claims)
    for verdict in verdicts.values():
        stats[f"crawler_{verdict}"] += 1
    for (crawler, ip, day), t in sorted(c.claims.items()):
        if verdicts.get((ip, crawler)) != FAKE:
            continue
        out.add("log.fake_crawler", "medium",
                f"Fake {crawler} from {ip}: {t.count} requests not from the engine's network",
                day, f"{crawler}:{ip}", t, ("fake-crawler", "recon"), claimed=crawler, client_ip=ip,
                check="reverse DNS not under the engine's domains or not confirmed forward")


def _upload_folder(path: str, folders: tuple[str, ...]) -> str:
    low = path.lower()
    for folder in folders:
        if f"/{folder}" in low:
            return folder
    return ""


def _upload_posts(c: Candidates, out: _Out, settings: HeuristicSettings, stats: Counter[str]) -> None:
    for (path, day), t in sorted(c.posts.items()):
        folder = _upload_folder(path, settings.upload_folders)
        if not folder:
            continue
        ran = sum(n for s, n in t.statuses.items() if s[:1] in ("2", "5"))
        held = sum(n for s, n in t.statuses.items() if s[:1] == "3" or s in ("401", "403"))
        if not ran and not held:
            stats["upload_post_probes"] += t.count
            continue
        out.add("log.upload_post", "high" if ran else "medium",
                f"POST to script {path} in upload folder {folder} ({t.count}x, "
                f"{'ran' if ran else 'refused or redirected'})",
                day, path, t, ("webshell", "upload"), upload_folder=folder,
                statuses=dict(t.statuses), client_ips=sorted(t.ips))


def _webshells(c: Candidates, out: _Out, settings: HeuristicSettings, new_from: str) -> None:
    ignore = {p.lower() for p in settings.webshell_ignore}
    for (path, day), t in sorted(c.posts.items()):
        ok = sum(n for s, n in t.statuses.items() if s[:1] == "2")
        if ok < settings.webshell_min_posts or len(t.ips) > settings.webshell_max_ips:
            continue
        if path.lower() in ignore:
            continue
        first = c.scripts.get(path) or t.first
        if (first["timestamp"] or "") < new_from:
            continue
        out.add("log.webshell_use", "high",
                f"Web shell in use? New script {path} got {ok} POSTs (2xx) from "
                f"{len(t.ips)} address(es)", day, path, t, ("webshell",),
                first_request=first, posts_ok=ok, client_ips=sorted(t.ips),
                statuses=dict(t.statuses))


def _slugs(c: Candidates, out: _Out) -> None:
    by_day: dict[str, list[tuple[str, Tally]]] = {}
    for (target, day), t in c.slugs.items():
        by_day.setdefault(day, []).append((target, t))
    for day, items in sorted(by_day.items()):
        merged = _merged([t for _, t in items], out_samples(c))
        top = sorted(items, key=lambda x: (-x[1].count, x[0]))[:20]
        out.add("log.gambling_slug", "high",
                f"Site answered 200 for {len(items)} gambling page(s), e.g. {top[0][0][:80]}",
                day, "gambling-slugs", merged, ("judol", "gambling"), targets=len(items),
                top_targets=[{"target": tg, "count": t.count} for tg, t in top])


def out_samples(c: Candidates) -> int:
    """How many sample lines a finding keeps."""
    return c.samples


def _minute(ts: str) -> int:
    dt = datetime.strptime(ts, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
    return int(dt.timestamp()) // 60


def _sitemaps(c: Candidates, out: _Out, settings: HeuristicSettings, new_from: str) -> None:
    firsts: dict[str, str] = {}
    for (path, _day), t in c.sitemaps.items():
        ts = t.first["timestamp"] or ""
        if path not in firsts or ts < firsts[path]:
            firsts[path] = ts
    groups: dict[str, list[tuple[str, Tally]]] = {}
    for (path, _day), t in c.sitemaps.items():
        if firsts[path] >= new_from:
            groups.setdefault(_DIGITS.sub("#", path), []).append((path, t))
    for group, items in sorted(groups.items()):
        minutes: Counter[int] = Counter()
        for _, t in items:
            for m, n in t.minutes.items():
                minutes[_minute(m)] += n
        for start, count in _bursts(minutes, settings.sitemap_window, settings.sitemap_burst):
            begin = datetime.fromtimestamp(start * 60, UTC)
            day = begin.strftime("%Y-%m-%d")
            merged = _merged([t for _, t in items], c.samples)
            paths = sorted({p for p, _ in items})
            judol = settings.vocabulary is not None and any(
                settings.vocabulary.is_gambling_slug(p) for p in paths)
            out.add("log.sitemap_burst", "high" if judol else "medium",
                    f"Burst of {count} requests in {settings.sitemap_window} min for new sitemap "
                    f"{group}", day, group, merged,
                    ("judol", "seo-spam"), sitemaps=paths[:20], gambling_names=judol,
                    window_start=begin.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    window_minutes=settings.sitemap_window, window_count=count,
                    first_request=min(firsts[p] for p in paths))


def _bursts(minutes: Counter[int], window: int, threshold: int) -> list[tuple[int, int]]:
    """(window start minute, count) of the busiest window of each UTC day reaching threshold."""
    keys = sorted(minutes)
    best: dict[int, tuple[int, int]] = {}
    j = 0
    total = 0
    for i, start in enumerate(keys):
        while j < len(keys) and keys[j] < start + max(1, window):
            total += minutes[keys[j]]
            j += 1
        day = start // 1440
        if total >= threshold and total > best.get(day, (0, 0))[1]:
            best[day] = (start, total)
        total -= minutes[keys[i]]
    return [best[d] for d in sorted(best)]
