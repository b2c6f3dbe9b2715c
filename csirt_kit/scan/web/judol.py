"""Judol page heuristics beyond keywords: fancy letters, hidden links, gambling links, injected head tags.

``inspect_page(body, url, vocabulary, home_hosts)`` parses one copy of a page and returns
a ``JudolSignals`` with everything seen; ``judge(signals)`` turns it into verdicts
(``web.judol_content`` and ``web.hidden_links``, each with a severity and a reason).

Decisions, so that ordinary city pages stay quiet:
- words alone in the visible text never make a finding unless the page is stuffed with
  promotional terms (gacor, maxwin, slot88, rtp live...) and has no anti-gambling
  context ("bahaya", "pemberantasan", "blokir"...): a news article on the dangers of
  judi online with no links gives nothing;
- a hidden element is only suspicious when it carries links off the site: hidden menus
  and "skip to content" links point inside the site;
- "slot" in "time slot" is a weak word: weak words need a second different one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

from csirt_kit.judol.normalize import has_fancy, normalize_text
from csirt_kit.judol.vocab import Vocabulary
from csirt_kit.scan.cms.traces import is_foreign

SNIPPET = 2048
MAX_LINKS = 3000  # spam blocks sit in footers, after the menus
MAX_TEXT = 256 * 1024  # characters of visible text judged per copy
# Terms a page may use when it writes about gambling rather than selling it.
DISCUSSION_TERMS = frozenset({"judi", "judol", "judi online", "perjudian", "casino", "kasino", "poker",
                              "jackpot", "judi bola", "judi slot", "situs judi", "togel", "judi togel",
                              "sabung", "sabung ayam", "bandar judi", "agen judi", "judi kartu",
                              "live casino", "casino online", "kasino online"})
# Words of pages that warn against gambling, report on it or announce its prosecution.
CONTEXT_WORDS = frozenset({"bahaya", "berbahaya", "pemberantasan", "memberantas", "berantas", "blokir",
                           "diblokir", "pemblokiran", "larangan", "dilarang", "dampak", "waspada",
                           "satgas", "ditangkap", "tersangka", "polisi", "polres", "polda", "kecanduan",
                           "perangi", "memerangi", "sosialisasi", "pencegahan", "mencegah", "tolak",
                           "menolak", "bijak", "jerat", "pidana", "hukuman", "warning", "dangers",
                           "addiction", "ban", "banned", "arrested", "kominfo", "komdigi", "ojk"})
_HIDE_RULES = (
    ("display:none", re.compile(r"display\s*:\s*none")),
    ("visibility:hidden", re.compile(r"visibility\s*:\s*hidden")),
    ("off-screen", re.compile(r"(?:^|;|\s)(?:left|top|right|bottom|margin-left|margin-top|text-indent)"
                              r"\s*:\s*-\s*\d{3,}(?:\.\d+)?(?:px|em|rem|pt|%)?")),
    ("font-size:0", re.compile(r"font-size\s*:\s*(?:0(?:\.\d+)?|1)(?:px|pt|em|rem|%)?\s*(?:;|$|!)")),
    ("opacity:0", re.compile(r"opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)")),
)
_ZERO_BOX = re.compile(r"(?:^|;|\s)(?:height|width|max-height|max-width)\s*:\s*[01](?:px)?\s*(?:;|$|!)")
_OVERFLOW_HIDDEN = re.compile(r"overflow\s*:\s*hidden")
_COLOR = re.compile(r"(?:^|;|\s)color\s*:\s*([#\w]+)")
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*([#\w]+)")
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^\s*(?:[a-z0-9]*)?([.#][\w-]+)\s*$", re.IGNORECASE)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr"})
_HEAD_META = {"description": "meta description", "keywords": "meta keywords", "og:title": "og:title",
              "og:description": "og:description", "og:site_name": "og:site_name",
              "twitter:title": "twitter:title", "twitter:description": "twitter:description"}


def hiding(style: str) -> str:
    """How an inline style (or CSS declaration block) hides its element; '' when it does not."""
    s = style.lower()
    for name, rule in _HIDE_RULES:
        if rule.search(s):
            return name
    if _ZERO_BOX.search(s) and _OVERFLOW_HIDDEN.search(s):
        return "zero size, overflow hidden"
    color, background = _COLOR.search(s), _BACKGROUND.search(s)
    if color and background and _same_colour(color.group(1), background.group(1)):
        return "text in the background colour"
    return ""


def _same_colour(a: str, b: str) -> bool:
    def full(c: str) -> str:
        c = c.strip().lower()
        if re.fullmatch(r"#[0-9a-f]{3}", c):
            return "#" + "".join(ch * 2 for ch in c[1:])
        return {"white": "#ffffff", "black": "#000000", "#fff": "#ffffff", "#000": "#000000"}.get(c, c)
    return full(a) == full(b)


@dataclass(frozen=True)
class Link:
    """One <a href> of a page: where it goes, its text, and how it is hidden ('' = visible)."""

    url: str
    host: str
    text: str
    hidden: str
    offsite: bool
    gambling: bool


@dataclass
class JudolSignals:
    """What one copy of a page shows of judol spam (raw material for judge())."""

    links: list[Link] = field(default_factory=list)
    head: dict[str, str] = field(default_factory=dict)      # title/meta name -> content
    head_terms: dict[str, list[str]] = field(default_factory=dict)
    fancy: list[dict[str, str]] = field(default_factory=list)  # {"original", "normalized", "terms"}
    text_terms: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)  # warning words of the visible text
    head_context: list[str] = field(default_factory=list)  # warning words of title and meta tags
    text: str = ""
    meta_refresh: str = ""

    @property
    def gambling_links(self) -> list[Link]:
        """Links to gambling domains or with gambling words in the URL or text (off-site)."""
        return [lk for lk in self.links if lk.gambling]

    @property
    def hidden_links(self) -> list[Link]:
        """Off-site links inside hidden elements."""
        return [lk for lk in self.links if lk.hidden and lk.offsite]


@dataclass(frozen=True)
class Verdict:
    """One finding-to-be about a page copy."""

    kind: str  # web.judol_content or web.hidden_links
    severity: str
    reason: str
    terms: tuple[str, ...] = ()
    anchor: str = ""  # text to centre the trimmed copy on


class _Parser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.hide_css: dict[str, str] = {}
        self.stack: list[tuple[str, str]] = []  # (tag, hiding of this element or inherited)
        self.links: list[tuple[str, str, list[str]]] = []  # (href, hiding, text parts)
        self.open_links: list[int] = []
        self.head: dict[str, str] = {}
        self.text: list[str] = []
        self.text_size = 0
        self.fancy: list[str] = []
        self.refresh = ""
        self._in_title = False
        self._title: list[str] = []
        self._in_style = False
        self._skip = 0

    def _hidden(self) -> str:
        return self.stack[-1][1] if self.stack else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "title":
            self._in_title = True
        elif tag == "style":
            self._in_style = True
        elif tag == "script":
            self._skip += 1
        elif tag == "meta":
            key = (a.get("name") or a.get("property") or "").strip().lower()
            if key in _HEAD_META and a.get("content"):
                self.head.setdefault(_HEAD_META[key], a["content"][:500])
            if a.get("http-equiv", "").lower() == "refresh" and "url=" in a.get("content", "").lower():
                self.refresh = re.split(r"(?i)url\s*=", a["content"], maxsplit=1)[-1].strip(" '\"")
        if tag in _VOID:
            return
        how = self._hidden() or hiding(a.get("style", "")) or self._class_hiding(a)
        if "hidden" in a and not how:
            how = "hidden attribute"
        if tag == "noscript" and not how:
            how = "noscript"
        self.stack.append((tag, how))
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], how, []))
            self.open_links.append(len(self.links) - 1)

    def _class_hiding(self, a: dict[str, str]) -> str:
        if not self.hide_css:
            return ""
        for cls in a.get("class", "").split():
            if "." + cls in self.hide_css:
                return self.hide_css["." + cls]
        ident = a.get("id", "")
        return self.hide_css.get("#" + ident, "") if ident else ""

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
            self.head.setdefault("title", " ".join("".join(self._title).split())[:300])
        elif tag == "style":
            self._in_style = False
        elif tag == "script" and self._skip:
            self._skip -= 1
        if tag == "a" and self.open_links:
            self.open_links.pop()
        # Close up to the matching tag (browsers forgive missing end tags).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
        elif self._in_style:
            for selectors, body in _CSS_RULE.findall(data):
                how = hiding(body)
                if how:
                    for sel in selectors.split(","):
                        m = _SIMPLE_SELECTOR.match(sel)
                        if m:
                            self.hide_css[m.group(1)] = how
        elif not self._skip:
            if self.open_links:
                self.links[self.open_links[-1]][2].append(data)
            if self.text_size < MAX_TEXT:
                self.text.append(data)
                self.text_size += len(data)
                if len(self.fancy) < 200 and has_fancy(data):
                    self.fancy.append(data)


def inspect_page(body: bytes, url: str, vocabulary: Vocabulary, home: tuple[str, ...] = (),
                 charset: str = "utf-8") -> JudolSignals:
    """Parse one copy of a page and collect its judol signals."""
    try:
        html = body.decode(charset or "utf-8", "replace")
    except LookupError:
        html = body.decode("utf-8", "replace")
    parser = _Parser(url)
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was parsed
        pass
    if "title" not in parser.head and parser._title:
        parser.head["title"] = " ".join("".join(parser._title).split())[:300]
    home_hosts = tuple(h for h in (*home, urlsplit(url).hostname or "") if h)
    sig = JudolSignals(head=parser.head)
    for href, how, parts in parser.links[:MAX_LINKS]:
        sig.links.append(_link(href, how, " ".join(" ".join(parts).split())[:200], url, home_hosts,
                               vocabulary))
    head_words: set[str] = set()
    for name, value in parser.head.items():
        words = vocabulary.words(value)
        head_words.update(words)
        terms = vocabulary.terms_in(value)
        if terms:
            sig.head_terms[name] = terms
    sig.head_context = sorted(head_words & CONTEXT_WORDS)
    text = " ".join(" ".join(parser.text).split())[:MAX_TEXT]
    sig.text = text
    words = vocabulary.words(text)
    sig.context = sorted(set(words) & CONTEXT_WORDS)
    sig.text_terms = vocabulary.strong_terms_of(words)
    for chunk in parser.fancy[:200]:
        chunk = " ".join(chunk.split())
        terms = vocabulary.terms_in(chunk)
        plain = vocabulary.terms_in(chunk.encode("ascii", "ignore").decode())
        new = [t for t in terms if t not in plain]
        if new:
            sig.fancy.append({"original": chunk[:200], "normalized": normalize_text(chunk)[:200],
                              "terms": ", ".join(new)})
    if parser.refresh:
        target = _link(parser.refresh, "", "", url, home_hosts, vocabulary)
        sig.meta_refresh = target.url if target.gambling else ""
    return sig


def _link(href: str, how: str, text: str, page: str, home: tuple[str, ...], vocab: Vocabulary) -> Link:
    absolute = urljoin(page, href.strip())
    parts = urlsplit(absolute)
    host = (parts.hostname or "").lower()
    offsite = parts.scheme in ("http", "https") and bool(host) and is_foreign(host, home)
    gambling = False
    if offsite:
        words = vocab.words(f"{text} {unquote(parts.path)} {unquote(parts.query)}")
        terms = vocab.strong_terms_of(words)
        if how:
            gambling = vocab.is_gambling_domain(host) or bool(vocab.terms_in(" ".join(words)))
        else:
            # A visible link needs selling words: "baca juga: bahaya judi online" links to news.
            gambling = vocab.is_gambling_domain(host) or (
                bool(_promotional(terms)) and not CONTEXT_WORDS.intersection(words))
    return Link(absolute[:300], host, text, how, offsite, gambling)


def _concepts(terms: list[str]) -> list[str]:
    """Terms not contained (as words) in a longer found term: 'judi' inside 'judi online' counts once."""
    return [t for t in terms if not any(t != o and f" {t} " in f" {o} " for o in terms)]


def _promotional(terms: list[str]) -> list[str]:
    return [t for t in _concepts(terms) if t not in DISCUSSION_TERMS]


def judge(sig: JudolSignals) -> list[Verdict]:
    """Verdicts on one copy: hidden gambling/off-site link blocks and judol content."""
    out: list[Verdict] = []
    hidden = sig.hidden_links
    hidden_gambling = [lk for lk in hidden if lk.gambling]
    # display:none alone is how menus and modals hide; link-spam hides with the other tricks.
    spam_hidden = [lk for lk in hidden if lk.hidden not in ("display:none", "visibility:hidden",
                                                             "hidden attribute", "noscript")]
    if hidden_gambling:
        out.append(Verdict("web.hidden_links", "high",
                           f"{len(hidden_gambling)} hidden link(s) to gambling sites "
                           f"({hidden_gambling[0].hidden})", (),
                           hidden_gambling[0].text or hidden_gambling[0].host))
    elif len({lk.host for lk in spam_hidden}) >= 5:
        out.append(Verdict("web.hidden_links", "medium",
                           f"{len(spam_hidden)} hidden links to {len({lk.host for lk in spam_hidden})} "
                           f"other sites ({spam_hidden[0].hidden})", (), spam_hidden[0].host))
    reasons: list[str] = []
    terms: list[str] = []
    severity = ""
    anchor = ""
    if sig.fancy:
        reasons.append(f"gambling words in fancy letters ({sig.fancy[0]['normalized'][:60]!r})")
        terms += sig.fancy[0]["terms"].split(", ")
        severity, anchor = "high", anchor or sig.fancy[0]["original"][:40]
    visible = [lk for lk in sig.gambling_links if not lk.hidden]
    gambling_hosts = {lk.host for lk in visible}
    if len(visible) >= 3:
        reasons.append(f"{len(visible)} links to {len(gambling_hosts)} gambling sites")
        severity, anchor = "high", anchor or visible[0].text or visible[0].host
    elif visible:
        reasons.append(f"link to gambling site {visible[0].host}")
        severity, anchor = severity or "medium", anchor or visible[0].text or visible[0].host
    head_promo = {name: _promotional(t) for name, t in sig.head_terms.items()}
    head_promo = {k: v for k, v in head_promo.items() if v}
    head_all = sorted({c for t in sig.head_terms.values() for c in _concepts(t)})
    # Only the head's own words can excuse it: an injected title sits on pages whose text may
    # well report on the police or name the Kominfo office.
    if (head_promo or len(head_all) >= 3) and not sig.head_context:
        where = ", ".join(sorted(head_promo or sig.head_terms))
        reasons.append(f"gambling terms in {where}")
        terms += [t for v in (head_promo or sig.head_terms).values() for t in v]
        severity = "high"
        anchor = anchor or next(iter((head_promo or sig.head_terms).values()))[0]
    promo_text = _promotional(sig.text_terms)
    if len(promo_text) >= 3 and not sig.context:
        reasons.append(f"gambling spam in the text ({', '.join(promo_text[:5])})")
        terms += promo_text
        severity = severity or "medium"
        anchor = anchor or promo_text[0]
    if sig.meta_refresh:
        reasons.append(f"meta refresh to gambling site {urlsplit(sig.meta_refresh).hostname}")
        severity, anchor = "high", anchor or "refresh"
    if reasons:
        out.append(Verdict("web.judol_content", severity, "; ".join(reasons),
                           tuple(dict.fromkeys(terms)), anchor))
    return out


def trimmed(text: str, anchor: str, cap: int = SNIPPET) -> str:
    """At most `cap` characters of text around the first sight of anchor (case-insensitive)."""
    if len(text) <= cap:
        return text
    at = text.lower().find(anchor.lower()) if anchor else -1
    start = max(0, min(at - cap // 4, len(text) - cap)) if at >= 0 else 0
    return text[start:start + cap]
