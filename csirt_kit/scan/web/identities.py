"""What each identity saw of one URL, compared: conditional redirects, cloaking, judol content.

Each distinct body (by sha256) is parsed and matched once, however many identities got
it. The reference copy is the first non-crawler identity's (the plain desktop browser by
default). A copy that carries YARA hits, gambling terms or judol signals the reference
lacks is ``web.cloaking``; an off-site redirect is ``web.redirect``, high and tagged
``cloaking`` when only some identities get it and it leaves the site's domain. Evidence
keeps, for every identity, the status, the final URL, the body's sha256 and a trimmed
copy (2 KB around the first hit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from csirt_kit.findings import make_finding
from csirt_kit.models import Finding, severity_rank
from csirt_kit.scan.cms.traces import is_foreign
from csirt_kit.scan.web.fetch import Page, host_of
from csirt_kit.scan.web.html import PageInfo, find_terms, parse_page
from csirt_kit.scan.web.judol import SNIPPET, JudolSignals, Verdict, inspect_page, judge, trimmed
from csirt_kit.scan.web.settings import Identity, WebSettings

MAX_LINKS_IN_EVIDENCE = 20


@dataclass(frozen=True)
class View:
    """One distinct body, parsed and judged."""

    page: Page
    info: PageInfo
    signals: JudolSignals
    verdicts: tuple[Verdict, ...]
    hits: tuple[Any, ...]
    terms: tuple[str, ...]  # gambling terms of the visible text and head


def make_views(copies: dict[str, Page], settings: WebSettings, match: Callable[[Page], list[Any]],
               parse: Callable[[bytes, str, str], PageInfo] = parse_page) -> dict[str, View]:
    """A View per identity; identical bodies share one."""
    by_sha: dict[str, View] = {}
    out: dict[str, View] = {}
    for name, page in copies.items():
        view = by_sha.get(page.sha256)
        if view is None:
            info = parse(page.body, page.final_url, page.charset)
            signals = inspect_page(page.body, page.final_url, settings.vocabulary, (host_of(page.url),),
                                   page.charset)
            text = f"{info.title} {info.text}"
            terms = dict.fromkeys([*find_terms(text, settings.cloaking_terms),
                                   *settings.vocabulary.terms_in(text)])
            view = by_sha[page.sha256] = View(page, info, signals, tuple(judge(signals)),
                                              tuple(match(page)), tuple(terms))
        out[name] = view
    return out


def copy_evidence(page: Page, anchor: str) -> dict[str, Any]:
    """Status, final URL, sha256 and a trimmed copy of one identity's body."""
    body = page.body.decode(page.charset or "utf-8", "replace") if page.body else ""
    return {"status": page.status, "final_url": page.final_url, "sha256": page.sha256,
            "size": len(page.body), "copy": trimmed(body, anchor, SNIPPET)}


def redirect_findings(url: str, asset_id: str | None, settings: WebSettings, offsite: dict[str, Page],
                      copies: dict[str, Page]) -> list[Finding]:
    """One web.redirect per off-site host, saying which identities were sent there and which not."""
    by_host: dict[str, list[str]] = {}
    for ident in settings.identities:
        if ident.name in offsite:
            by_host.setdefault(host_of(offsite[ident.name].offsite), []).append(ident.name)
    idents = {i.name: i for i in settings.identities}
    out = []
    for host, names in by_host.items():
        first = offsite[names[0]]
        others = {n: p for n, p in {**copies, **offsite}.items() if n not in names}
        conditional = bool(others)
        parts = urlsplit(first.offsite)
        gambling = (settings.vocabulary.is_gambling_domain(host)
                    or settings.vocabulary.is_gambling_slug(parts.path + " " + parts.query))
        # Phones sent to m.<the same site> is ordinary; only a foreign target makes it cloaking.
        cloaking = conditional and is_foreign(host, [host_of(url)])
        title = f"Redirect off-site to {host}" + (f" only for {', '.join(names)}" if conditional else "")
        not_seen = {n: ({"redirect": p.offsite, "status": p.status} if p.offsite else copy_evidence(p, ""))
                    for n, p in others.items()}
        out.append(make_finding(
            "web.redirect", "high" if gambling or cloaking else "medium", title,
            asset_id=asset_id, ref=f"redirect:{host}", locus=url,
            tags=("redirect", *(("judol",) if gambling else ()), *(("cloaking",) if cloaking else ())),
            evidence={"url": url, "location": first.offsite, "http_status": first.status,
                      "identity": names[0], "user_agent": idents[names[0]].user_agent,
                      "referer": idents[names[0]].referer, "chain": list(first.chain),
                      "identities": names, "conditional": conditional, "not_seen_by": not_seen}))
    return out


