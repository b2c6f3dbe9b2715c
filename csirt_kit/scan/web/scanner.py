"""`scan web`: fetch each site as every identity, scan with YARA, judge cloaking, redirects, defacement.

Per target URL: the page is fetched once per configured identity (by default a desktop
browser, the same browser arriving from a Google search, Googlebot, and an Android phone
arriving from Google). The first non-crawler copy is scanned with the "web" rules
(``yara.web`` findings), together with up to ``max_scripts`` same-origin scripts and
``max_links`` same-origin linked pages. Every copy goes through the judol heuristics
(judol.py: ``web.judol_content``, ``web.hidden_links``); a copy that carries rule hits,
gambling terms or judol signals the browser copy lacks is ``web.cloaking``; a redirect
out of scope is ``web.redirect`` (identities.py). The browser copy is compared with the
URL's baseline for ``web.defacement`` (see baseline.py). Fetch problems are scan errors
of their URL; the run goes on.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import urlsplit

from csirt_kit.config import Config
from csirt_kit.errors import UsageError
from csirt_kit.findings import make_finding
from csirt_kit.models import Finding
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.scan.report import ScanError, ScanReport
from csirt_kit.scan.web.baseline import Baseline, compare, get_baseline, is_defacement, put_baseline
from csirt_kit.scan.web.fetch import Fetcher, FetchError, Page, host_of
from csirt_kit.scan.web.html import parse_page
from csirt_kit.scan.web.identities import cloaking_finding, judol_findings, make_views, redirect_findings
from csirt_kit.scan.web.settings import WebSettings, web_settings
from csirt_kit.store.assets import list_assets
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso

log = logging.getLogger(__name__)


class WebRules(Protocol):
    """What the scanner needs of a RuleSet (csirt_kit.scan.rules)."""

    def match(self, data: bytes, *, externals: Any = None, timeout: int = 30) -> list[Any]: ...


@dataclass(frozen=True)
class WebTarget:
    """One URL to scan and the asset it belongs to."""

    url: str
    asset_id: str | None = None


@dataclass
class _Result:
    findings: dict[str, Finding] = field(default_factory=dict)
    errors: list[ScanError] = field(default_factory=list)
    baseline: Baseline | None = None
    defacement_rules: list[str] = field(default_factory=list)
    requests: int = 0

    def add(self, finding: Finding) -> None:
        self.findings.setdefault(finding.fingerprint, finding)


def plan_targets(store: Store, targets: Sequence[str] | None,
                 allow_hosts: Iterable[str] = ()) -> tuple[list[WebTarget], set[str]]:
    """Targets (default: every URL of active assets) and the scope (inventory hosts + allowed)."""
    assets = list_assets(store.conn)
    scope = {h.lower().rstrip(".") for h in allow_hosts}
    owner: dict[str, str] = {}
    for a in assets:
        for h in a.all_hosts:
            scope.add(h)
            if a.status == "active" or h not in owner:
                owner.setdefault(h, a.id)
    if not targets:
        out = [WebTarget(u, a.id) for a in assets if a.status == "active" for u in a.urls
               if u.startswith(("http://", "https://"))]
        return out, scope
    planned, outside = [], []
    for t in targets:
        url = t if "://" in t else f"http://{t.strip('/')}/"
        host = host_of(url)
        if not url.startswith(("http://", "https://")) or not host:
            raise UsageError(f"not an http(s) URL: {t}", fix="give URLs like https://web.kota.example/")
        if host not in scope:
            outside.append(host)
        planned.append(WebTarget(url, owner.get(host)))
    if outside:
        raise UsageError(f"not an inventory host: {', '.join(sorted(set(outside)))}",
                         fix="add the site to the inventory or pass --allow-host HOST")
    return planned, scope


def _externals(url: str) -> dict[str, str]:
    name = os.path.basename(urlsplit(url).path) or "index.html"
    return {"filename": name, "filepath": url, "extension": os.path.splitext(name)[1].lstrip(".")}


def _match(rules: WebRules | None, page: Page, res: _Result, timeout: int) -> list[Any]:
    if rules is None or not page.body:
        return []
    from csirt_kit.scan.rules import MatchError

    try:
        return rules.match(page.body, externals=_externals(page.final_url), timeout=timeout)
    except MatchError as exc:
        res.errors.append(ScanError(page.final_url, f"YARA: {exc.what}"))
        return []


def _yara_findings(hits: list[Any], page: Page, asset_id: str | None, res: _Result, ua: str) -> None:
    from csirt_kit.scan.rules import hit_to_finding

    for hit in hits:
        res.add(hit_to_finding(hit, kind="yara.web", asset_id=asset_id, locus=page.url, evidence={
            "url": page.url, "final_url": page.final_url, "http_status": page.status,
            "sha256": page.sha256, "user_agent": ua, "identity": page.identity}))


def scan_target(fetcher: Fetcher, target: WebTarget, rules: WebRules | None,
                settings: WebSettings, yara_timeout: int = 30) -> _Result:
    """Every identity's copy of one URL, its scripts and links, judged."""
    res = _Result()
    copies: dict[str, Page] = {}
    offsite: dict[str, Page] = {}
    failed: set[str] = set()
    for ident in settings.identities:
        try:
            page = fetcher.fetch(target.url, ident)
        except FetchError as exc:
            _error(res, failed, target.url, str(exc), ident.name)
            continue
        finally:
            res.requests += 1
        if page.offsite:
            offsite[ident.name] = page
            continue
        if page.status >= 400:
            _error(res, failed, target.url, f"HTTP {page.status}", ident.name)
            continue
        if page.truncated:
            _error(res, failed, target.url, f"page larger than {settings.max_bytes} bytes: "
                   f"only the first {settings.max_bytes} scanned", ident.name)
        copies[ident.name] = page
    for finding in redirect_findings(target.url, target.asset_id, settings, offsite, copies):
        res.add(finding)
    browser_ident = next(i for i in settings.identities if not i.crawler)
    views = make_views(copies, settings, lambda p: _match(rules, p, res, yara_timeout), parse_page)
    cloaked = cloaking_finding(target.url, target.asset_id, settings, views, browser_ident.name)
    if cloaked is not None:
        res.add(cloaked)
    for finding in judol_findings(target.url, target.asset_id, settings.identities, views):
        res.add(finding)
    browser = views.get(browser_ident.name)
    if browser is None:
        return res
    _yara_findings(list(browser.hits), browser.page, target.asset_id, res, browser_ident.user_agent)
    info = browser.info
    res.baseline = Baseline(target.url, browser.page.sha256, info.title, info.text, len(browser.page.body),
                            target.asset_id)
    res.defacement_rules = [h.ref for h in browser.hits if "defacement" in h.labels]
    extra = [*info.scripts[: settings.max_scripts], *info.links[: settings.max_links]]
    for url in extra:
        try:
            page = fetcher.fetch(url, browser_ident)
        except FetchError as exc:
            res.errors.append(ScanError(url, str(exc)))
            continue
        finally:
            res.requests += 1
        if page.status < 400 and not page.offsite:
            _yara_findings(_match(rules, page, res, yara_timeout), page, target.asset_id, res,
                           browser_ident.user_agent)
    return res


