"""What a scan needs from an HTML page: title, visible text, same-origin scripts and links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

SNAPSHOT_CHARS = 4000


@dataclass(frozen=True)
class PageInfo:
    """Parsed parts of one page."""

    title: str
    text: str
    scripts: tuple[str, ...]
    links: tuple[str, ...]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.links: list[str] = []
        self.base = ""
        self._in_title = False
        self._skip = 0
        self._size = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "title":
            self._in_title = True
        elif tag in ("script", "style"):
            self._skip += 1
            if tag == "script" and a.get("src"):
                self.scripts.append(a["src"])
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "base" and a.get("href") and not self.base:
            self.base = a["href"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip and self._size < SNAPSHOT_CHARS * 2:
            self.text.append(data)
            self._size += len(data)


def _same_origin(url: str, page: str) -> bool:
    a, b = urlsplit(url), urlsplit(page)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def parse_page(body: bytes, url: str, charset: str = "utf-8") -> PageInfo:
    """Title, trimmed visible text and same-origin script/link URLs of a page."""
    try:
        text = body.decode(charset or "utf-8", "replace")
    except LookupError:
        text = body.decode("utf-8", "replace")
    parser = _Parser()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was parsed
        pass
    base = urljoin(url, parser.base) if parser.base else url
    title = " ".join("".join(parser.title).split())[:300]
    visible = " ".join(" ".join(parser.text).split())[:SNAPSHOT_CHARS]
    return PageInfo(title, visible, _resolve(parser.scripts, base, url), _resolve(parser.links, base, url))


def _resolve(refs: list[str], base: str, page: str) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for ref in refs:
        ref = ref.strip()
        if not ref or ref.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        absolute = urldefrag(urljoin(base, ref))[0]
        if absolute != page and absolute.startswith(("http://", "https://")) and _same_origin(absolute, page):
            out.setdefault(absolute, None)
    return tuple(out)


def find_terms(text: str, terms: tuple[str, ...]) -> list[str]:
    """The terms present in a text (case-insensitive, whole words)."""
    low = text.lower()
    return [t for t in terms if re.search(r"(?<!\w)" + re.escape(t) + r"(?!\w)", low)]