def _new_signals(view: View, ref: View | None) -> list[str]:
    ref_reasons = {v.kind: v for v in ref.verdicts} if ref else {}
    return [v.reason for v in view.verdicts if v.kind not in ref_reasons]


def cloaking_finding(url: str, asset_id: str | None, settings: WebSettings, views: dict[str, View],
                     reference: str) -> Finding | None:
    """web.cloaking when some identities get hits, gambling terms or judol signals the reference lacks."""
    ref = views.get(reference)
    ref_refs = {h.ref for h in ref.hits} if ref else set()
    ref_terms = set(ref.terms) if ref else set()
    idents = {i.name: i for i in settings.identities}
    saw: dict[str, dict[str, Any]] = {}
    for ident in settings.identities:
        view = views.get(ident.name)
        if view is None or ident.name == reference or (ref and view.page.sha256 == ref.page.sha256):
            continue
        hits = [h for h in view.hits if h.ref not in ref_refs]
        terms = [t for t in view.terms if t not in ref_terms]
        signals = _new_signals(view, ref)
        if hits or terms or signals:
            saw[ident.name] = {"hits": hits, "terms": terms, "signals": signals}
    if not saw:
        return None
    first = next(iter(saw))
    what = saw[first]
    hits = [h for s in saw.values() for h in s["hits"]]
    severity = max(["high", *(h.severity for h in hits)], key=severity_rank)
    summary = ", ".join(dict.fromkeys([*(h.title for h in what["hits"]), *what["terms"],
                                       *what["signals"]]))[:200]
    names = list(saw)
    anchor = (what["terms"] or [""])[0]
    page = views[first].page
    return make_finding(
        "web.cloaking", severity, f"Content shown only to {', '.join(names)}: {summary}",
        asset_id=asset_id, ref="cloaking", locus=url,
        tags=("cloaking", *sorted({lb for h in hits for lb in h.labels}),
              *(("judol",) if any(s["terms"] or s["signals"] for s in saw.values()) else ())),
        evidence={"url": url, "identity": first, "identities": names,
                  "user_agent": idents[first].user_agent, "referer": idents[first].referer,
                  "sha256": page.sha256, "browser_sha256": ref.page.sha256 if ref else None,
                  "reference": reference if ref else None,
                  "terms": list(dict.fromkeys(t for s in saw.values() for t in s["terms"])),
                  "rules": list(dict.fromkeys(h.ref for h in hits)),
                  "signals": {n: s["signals"] for n, s in saw.items() if s["signals"]},
                  "snippet": views[first].info.text[:300], "http_status": page.status,
                  "copies": {n: copy_evidence(v.page, anchor) for n, v in views.items()}})


def judol_findings(url: str, asset_id: str | None, identities: tuple[Identity, ...],
                   views: dict[str, View]) -> list[Finding]:
    """web.judol_content / web.hidden_links of a page, one per kind, naming the identities that saw it."""
    out = []
    for kind in ("web.hidden_links", "web.judol_content"):
        seen = [(i.name, v) for i in identities if (view := views.get(i.name))
                for v in view.verdicts if v.kind == kind]
        if not seen:
            continue
        names = [n for n, _ in seen]
        first_name, verdict = max(seen, key=lambda s: severity_rank(s[1].severity))
        view = views[first_name]
        sig = view.signals
        links = sig.hidden_links if kind == "web.hidden_links" else sig.gambling_links
        only = "" if len(names) == len(views) else f" (seen by {', '.join(names)})"
        judol = kind == "web.judol_content" or any(lk.gambling for lk in links)
        out.append(make_finding(
            kind, verdict.severity, f"{_capital(verdict.reason)}{only}"[:250],
            asset_id=asset_id, ref="judol" if kind == "web.judol_content" else "hidden-links", locus=url,
            tags=(*(("judol",) if judol else ()), "seo-spam"),
            evidence={"url": url, "identity": first_name, "identities": names, "reason": verdict.reason,
                      "terms": list(verdict.terms), "sha256": view.page.sha256,
                      "fancy": sig.fancy[:10],
                      "links": [{"url": lk.url, "text": lk.text, "hidden": lk.hidden, "gambling": lk.gambling}
                                for lk in links[:MAX_LINKS_IN_EVIDENCE]],
                      "link_count": len(links),
                      "head": {k: sig.head[k] for k in sig.head_terms},
                      "meta_refresh": sig.meta_refresh,
                      "copies": {n: copy_evidence(views[n].page, verdict.anchor) for n in names}}))
    return out


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
