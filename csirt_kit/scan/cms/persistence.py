"""Persistence tricks in .htaccess, .user.ini and php.ini: prepends, handlers, crawler rewrites."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from csirt_kit.scan.cms.profiles import PHP_EXTENSIONS
from csirt_kit.scan.cms.traces import gambling_terms

CONFIG_NAMES = frozenset({".htaccess", ".user.ini", "user.ini", "php.ini"})
_PREPEND = re.compile(r"^(?:php_(?:admin_)?value\s+)?(auto_(?:prepend|append)_file)\s*(?:=|\s)\s*(.*)$",
                      re.IGNORECASE)
_RUNNER = re.compile(r"php|phtml|cgi-script|fcgid-script", re.IGNORECASE)
_CRAWLER = re.compile(r"google|bing|yahoo|slurp|yandex|baidu|duckduck|msnbot|adsbot|mediapartners",
                      re.IGNORECASE)
_BLOCK_OPEN = re.compile(r"^<(Files|FilesMatch)\s+(.+?)\s*>$", re.IGNORECASE)
_BLOCK_CLOSE = re.compile(r"^</(Files|FilesMatch)\s*>$", re.IGNORECASE)
_NON_PHP = frozenset({"jpg", "jpeg", "png", "gif", "ico", "bmp", "webp", "svg", "txt", "css", "js",
                      "pdf", "xml", "json", "zip", "doc", "docx", "xls", "xlsx", "mp4", "woff",
                      "html", "htm", "shtml", "log", "csv"})
_PAGES = frozenset({"html", "htm", "shtml"})  # legacy sites run pages as PHP: risky, less telling


@dataclass(frozen=True)
class Trick:
    """One suspicious directive: its line, which trick, the line text and what it does."""

    line: int
    rule: str  # prepend | handler | crawler_rewrite | gambling_redirect
    severity: str
    text: str
    detail: str


def _args(rest: str) -> list[str]:
    try:
        return shlex.split(rest)
    except ValueError:
        return rest.split()


def _bad_extensions(exts: list[str]) -> list[str]:
    return [e for e in (x.lower().lstrip(".") for x in exts)
            if e and "." + e not in PHP_EXTENSIONS]


def _handler_severity(names: list[str]) -> str:
    return "medium" if names and all(n in _PAGES for n in names) else "high"


def _block_targets(pattern: str) -> list[str]:
    """Non-PHP extensions a Files/FilesMatch pattern covers (['*'] for every file)."""
    words = re.findall(r"[a-z0-9]+", pattern.lower())
    named = [w for w in words if w in _NON_PHP]
    if named:
        return named
    if any(w in {e.lstrip(".") for e in PHP_EXTENSIONS} for w in words) or any(
            w.startswith("php") for w in words):
        return []
    return ["*"]


def _gambling_url(target: str) -> bool:
    if not target.lower().startswith(("http://", "https://", "//")):
        return False
    return bool(gambling_terms(re.sub(r"[/.:?=&]+", " ", target.split("//", 1)[1])))


def find_tricks(text: str) -> list[Trick]:
    """Every persistence trick in one Apache or PHP config file."""
    out: list[Trick] = []
    blocks: list[str] = []
    crawler_conds: list[tuple[int, str]] = []
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if m := _BLOCK_OPEN.match(line):
            blocks.append(m.group(2).strip("\"'"))
            continue
        if _BLOCK_CLOSE.match(line):
            if blocks:
                blocks.pop()
            continue
        if m := _PREPEND.match(line):
            value = m.group(2).split(";")[0].strip().strip("\"'")
            if value and value.lower() not in ("none", "off"):
                out.append(Trick(no, "prepend", "high", line,
                                 f"{m.group(1).lower()} runs {value} before or after every PHP page"))
            continue
        word, _, rest = line.partition(" ")
        directive = word.lower()
        args = _args(rest)
        if directive in ("addtype", "addhandler") and len(args) >= 2 and _RUNNER.search(args[0]):
            bad = _bad_extensions(args[1:])
            if bad:
                out.append(Trick(no, "handler", _handler_severity(bad), line,
                                 f"files ending {', '.join('.' + b for b in bad)} run as code"))
        elif directive in ("sethandler", "forcetype") and args and _RUNNER.search(args[0]):
            targets = _block_targets(blocks[-1]) if blocks else ["*"]
            if targets:
                what = "every file" if targets == ["*"] else ", ".join("." + t for t in targets)
                out.append(Trick(no, "handler", _handler_severity(targets), line,
                                 f"{what} {'in this folder ' if not blocks else ''}run as code"))
        elif directive == "rewritecond" and len(args) >= 2 and args[0].upper() in (
                "%{HTTP_USER_AGENT}", "%{HTTP_REFERER}") and _CRAWLER.search(args[1]):
            crawler_conds.append((no, line))
        elif directive == "rewriterule":
            flags = args[2].upper() if len(args) >= 3 else ""
            target = args[1] if len(args) >= 2 else "-"
            blocking = target == "-" or re.search(r"[\[,](F|G|FORBIDDEN|GONE)[\],]", flags)
            if crawler_conds and not blocking:
                first = crawler_conds[0]
                conds = "; ".join(c for _, c in crawler_conds)
                out.append(Trick(first[0], "crawler_rewrite", "high", f"{conds} -> {line}",
                                 f"search-engine visitors or crawlers are sent to {target}"))
            elif not crawler_conds and _gambling_url(target):
                out.append(Trick(no, "gambling_redirect", "high", line,
                                 f"visitors are redirected to gambling site {target}"))
            crawler_conds = []
        elif directive in ("redirect", "redirectmatch", "redirectpermanent") and args and \
                _gambling_url(args[-1]):
            out.append(Trick(no, "gambling_redirect", "high", line,
                             f"visitors are redirected to gambling site {args[-1]}"))
    return out
