"""Per-file checks of one webroot; each returns finding specs, the scanner builds findings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.scan.cms.options import CmsOptions
from csirt_kit.scan.cms.persistence import find_tricks
from csirt_kit.scan.cms.traces import (
    Token,
    is_known,
    meta_tokens,
    robots_entries,
    sitemap_urls,
    spam_in_urls,
    verification_file,
)

_SITEMAP = re.compile(r"^sitemap[\w.-]*\.xml$", re.IGNORECASE)
# An upload-folder index.php that only says "Silence is golden" (WordPress and plugins ship these).
_STUB = re.compile(rb"^\s*<\?php\s*(?://[^\n]*|/\*.*?\*/|#[^\n]*|\s)*(?:\?>)?\s*$", re.DOTALL)
_LIST_CAP = 20


@dataclass(frozen=True)
class Spec:
    """What one check found: kind, rule, severity, title, tags, locus suffix and evidence."""

    kind: str
    rule: str
    severity: str
    title: str
    tags: tuple[str, ...]
    locus: str = ""
    evidence: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def is_stub(data: bytes) -> bool:
    """True for a PHP file holding nothing but comments (an empty index.php guard)."""
    return len(data) <= 512 and bool(_STUB.match(data))


def upload_php(rel: str, folder: str, data: bytes) -> list[Spec]:
    """PHP (or a name PHP would run) under an upload folder, unless it is an empty guard."""
    if is_stub(data):
        return []
    return [Spec("cms.upload_php", "cms:upload_php", "high",
                 f"PHP file in upload folder {folder}: {rel}", ("webshell", "upload"),
                 evidence={"upload_folder": folder})]


def config_tricks(rel: str, data: bytes) -> list[Spec]:
    """Persistence tricks in .htaccess / .user.ini / php.ini."""
    out = []
    for trick in find_tricks(data.decode("utf-8", "replace")):
        tags = {"crawler_rewrite": ("judol", "cloaking", "persistence"),
                "gambling_redirect": ("judol", "redirect", "persistence")}.get(
                    trick.rule, ("webshell", "persistence"))
        out.append(Spec("cms.persistence", f"cms:{trick.rule}", trick.severity,
                        f"{trick.detail} ({rel}:{trick.line})", tags, locus=f"{trick.line}",
                        evidence={"line": trick.line, "snippet": trick.text[:300],
                                  "trick": trick.rule}))
    return out


def _token_spec(rel: str, token: Token) -> Spec:
    what = "verification file" if token.how == "file" else "verification meta tag"
    return Spec("cms.verification_token", f"cms:verification_{token.engine}", "high",
                f"Unknown {token.engine.title()} {what} in {rel}: {token.token or '(empty)'}",
                ("judol", "seo", "search-console"), locus=f"{token.engine}:{token.token}",
                evidence={"engine": token.engine, "token": token.token, "how": token.how,
                          "offset": token.offset})


def verification(rel: str, name: str, data: bytes, known: frozenset[str],
                 templates: bool) -> tuple[list[Spec], int]:
    """Unknown verification files and meta tags, and how many known tokens were seen."""
    tokens = verification_file(name, data) + (meta_tokens(data) if templates else [])
    unknown = [t for t in tokens if not is_known(t, known)]
    return [_token_spec(rel, t) for t in unknown], len(tokens) - len(unknown)


def sitemap_spam(rel: str, name: str, data: bytes, home: tuple[str, ...],
                 options: CmsOptions) -> list[Spec]:
    """robots.txt or sitemap*.xml listing gambling slugs or foreign domains."""
    text = data.decode("utf-8", "replace")
    if name.lower() == "robots.txt":
        urls = [value for _, key, value in robots_entries(text) if value]
    elif _SITEMAP.match(name):
        urls = sitemap_urls(text)
    else:
        return []
    gambling, foreign = spam_in_urls(urls, home, options.gambling_terms, options.vocabulary)
    if not gambling and not foreign:
        return []
    parts = []
    if gambling:
        parts.append(f"{len(gambling)} gambling URLs")
    if foreign:
        parts.append(f"{len(foreign)} URLs on foreign domains")
    return [Spec("cms.sitemap_spam", "cms:sitemap_spam", "high" if gambling else "medium",
                 f"{rel} lists {' and '.join(parts)}", ("judol", "seo"),
                 evidence={"gambling_urls": gambling[:_LIST_CAP], "foreign_urls": foreign[:_LIST_CAP],
                           "urls": len(urls), "snippet": (gambling or foreign)[0][:200]})]


def is_sitemap_or_robots(rel: str, name: str) -> bool:
    """robots.txt at the webroot, or a sitemap*.xml anywhere."""
    return rel.lower() == "robots.txt" or bool(_SITEMAP.match(name))
