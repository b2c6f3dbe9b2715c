"""The gambling vocabulary: bundled keyword and domain lists, extended by ``[judol]`` config.

Config keys (``[judol]``), with defaults:
  keywords       []   entries added to rules/lists/judol-keywords.txt (same syntax)
  domains        []   entries added to rules/lists/gambling-domains.txt (same syntax)
  keywords_file  ""   a file in the keyword list format, added too
  domains_file   ""   a file in the domain list format, added too

Keyword syntax (see the header of rules/lists/judol-keywords.txt): ``word`` or ``two words``
strong, ``~word`` weak (needs a second, different weak term), ``*fragment`` strong inside
a longer word, ``re:REGEX`` strong when it matches one whole word. Domain syntax: a host
(matches it and its subdomains) or an fnmatch glob such as ``sbobet.*``.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from csirt_kit.config import Config
from csirt_kit.errors import ConfigError
from csirt_kit.judol.normalize import normalize_text
from csirt_kit.resources import bundled_rules

__all__ = ["Vocabulary", "load_vocabulary", "normalize_text", "parse_domains", "parse_keywords"]

_WORD = re.compile(r"[a-z0-9]+")
_ENTRY_OK = re.compile(r"^[a-z0-9 ]+$")
_DOMAIN_OK = re.compile(r"^[a-z0-9*?.\-\[\]]+$")


@dataclass(frozen=True)
class Vocabulary:
    """Strong and weak gambling terms and gambling domain patterns, matched after normalisation."""

    strong: frozenset[str] = frozenset()       # single words
    phrases: tuple[str, ...] = ()              # several words in a row ("slot gacor")
    weak: frozenset[str] = frozenset()
    weak_phrases: tuple[str, ...] = ()
    fragments: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()             # regex sources, each matched against one word
    domains: tuple[str, ...] = ()
    _fragment_re: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    _word_re: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    _starts: dict[str, list[tuple[str, ...]]] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.fragments and self._fragment_re is None:
            alternatives = "|".join(re.escape(f) for f in sorted(self.fragments, key=len, reverse=True))
            object.__setattr__(self, "_fragment_re", re.compile(alternatives))
        if self.patterns and self._word_re is None:
            alternatives = "|".join(f"(?:{p})" for p in self.patterns)
            object.__setattr__(self, "_word_re", re.compile(alternatives))
        if self._starts is None:
            starts: dict[str, list[tuple[str, ...]]] = {}
            for phrase in (*self.phrases, *self.weak_phrases):
                words = tuple(phrase.split())
                starts.setdefault(words[0], []).append(words)
            object.__setattr__(self, "_starts", starts)

    def _words(self, text: str) -> list[str]:
        return _WORD.findall(normalize_text(text))

    def words(self, text: str) -> list[str]:
        """The normalised words of a text (a-z and 0-9 runs), as every matcher here sees them."""
        return self._words(text)

    def strong_terms_in(self, text: str) -> list[str]:
        """Strong terms (words, phrases, fragments, patterns) in a text, in order of first sight."""
        return self._strong(self._words(text))

    def strong_terms_of(self, words: list[str]) -> list[str]:
        """strong_terms_in for words already cut by words()."""
        return self._strong(words)

    def _phrases(self, words: list[str], distinct: dict[str, None], wanted: tuple[str, ...]) -> list[str]:
        starts = self._starts or {}
        candidates = [" ".join(p) for w in distinct if w in starts for p in starts[w]]
        if not candidates:
            return []
        joined = f" {' '.join(words)} "
        return [p for p in candidates if p in wanted and f" {p} " in joined]

    def _strong(self, words: list[str]) -> list[str]:
        distinct = dict.fromkeys(words)
        found: dict[str, None] = dict.fromkeys(self._phrases(words, distinct, self.phrases))
        # Each distinct word is tested once: pages repeat their words a lot.
        word_re, fragment_re = self._word_re, self._fragment_re
        for w in distinct:
            if (w in self.strong or (word_re is not None and word_re.fullmatch(w))
                    or (fragment_re is not None and fragment_re.search(w))):
                found.setdefault(w, None)
        return list(found)

    def weak_terms_in(self, text: str) -> list[str]:
        """Weak terms in a text (distinct, in order of first sight)."""
        return self._weak(self._words(text))

    def _weak(self, words: list[str]) -> list[str]:
        distinct = dict.fromkeys(words)
        found: dict[str, None] = dict.fromkeys(self._phrases(words, distinct, self.weak_phrases))
        for w in distinct:
            if w in self.weak:
                found.setdefault(w, None)
        return list(found)

    def terms_in(self, text: str) -> list[str]:
        """Gambling terms in a text: the strong ones, else two or more different weak ones, else []."""
        words = self._words(text)
        strong = self._strong(words)
        if strong:
            return strong
        weak = self._weak(words)
        return weak if len(weak) >= 2 else []

    def is_gambling_slug(self, path: str) -> bool:
        """True for a URL path, query or slug with gambling terms (/slot-gacor-hari-ini/, /?p=togel)."""
        return bool(self.terms_in(unquote(unquote(path)).replace("+", " ")))

    def is_gambling_domain(self, host: str) -> bool:
        """True for a host on the domain list or whose name carries a strong gambling term."""
        host = normalize_text(host.strip()).strip(".")
        if not host:
            return False
        labels = host.split(".")
        for pattern in self.domains:
            if any(fnmatch.fnmatchcase(".".join(labels[i:]), pattern) for i in range(len(labels) - 1)):
                return True
        # The top-level and registry labels (com, go.id) carry no meaning; the rest is words.
        return bool(self._strong(_WORD.findall(" ".join(labels[:-1]))))


@dataclass(frozen=True)
class _Parsed:
    strong: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    weak_phrases: list[str] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)


def _lines(lines: Iterable[str]) -> Iterable[tuple[int, str]]:
    for no, raw in enumerate(lines, 1):
        text = raw if raw.lstrip().startswith("re:") else raw.split("#", 1)[0]
        text = text.strip()
        if text:
            yield no, text


def parse_keywords(lines: Iterable[str], where: str) -> _Parsed:
    """Keyword entries of a list; a bad one is a ConfigError naming where:line."""
    out = _Parsed()
    for no, entry in _lines(lines):
        try:
            if entry.startswith("re:"):
                source = entry[3:].strip()
                re.compile(source)
                if not source:
                    raise ValueError("empty regex")
                out.patterns.append(source)
                continue
            kind = entry[0] if entry[0] in "~*" else ""
            words = " ".join(_WORD.findall(normalize_text(entry[len(kind):])))
            if not words or not _ENTRY_OK.match(words):
                raise ValueError("no letters or digits in the entry")
            if kind == "*":
                if " " in words:
                    raise ValueError("a *fragment is one word")
                out.fragments.append(words)
            elif kind == "~":
                (out.weak_phrases if " " in words else out.weak).append(words)
            else:
                (out.phrases if " " in words else out.strong).append(words)
        except (ValueError, re.error) as exc:
            raise ConfigError(f"{where}:{no}: bad keyword entry {entry!r}: {exc}", where=f"{where}:{no}",
                              fix="one entry a line: word, two words, ~weak, *fragment or re:REGEX") from None
    return out


def parse_domains(lines: Iterable[str], where: str) -> list[str]:
    """Domain patterns of a list; a bad one is a ConfigError naming where:line."""
    out = []
    for no, entry in _lines(lines):
        pattern = entry.lower().strip(".")
        if not _DOMAIN_OK.match(pattern) or "." not in pattern or pattern.startswith("re:"):
            raise ConfigError(f"{where}:{no}: bad domain entry {entry!r}", where=f"{where}:{no}",
                              fix="one host (example.com) or glob (name.*, *gacor*.*) a line")
        out.append(pattern)
    return out


def _read(path: str, key: str) -> list[str]:
    file = Path(path).expanduser()
    try:
        return file.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        line = file.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{file}:{line}: judol.{key} is not UTF-8 text", where=f"{file}:{line}",
                          fix="save the list as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"judol.{key}: cannot read {file}: {exc.strerror or exc}", where=str(file),
                          fix=f"fix or remove judol.{key} in the config") from None


def _build(keywords: tuple[str, ...], domains: tuple[str, ...], keywords_file: str, domains_file: str,
           where: str) -> Vocabulary:
    lists = bundled_rules() / "lists"
    kw_file = lists / "judol-keywords.txt"
    dom_file = lists / "gambling-domains.txt"
    parts = [parse_keywords(kw_file.read_text(encoding="utf-8").splitlines(), str(kw_file))]
    doms = parse_domains(dom_file.read_text(encoding="utf-8").splitlines(), str(dom_file))
    if keywords:
        parts.append(parse_keywords(keywords, f"{where} [judol] keywords"))
    if keywords_file:
        parts.append(parse_keywords(_read(keywords_file, "keywords_file"), str(Path(keywords_file))))
    if domains:
        doms += parse_domains(domains, f"{where} [judol] domains")
    if domains_file:
        doms += parse_domains(_read(domains_file, "domains_file"), str(Path(domains_file)))

    def merged(name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(x for p in parts for x in getattr(p, name)))

    weak = set(merged("weak"))
    strong = frozenset(merged("strong"))
    return Vocabulary(strong=strong, phrases=merged("phrases"), weak=frozenset(weak - strong),
                      weak_phrases=merged("weak_phrases"), fragments=merged("fragments"),
                      patterns=merged("patterns"), domains=tuple(dict.fromkeys(doms)))


def _str_list(sec: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = sec.get(key, [])
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"judol.{key}: must be a list of strings", where=where,
                          fix=f'e.g. {key} = ["slot gacor", "~bonus"]')
    return tuple(value)


def load_vocabulary(config: Config | None = None) -> Vocabulary:
    """The bundled vocabulary plus ``[judol]`` config entries and files (cached per settings)."""
    if config is None:
        return _build_stamped((), (), "", "", "defaults", ())
    where = config.where()
    sec = config.get("judol", {}) or {}
    if not isinstance(sec, Mapping):
        raise ConfigError("judol: must be a table", where=where)
    key_file, dom_file = str(sec.get("keywords_file", "") or ""), str(sec.get("domains_file", "") or "")
    # Files are part of the cache key by their content, so an edited list is read again.
    stamp = tuple(_stamp(f) for f in (key_file, dom_file))
    return _build_stamped(_str_list(sec, "keywords", where), _str_list(sec, "domains", where),
                          key_file, dom_file, where, stamp)


def _stamp(path: str) -> tuple[float, int]:
    if not path:
        return (0.0, 0)
    try:
        st = Path(path).expanduser().stat()
    except OSError:
        return (-1.0, -1)
    return (st.st_mtime, st.st_size)


@functools.lru_cache(maxsize=16)
def _build_stamped(keywords: tuple[str, ...], domains: tuple[str, ...], keywords_file: str,
                   domains_file: str, where: str, stamp: tuple[tuple[float, int], ...]) -> Vocabulary:
    del stamp  # only a cache key
    return _build(keywords, domains, keywords_file, domains_file, where)