def _error(res: _Result, failed: set[str], url: str, reason: str, identity: str) -> None:
    # The same failure for several identities is one error, named after the first of them.
    if reason not in failed:
        failed.add(reason)
        res.errors.append(ScanError(url, f"{reason} (as {identity})"))


def _defacements(store: Store, results: list[tuple[WebTarget, _Result]], settings: WebSettings,
                 now: str) -> list[Finding]:
    found: list[Finding] = []
    with store.write() as conn:
        for target, res in results:
            new = res.baseline
            if new is None:
                continue
            old = get_baseline(conn, new.url)
            change = compare(old, new) if old else None
            defaced = bool(res.defacement_rules)
            if old is None or (change and not is_defacement(change, settings.defacement_similarity,
                                                             defaced, old.defaced)):
                put_baseline(conn, replace(new, defaced=defaced), now)
                continue
            if change is None:
                continue
            title = (f"Page replaced: title {change.old_title!r} -> {change.new_title!r}"
                     if change.title_changed else "Page replaced by defacement content")
            found.append(make_finding(
                "web.defacement", "high", title,
                asset_id=target.asset_id, ref="defacement", locus=new.url, tags=("defacement",),
                evidence={"url": new.url, "sha256": new.sha256, "baseline_sha256": old.sha256,
                          "similarity": change.similarity, "old_title": change.old_title,
                          "new_title": change.new_title, "rules": res.defacement_rules,
                          "snippet": new.snapshot[:300]}))
    return found


def scan_web(store: Store, config: Config | None, ruleset: WebRules | None,
             targets: Sequence[str] | None = None, progress: ProgressFn | None = None,
             allow_hosts: Iterable[str] = (), settings: WebSettings | None = None) -> ScanReport:
    """Scan web targets (default: URLs of active assets); baselines are kept in the store."""
    settings = settings or web_settings(config)
    progress = progress or no_progress
    yara_timeout = int(config.get("scan.web.yara_timeout", 30)) if config else 30
    planned, scope = plan_targets(store, targets, allow_hosts)
    started = time.monotonic()
    fetcher = Fetcher(settings, scope)
    results: list[tuple[WebTarget, _Result]] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(settings.workers, len(planned) or 1))) as pool:
            futures = {pool.submit(scan_target, fetcher, t, ruleset, settings, yara_timeout): t
                       for t in planned}
            for done, fut in enumerate(as_completed(futures), 1):
                target = futures[fut]
                try:
                    results.append((target, fut.result()))
                except Exception as exc:  # a bug in one target's scan must not end the run
                    log.error("scanning %s failed: %s", target.url, exc,
                              exc_info=log.isEnabledFor(logging.DEBUG))
                    failed = _Result(errors=[ScanError(target.url, f"internal error: {exc}")])
                    results.append((target, failed))
                progress("web", done, len(planned))
    finally:
        fetcher.close()
    results.sort(key=lambda r: r[0].url)
    findings: dict[str, Finding] = {}
    for _, res in results:
        for fp, f in res.findings.items():
            findings.setdefault(fp, f)
    for f in _defacements(store, results, settings, iso()):
        findings.setdefault(f.fingerprint, f)
    errors = tuple(e for _, res in results for e in res.errors)
    stats = {"targets": len(planned), "requests": sum(r.requests for _, r in results),
             "identities": [i.name for i in settings.identities],
             "seconds": round(time.monotonic() - started, 3)}
    return ScanReport(tuple(findings.values()), errors, stats)
