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
from collections.abc import Iterable, Iterator
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
# Per log format: field -> regex whose group 1 is the field's value in a chunk.
FIELD_PATTERNS: dict[str, dict[str, re.Pattern[bytes]]] = {
    "combined": {"ip": re.compile(rb"^(\S+) ", _F), "target": re.compile(rb'\] "[A-Z]{2,12} ([^ \n]+)'),
                 "ua": re.compile(rb'" "([^\n]*?)"\r?$', _F)},
    "common": {"ip": re.compile(rb"^(\S+) ", _F), "target": re.compile(rb'\] "[A-Z]{2,12} ([^ \n]+)')},
    "vhost_combined": {"host": re.compile(rb"^([^ \n:]+)(?::\d+)? ", _F),
                       "ip": re.compile(rb"^\S+ (\S+) ", _F),
                       "target": re.compile(rb'\] "[A-Z]{2,12} ([^ \n]+)'),
                       "ua": re.compile(rb'" "([^\n]*?)"\r?$', _F)},
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
URL_TOKEN = re.compile(rb'(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9](?::\d+)?'
                       rb'(?:/[^\s"\'<>]*)?)')
HEX_RUN = re.compile(rb"[0-9a-fA-F]{32,128}")
_HASH_LENGTHS = {32, 40, 56, 64, 96, 128}


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


class IocMatcher:
    """Indicators indexed for log matching; build once, scan many chunks."""

    def __init__(self, indicators: Iterable[Indicator]) -> None:
        self.ips: dict[bytes, list[Indicator]] = defaultdict(list)
        self.domains: dict[str, list[Indicator]] = defaultdict(list)
        self.urls: dict[str, list[Indicator]] = defaultdict(list)
        self.uris: dict[bytes, list[Indicator]] = defaultdict(list)
        self.uas: dict[bytes, list[Indicator]] = defaultdict(list)
        self.hashes: dict[bytes, list[Indicator]] = defaultdict(list)
        anywhere: dict[str, list[Indicator]] = defaultdict(list)
        self.count = 0
        for ind in indicators:
            self.count += self._add(ind, anywhere)
        self.automaton: ahocorasick.Automaton | None = None
        if anywhere:
            auto = ahocorasick.Automaton()
            for value, inds in anywhere.items():
                # Chunks are searched as latin-1 text, so keys are too: offsets stay byte offsets.
                key = value.encode("utf-8").decode("latin-1")
                auto.add_word(key, (value, tuple(inds)))
            auto.make_automaton()
            self.automaton = auto

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
            added = 1
        return added

    def scan(self, chunk: bytes, fmt: str) -> list[IocHit]:
        """All hits in a chunk of whole lines of one format, in offset order."""
        hits: list[IocHit] = []
        patterns = FIELD_PATTERNS.get(fmt, FIELD_PATTERNS["syslog"])
        lookups = (("ip", self.ips), ("ua", self.uas), ("target", self.uris))
        for field, table in lookups:
            rx = patterns.get(field)
            if rx is None or not table:
                continue
            tokens = set(rx.findall(chunk))
            found = tokens & table.keys()
            if field == "target":
                found |= {t for t in tokens if b"?" in t and t.split(b"?")[0] in table}
            elif field == "ip":
                found |= {t for t in tokens if b":" in t and self._ip_key(t) in table}
            if found:
                hits.extend(self._locate(chunk, rx, field, found, table))
        if self.domains or self.urls:
            hits.extend(self._scan_hosts(chunk, patterns))
        if self.hashes:
            found = {t.lower() for t in set(HEX_RUN.findall(chunk)) if len(t) in _HASH_LENGTHS}
            found &= self.hashes.keys()
            if found:
                for m in HEX_RUN.finditer(chunk):
                    key = m.group(0).lower()
                    if key in found:
                        hits.append(IocHit(m.start(), "hash", key.decode(), tuple(self.hashes[key])))
        if self.automaton is not None:
            text = chunk.decode("latin-1")
            for end, (value, inds) in self.automaton.iter(text):
                start = end - len(value.encode("utf-8")) + 1
                hits.append(IocHit(start, "text", value, inds))
        hits.sort(key=lambda h: h.offset)
        return hits

    def _ip_key(self, token: bytes) -> bytes:
        return _norm_ip(token.decode("latin-1")).encode()

    def _locate(self, chunk: bytes, rx: re.Pattern[bytes], field: str, found: set[bytes],
                table: dict[bytes, list[Indicator]]) -> Iterator[IocHit]:
        for m in rx.finditer(chunk):
            token = m.group(1)
            if token not in found:
                continue
            if token in table:
                key = token
            elif field == "ip":
                key = self._ip_key(token)
            else:
                key = token.split(b"?")[0]
            yield IocHit(m.start(1), field, key.decode("utf-8", "replace"), tuple(table[key]))

    def _scan_hosts(self, chunk: bytes, patterns: dict[str, re.Pattern[bytes]]) -> Iterator[IocHit]:
        """Hosts and URLs: every //host/path token, plus the virtual host field."""
        wanted: dict[bytes, tuple[str, str, list[Indicator]]] = {}
        for token in set(URL_TOKEN.findall(chunk)):
            match = self._match_url(token.decode("utf-8", "replace"))
            if match:
                wanted[token] = match
        vhost_rx = patterns.get("host")
        vhosts: dict[bytes, tuple[str, str, list[Indicator]]] = {}
        if vhost_rx is not None and self.domains:
            for token in set(vhost_rx.findall(chunk)):
                dom = self._match_domain(token.decode("utf-8", "replace").lower())
                if dom:
                    vhosts[token] = ("host", *dom)
        if wanted:
            for m in URL_TOKEN.finditer(chunk):
                got = wanted.get(m.group(1))
                if got:
                    yield IocHit(m.start(1), got[0], got[1], tuple(got[2]))
        if vhosts and vhost_rx is not None:
            for m in vhost_rx.finditer(chunk):
                got = vhosts.get(m.group(1))
                if got:
                    yield IocHit(m.start(1), got[0], got[1], tuple(got[2]))

    def _match_url(self, token: str) -> tuple[str, str, list[Indicator]] | None:
        key = _url_key(unquote(token))
        if self.urls:
            for candidate in (key, key.split("?")[0], key.rstrip("/")):
                if candidate in self.urls:
                    return ("url", candidate, self.urls[candidate])
        if self.domains:
            host = key.split("/")[0].split(":")[0]
            dom = self._match_domain(host)
            if dom:
                return ("domain", *dom)
        return None

    def _match_domain(self, host: str) -> tuple[str, list[Indicator]] | None:
        """The indicator equal to the host or to one of its parent domains."""
        labels = host.rstrip(".").split(".")
        for i in range(len(labels) - 1):
            name = ".".join(labels[i:])
            if name in self.domains:
                return name, self.domains[name]
        return None
