"""Search-engine ownership traces and gambling sitemaps/robots.txt in webroot files."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from csirt_kit.judol.vocab import Vocabulary, load_vocabulary

ENGINES = {"google-site-verification": "google", "msvalidate.01": "bing",
           "yandex-verification": "yandex"}
_VERIFY_FILE = re.compile(r"^(?:google([0-9a-f]{8,32})\.html|yandex_([0-9a-f]{8,32})\.html"
                          r"|(BingSiteAuth\.xml))$", re.IGNORECASE)
_META = re.compile(rb"<meta\b[^>]{0,600}>", re.IGNORECASE)
_ATTR = re.compile(r"""(name|content)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_BING_USER = re.compile(r"<user>\s*([^<\s]+)\s*</user>", re.IGNORECASE)
META_NEEDLES = (b"google-site-verification", b"msvalidate.01", b"yandex-verification")
TEMPLATE_EXTENSIONS = (".html", ".htm", ".php", ".phtml", ".tpl", ".twig", ".inc", ".xhtml")

_WORD = re.compile(r"[a-z0-9]+")
_SECOND_LEVEL = frozenset({"go", "ac", "co", "or", "sch", "web", "my", "net", "mil", "desa",
                           "ponpes", "biz", "com", "org", "gov", "edu"})


@dataclass(frozen=True)
class Token:
    """A verification token: which engine, the token, and how it was planted."""

    engine: str
    token: str
    how: str  # "file" or "meta"
    offset: int = 0


def verification_file(name: str, data: bytes) -> list[Token]:
    """Tokens of a verification file (google<hex>.html, yandex_<hex>.html, BingSiteAuth.xml)."""
    match = _VERIFY_FILE.match(name)
    if not match:
        return []
    if match.group(1):
        return [Token("google", match.group(1).lower(), "file")]
    if match.group(2):
        return [Token("yandex", match.group(2).lower(), "file")]
    users = _BING_USER.findall(data[:65536].decode("utf-8", "replace"))
    return [Token("bing", u, "file") for u in users] or [Token("bing", "", "file")]


def meta_tokens(data: bytes) -> list[Token]:
    """Verification meta tags in an HTML/PHP template."""
    lower = data.lower()
    if not any(n in lower for n in META_NEEDLES):
        return []
    out = []
    for match in _META.finditer(data):
        attrs = {k.lower(): (a or b) for k, a, b in _ATTR.findall(match.group().decode("utf-8", "replace"))}
        engine = ENGINES.get(attrs.get("name", "").strip().lower())
        content = html.unescape(attrs.get("content", "")).strip()
        if engine and content and "<?" not in content and "{" not in content:
            out.append(Token(engine, content, "meta", match.start()))
    return out


def is_known(token: Token, known: frozenset[str]) -> bool:
    """True when the city itself uses this token (compared case-insensitively)."""
    value = token.token.lower()
    forms = {value, f"google{value}", f"google{value}.html", f"yandex_{value}",
             f"yandex_{value}.html"}
    return bool(forms & known)


def gambling_terms(text: str, extra: Iterable[str] = (), vocabulary: Vocabulary | None = None) -> list[str]:
    """Gambling words in a URL path or slug (one strong term, or two weak ones; csirt_kit.judol lists)."""
    text = unquote(text)
    found = (vocabulary or load_vocabulary(None)).terms_in(text)
    extra_set = frozenset(extra)
    if extra_set:
        mine = [w for w in _WORD.findall(text.lower()) if w in extra_set]
        found = list(dict.fromkeys([*mine, *(found if found else [])]))
    return found


def base_domain(host: str) -> str:
    """The registrable part of a host name (kota.go.id for a.b.kota.go.id, x.com for a.x.com)."""
    labels = host.lower().strip(".").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def is_foreign(host: str, home: Iterable[str]) -> bool:
    """True when host is neither a home host nor under a home host's registrable domain."""
    host = host.lower().strip(".")
    homes = {h.lower().strip(".") for h in home if h}
    if not host or not homes:
        return False
    for h in homes:
        base = base_domain(h)
        if host in (h, base) or host.endswith("." + base):
            return False
    return True


def sitemap_urls(text: str) -> list[str]:
    """The <loc> URLs of a sitemap or sitemap index."""
    return [html.unescape(u).strip() for u in re.findall(r"<loc>\s*([^<]+?)\s*</loc>", text, re.I)]


def robots_entries(text: str) -> list[tuple[int, str, str]]:
    """(line, directive, value) of the Allow/Disallow/Sitemap/Host lines of robots.txt."""
    out = []
    for no, line in enumerate(text.splitlines(), 1):
        key, sep, value = line.split("#", 1)[0].partition(":")
        if sep and key.strip().lower() in ("allow", "disallow", "sitemap", "host"):
            out.append((no, key.strip().lower(), value.strip()))
    return out


def spam_in_urls(urls: Iterable[str], home: Iterable[str], extra: Iterable[str] = (),
                 vocabulary: Vocabulary | None = None) -> tuple[list[str], list[str]]:
    """(URLs with gambling words or domains, URLs on foreign domains) among sitemap/robots URLs."""
    home = list(home)
    extra_set = frozenset(extra)
    vocab = vocabulary or load_vocabulary(None)
    gambling, foreign = [], []
    for url in urls:
        parts = urlsplit(url if "//" in url or url.startswith("/") else "//" + url)
        if gambling_terms(parts.path + " " + parts.query, extra_set, vocab) or (
                parts.hostname and (gambling_terms(parts.hostname.replace(".", " "), extra_set, vocab)
                                    or vocab.is_gambling_domain(parts.hostname))):
            gambling.append(url)
        if parts.hostname and is_foreign(parts.hostname, home):
            foreign.append(url)
    return gambling, foreign
