"""IoC matching in log chunks: field-aware exact lookup, Aho-Corasick for the rest.

Most indicator types have a place in a log line: client IPs, hosts, URLs, user agents,
hashes. For those, each chunk's field values are pulled out with one C-speed regex per
field, turned into a set and intersected with the indicator set: exact (an IP never
hits inside a longer IP) and several times faster than substring search. Only when a
field has a hit does a second pass find where. Types that may sit anywhere in a line
(file names, e-mail addresses, free text: ``ANYWHERE_TYPES``) go into one Aho-Corasick
automaton run over the whole chunk.

Lookups: ip-* types against the client IP (access and JSON logs) or any IPv4 token
(error logs, syslog); domain/hostname against the virtual host, the host of every
``//host/...`` URL in the line (referrer, absolute or embedded URLs), and their parent
domains (an indicator ``evil.example`` hits ``a.evil.example``); url against every
``//host/path`` URL in the line (with and without its query); uri against
the request target with and without its query; user-agent exactly; md5/sha1/sha256/
sha512 against any hex run of that length, case-insensitive.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

import ahocorasick

from csirt_kit.models import Indicator

IP_TYPES = {"ip", "ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip"}
DOMAIN_TYPES = {"domain", "hostname", "hostname|port", "domain|ip"}
URL_TYPES = {"url", "link"}
URI_TYPES = {"uri"}
UA_TYPES = {"user-agent"}
HASH_TYPES = {"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "filename|md5",
              "filename|sha1", "filename|sha256"}
ANYWHERE_TYPES = {"filename", "email", "email-src", "email-dst", "text", "pattern-in-traffic",
                  "pattern-in-file", "x509-fingerprint-sha1"}

_F = re.MULTILINE
ACCESS_FORMATS = {"combined", "common", "vhost_combined", "json"}
_FILE = re.compile(rb'\] "[A-Z]{2,12} [^ ?\n]*/([^/ ?\n]+)')  # last segment of the request path
# Per log format: field -> regex whose group 1 is the field's value in a chunk.
FIELD_PATTERNS: dict[str, dict[str, re.Pattern[bytes]]] = {
    "combined": {"ip": re.compile(rb"^(\S+) ", _F), "target": re.compile(rb'\] "[A-Z]{2,12} ([^ \n]+)'),
                 "file": _FILE,
                 "ua": re.compile(rb'" "([^\n]*)"\r?$', _F)},
    "common": {"ip": re.compile(rb"^(\S+) ", _F), "target": re.compile(rb'\] "[A-Z]{2,12} ([^ \n]+)'),
               "file": _FILE},
    "vhost_combined": {"host": re.compile(rb"^([^ \n:]+)(?::\d+)? ", _F),
                       "ip": re.compile(rb"^\S+ (\S+) ", _F),
                       "target": re.compile(rb'\] "[A-Z]{2,12} ([^ \n]+)'), "file": _FILE,
                       "ua": re.compile(rb'" "([^\n]*)"\r?$', _F)},
    "json": {key: re.compile(rb'"(?:' + "|".join(names).encode() + rb')"\s*:\s*"([^"\n]*)"')
             for key, names in (("ip", ("remote_addr", "client_ip", "clientip", "src_ip", "ip",
                                        "client", "remote_ip")),
                                ("host", ("host", "server_name", "vhost", "http_host")),
                                ("target", ("request_uri", "uri", "path")),
                                ("ua", ("http_user_agent", "user_agent", "useragent", "agent")))},
    "error": {"ip": re.compile(rb"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])"),
              "host": re.compile(rb'host: "([^"\n:]+)'),
              "target": re.compile(rb'request: "[A-Z]{2,12} ([^ "\n]+)')},
    "syslog": {"ip": re.compile(rb"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])")},
}
FIELD_PATTERNS["json"]["file"] = re.compile(
    rb'"(?:request_uri|uri|path|request)"\s*:\s*"(?:[A-Z]{2,12} )?[^" ?\n]*/([^/" ?\n]+)')

# Line-start fields: "^x" makes the regex engine test every position; "\nx" over "\n" + chunk
# lets it jump from newline to newline. The "^" forms are kept to locate hits in one line.
_FAST = {rb"^(\S+) ": re.compile(rb"\n(\S+) "), rb"^\S+ (\S+) ": re.compile(rb"\n\S+ (\S+) "),
         rb"^([^ \n:]+)(?::\d+)? ": re.compile(rb"\n([^ \n:]+)(?::\d+)? ")}


def _findall(rx: re.Pattern[bytes], chunk: bytes) -> list[bytes]:
    fast = _FAST.get(rx.pattern)
    return fast.findall(b"\n" + chunk) if fast is not None else rx.findall(chunk)


# Starts with the literal "//" so the regex engine can skip ahead with a fast search.
URL_TOKEN = re.compile(rb'//([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9](?::\d+)?(?:/[^\s"\'<>]*)?)')
_HASH_LENGTHS = {32, 40, 56, 64, 96, 128}
# Hex digits -> "x", everything else -> " ": a hash is then a run of 32+ "x" found with bytes.find.
_HEX_MAP = bytes(ord("x") if chr(i) in "0123456789abcdefABCDEF" else ord(" ") for i in range(256))
_X32 = b"x" * 32


def token_lines(chunk: bytes, rx: re.Pattern[bytes], token: bytes,
                same: Callable[[bytes], bool]) -> Iterator[re.Match[bytes]]:
    """Matches of rx (group 1 passing `same`) on the lines of chunk that contain token.

    Finding the token with bytes.find and running the regex only on its line is what keeps
    a scan of millions of lines fast: most lines never reach the regex.
    """
    pos = chunk.find(token)
    while pos >= 0:
        start = chunk.rfind(b"\n", 0, pos) + 1
        end = chunk.find(b"\n", pos)
        end = len(chunk) if end < 0 else end
        for m in rx.finditer(chunk, start, end):
            if same(m.group(1)):
                yield m
        pos = chunk.find(token, end)


@dataclass(frozen=True)
class IocHit:
    """One indicator found at a chunk offset, in a named field."""

    offset: int
    field: str
    value: str
    indicators: tuple[Indicator, ...]


def _norm_ip(value: str) -> str:
    value = value.strip().strip("[]")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value.lower()


def _url_key(value: str) -> str:
    """``HOST/path?query`` with the host lower-cased and no scheme or default slash."""
    rest = value.strip()
    if "//" in rest:
        rest = rest.split("//", 1)[1]
    host, slash, path = rest.partition("/")
    return host.lower().rstrip(".") + (slash + path if path else "")


def _automaton(values: dict[str, list[Indicator]]) -> ahocorasick.Automaton | None:
    if not values:
        return None
    auto = ahocorasick.Automaton()
    for value, inds in values.items():
        # Chunks are searched as latin-1 text, so keys are too: offsets stay byte offsets.
        auto.add_word(value.encode("utf-8").decode("latin-1"), (value, tuple(inds)))
    auto.make_automaton()
    return auto


class IocMatcher:
    """Indicators indexed for log matching; build once, scan many chunks."""

    def __init__(self, indicators: Iterable[Indicator]) -> None:
        self.ips: dict[bytes, list[Indicator]] = defaultdict(list)
        self.domains: dict[str, list[Indicator]] = defaultdict(list)
        self.urls: dict[str, list[Indicator]] = defaultdict(list)
        self.uris: dict[bytes, list[Indicator]] = defaultdict(list)
        self.uas: dict[bytes, list[Indicator]] = defaultdict(list)
        self.hashes: dict[bytes, list[Indicator]] = defaultdict(list)
        self.filenames: dict[bytes, list[Indicator]] = defaultdict(list)
        anywhere: dict[str, list[Indicator]] = defaultdict(list)
        self.count = 0
        for ind in indicators:
            self.count += self._add(ind, anywhere)
        # Access logs: file names are looked up in request paths, the rest anywhere.
        self.automaton = _automaton(anywhere)
        self.automaton_access = _automaton({v: i for v, i in anywhere.items()
                                            if any(x.type.lower() != "filename" for x in i)})

    def _add(self, ind: Indicator, anywhere: dict[str, list[Indicator]]) -> int:
        t, v = ind.type.lower(), ind.value.strip()
        if not v:
            return 0
        parts = v.split("|")
        added = 0
        if t in IP_TYPES:
            ip = parts[-1] if t == "domain|ip" else parts[0]
            self.ips[_norm_ip(ip).encode()].append(ind)
            added = 1
        if t in DOMAIN_TYPES:
            self.domains[parts[0].lower().rstrip(".")].append(ind)
            added = 1
        if t in URL_TYPES:
            key = _url_key(v)
            if "/" in key or "." in key:
                self.urls[key].append(ind)
                added = 1
        if t in URI_TYPES:
            self.uris[v.encode("utf-8", "surrogateescape")].append(ind)
            added = 1
        if t in UA_TYPES:
            self.uas[v.encode("utf-8", "surrogateescape")].append(ind)
            added = 1
        if t in HASH_TYPES:
            self.hashes[parts[-1].lower().encode()].append(ind)
            added = 1
        if t in ANYWHERE_TYPES and len(v) >= 4:
            anywhere[parts[0]].append(ind)
            if t == "filename":
                self.filenames[parts[0].encode("utf-8", "surrogateescape")].append(ind)
            added = 1
        return added

    def scan(self, chunk: bytes, fmt: str) -> list[IocHit]:
        """All hits in a chunk of whole lines of one format, in offset order."""
        hits: list[IocHit] = []
        patterns = FIELD_PATTERNS.get(fmt, FIELD_PATTERNS["syslog"])
        access = fmt in ACCESS_FORMATS
        for field, table in (("ip", self.ips), ("ua", self.uas), ("target", self.uris)):
            rx = patterns.get(field)
            if rx is None or not table:
                continue
            tokens = set(_findall(rx, chunk))
            found = {t: t for t in tokens & table.keys()}
            if field == "target" and table:
                for t in tokens:
                    if b"?" in t and t not in found:
                        bare = t.split(b"?", 1)[0]
                        if bare in table:
                            found[t] = bare
            elif field == "ip":
                for t in tokens:
                    if b":" in t and t not in found and self._ip_key(t) in table:
                        found[t] = self._ip_key(t)
            if found:
                hits.extend(self._locate(chunk, rx, field, found, table))
        if self.filenames and "file" in patterns:
            rx = patterns["file"]
            for name in set(rx.findall(chunk)) & self.filenames.keys():
                for m in self._occurrences(chunk, rx, name):
                    hits.append(IocHit(m.start(1), "file", name.decode("utf-8", "replace"),
                                       tuple(self.filenames[name])))
        if self.domains or self.urls:
            hits.extend(self._scan_hosts(chunk, patterns))
        if self.hashes:
            hits.extend(self._scan_hashes(chunk))
        automaton = self.automaton if not access else self.automaton_access
        if automaton is not None:
            text = chunk.decode("latin-1")
            for end, (value, inds) in automaton.iter(text):
                start = end - len(value.encode("utf-8")) + 1
                hits.append(IocHit(start, "text", value, inds))
        hits.sort(key=lambda h: h.offset)
        return hits

    def _ip_key(self, token: bytes) -> bytes:
        return _norm_ip(token.decode("latin-1")).encode()

    @staticmethod
    def _occurrences(chunk: bytes, rx: re.Pattern[bytes], token: bytes) -> Iterator[re.Match[bytes]]:
        """Matches of a field regex whose value is `token`, found from the token's occurrences."""
        return token_lines(chunk, rx, token, token.__eq__)

    def _locate(self, chunk: bytes, rx: re.Pattern[bytes], field: str, found: dict[bytes, bytes],
                table: dict[bytes, list[Indicator]]) -> Iterator[IocHit]:
        for token, key in found.items():
            for m in self._occurrences(chunk, rx, token):
                yield IocHit(m.start(1), field, key.decode("utf-8", "replace"), tuple(table[key]))

    def _scan_hashes(self, chunk: bytes) -> Iterator[IocHit]:
        mapped = chunk.translate(_HEX_MAP)
        pos = mapped.find(_X32)
        while pos >= 0:
            end = mapped.find(b" ", pos)
            end = len(chunk) if end < 0 else end
            if end - pos in _HASH_LENGTHS:
                key = chunk[pos:end].lower()
                if key in self.hashes:
                    yield IocHit(pos, "hash", key.decode(), tuple(self.hashes[key]))
            pos = mapped.find(_X32, end)

    def _scan_hosts(self, chunk: bytes, patterns: dict[str, re.Pattern[bytes]]) -> Iterator[IocHit]:
        """Hosts and URLs: every //host/path token, plus the virtual host field."""
        tokens = set(URL_TOKEN.findall(chunk))
        wanted: dict[bytes, tuple[str, str, list[Indicator]]] = {}
        if self.urls:
            for t in tokens:
                got = self._match_url(t)
                if got:
                    wanted[t] = got
        if self.domains:
            hosts: dict[bytes, list[bytes]] = {}
            for t in tokens:
                if t not in wanted:
                    hosts.setdefault(t.split(b"/", 1)[0].split(b":", 1)[0], []).append(t)
            for host, owners in hosts.items():
                dom = self._match_domain(host.decode("latin-1").lower())
                if dom:
                    for t in owners:
                        wanted[t] = ("domain", *dom)
        for token, (field, value, inds) in wanted.items():
            for m in self._occurrences(chunk, URL_TOKEN, token):
                yield IocHit(m.start(1), field, value, tuple(inds))
        vhost_rx = patterns.get("host")
        if vhost_rx is not None and self.domains:
            for token in set(_findall(vhost_rx, chunk)):
                dom = self._match_domain(token.decode("utf-8", "replace").lower())
                if dom:
                    for m in self._occurrences(chunk, vhost_rx, token):
                        yield IocHit(m.start(1), "host", dom[0], tuple(dom[1]))

    def _match_url(self, token: bytes) -> tuple[str, str, list[Indicator]] | None:
        text = token.decode("utf-8", "replace")
        if "%" in text:
            text = unquote(text)
        key = _url_key(text)
        for candidate in (key, key.split("?")[0], key.rstrip("/")):
            if candidate in self.urls:
                return ("url", candidate, self.urls[candidate])
        return None

    def _match_domain(self, host: str) -> tuple[str, list[Indicator]] | None:
        """The indicator equal to the host or to one of its parent domains."""
        labels = host.rstrip(".").split(".")
        for i in range(len(labels) - 1):
            name = ".".join(labels[i:])
            if name in self.domains:
                return name, self.domains[name]
        return None
