"""Search-engine crawler claims and their DNS check (reverse, then forward-confirm).

A request whose User-Agent names a major crawler is genuine only when its address
reverse-resolves to a name under the engine's domains AND that name resolves forward to
the same address (what Google and Bing document). Lookups go through an injectable
``Resolver``; the ``CrawlerVerifier`` caches answers per run, runs lookups on daemon
threads so a hung resolver never holds the scan, and stops at a per-lookup timeout, a
total time budget and a maximum number of lookups. An address it could not check is
"unchecked" (counted, never reported as fake); addresses that are not globally routable
(a reverse proxy in front of the site, a test network) are "private" and not judged.
Before its first lookup a run asks the resolver for a name that must exist (``CANARY``):
a host whose DNS answers "no such name" for everything (an isolated network, a broken
resolv.conf) would otherwise call every real Googlebot fake, so then nothing is judged.
"""

from __future__ import annotations

import ipaddress
import queue
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

GENUINE, FAKE, UNCHECKED, PRIVATE = "genuine", "fake", "unchecked", "private"


@dataclass(frozen=True)
class Crawler:
    """A crawler family: the User-Agent tokens that claim it and the domains it crawls from."""

    name: str
    tokens: tuple[bytes, ...]
    domains: tuple[str, ...]


CRAWLERS: tuple[Crawler, ...] = (
    Crawler("googlebot", (b"Googlebot", b"AdsBot-Google", b"Google-InspectionTool",
                          b"Mediapartners-Google", b"Storebot-Google", b"GoogleOther"),
            ("googlebot.com", "google.com", "googleusercontent.com")),
    Crawler("bingbot", (b"bingbot", b"msnbot", b"BingPreview", b"adidxbot"), ("search.msn.com",)),
    Crawler("yandex", (b"YandexBot", b"YandexImages", b"YandexMobileBot"),
            ("yandex.ru", "yandex.net", "yandex.com")),
    Crawler("baiduspider", (b"Baiduspider",), ("baidu.com", "baidu.jp")),
    Crawler("applebot", (b"Applebot",), ("applebot.apple.com",)),
)
BY_NAME = {c.name: c for c in CRAWLERS}
CANARY = "googlebot.com"  # a name every working public resolver knows
TOKENS: tuple[tuple[bytes, str], ...] = tuple((t, c.name) for c in CRAWLERS for t in c.tokens)


def claimed_crawler(ua: bytes) -> str:
    """The crawler family a User-Agent claims to be ('' for none)."""
    for token, name in TOKENS:
        if token in ua:
            return name
    return ""


class ResolverError(Exception):
    """A lookup that gave no answer (timeout, SERVFAIL, no network): not a 'no such name'."""


class Resolver(Protocol):
    """DNS as the check needs it; [] means the name or address has no record."""

    def reverse(self, ip: str) -> list[str]: ...

    def forward(self, name: str) -> list[str]: ...


class SystemResolver:
    """The operating system's resolver (socket); 'not found' is [], anything else an error."""

    def reverse(self, ip: str) -> list[str]:
        try:
            name, aliases, _ = socket.gethostbyaddr(ip)
        except socket.herror as exc:
            if exc.errno == 1:  # HOST_NOT_FOUND: the address has no PTR record
                return []
            raise ResolverError(str(exc)) from None
        except OSError as exc:
            raise ResolverError(str(exc)) from None
        return [name, *aliases]

    def forward(self, name: str) -> list[str]:
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
        except socket.gaierror as exc:
            if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
                return []
            raise ResolverError(str(exc)) from None
        return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class CrawlerCheck:
    """How claims are checked: mode 'dns' or 'off', and the bounds of a run's lookups."""

    mode: str = "dns"
    timeout: float = 2.0  # seconds per lookup
    budget: float = 30.0  # seconds for all lookups of a run
    max_lookups: int = 1000  # addresses checked per run
    threads: int = 8


def _norm(ip: str) -> str:
    try:
        return str(ipaddress.ip_address(ip.strip("[]")))
    except ValueError:
        return ip


def is_public(ip: str) -> bool:
    """True for a globally routable address (the only kind a search engine crawls from)."""
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_global
    except ValueError:
        return False


def _under(name: str, domains: Iterable[str]) -> bool:
    name = name.lower().rstrip(".")
    return any(name == d or name.endswith("." + d) for d in domains)


def verify(resolver: Resolver, ip: str, crawler: str) -> str:
    """GENUINE or FAKE for one address (raises ResolverError when DNS gives no answer)."""
    domains = BY_NAME[crawler].domains
    want = _norm(ip)
    for name in resolver.reverse(ip):
        if _under(name, domains) and want in {_norm(a) for a in resolver.forward(name)}:
            return GENUINE
    return FAKE


class CrawlerVerifier:
    """Verdicts per (address, crawler) for one run: cached, parallel, bounded in time and count."""

    def __init__(self, check: CrawlerCheck | None = None, resolver: Resolver | None = None) -> None:
        self.check = check or CrawlerCheck()
        self.resolver: Resolver = resolver or SystemResolver()
        self.cache: dict[tuple[str, str], str] = {}
        self.lookups = 0
        self.spent = 0.0
        self.exhausted = False  # the budget or the lookup cap stopped checks
        self.dns_works: bool | None = None  # the canary's answer, asked once per run

    @property
    def enabled(self) -> bool:
        """False in offline mode (verify_crawlers = "off")."""
        return self.check.mode == "dns"

    def verdicts(self, claims: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """A verdict for each (ip, crawler): GENUINE, FAKE, UNCHECKED or PRIVATE."""
        out: dict[tuple[str, str], str] = {}
        todo: list[tuple[str, str]] = []
        for key in dict.fromkeys(claims):
            ip, _ = key
            if key in self.cache:
                out[key] = self.cache[key]
            elif not is_public(ip):
                out[key] = PRIVATE
            elif not self.enabled:
                out[key] = UNCHECKED
            else:
                todo.append(key)
        if todo and not self._dns_works():
            out.update({key: UNCHECKED for key in todo})
            return out
        out.update(self._run(todo))
        return out

    def _dns_works(self) -> bool:
        """Whether the resolver knows CANARY (asked once, within one lookup's timeout)."""
        if self.dns_works is None:
            answer: queue.Queue[bool] = queue.Queue()

            def ask() -> None:
                try:
                    answer.put(bool(self.resolver.forward(CANARY)))
                except Exception:  # no answer at all is as useless as "no such name"
                    answer.put(False)

            started = time.monotonic()
            threading.Thread(target=ask, daemon=True, name="crawler-dns-canary").start()
            try:
                self.dns_works = answer.get(timeout=self.check.timeout)
            except queue.Empty:
                self.dns_works = False
            self.spent += time.monotonic() - started
        return self.dns_works

    def _run(self, todo: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        out = {key: UNCHECKED for key in todo}
        room = max(0, self.check.max_lookups - self.lookups)
        if len(todo) > room:
            self.exhausted = True
        todo = todo[:room]
        if not todo:
            return out
        jobs: queue.Queue[tuple[str, str]] = queue.Queue()
        for key in todo:
            jobs.put(key)
        answers: queue.Queue[tuple[tuple[str, str], str]] = queue.Queue()

        def work() -> None:
            while True:
                try:
                    key = jobs.get_nowait()
                except queue.Empty:
                    return
                try:
                    answers.put((key, verify(self.resolver, *key)))
                except Exception:  # any resolver failure leaves it unchecked
                    answers.put((key, UNCHECKED))

        started = time.monotonic()
        deadline = started + max(0.0, self.check.budget - self.spent)
        for _ in range(min(self.check.threads, len(todo))):
            threading.Thread(target=work, daemon=True, name="crawler-dns").start()
        got = 0
        # Each lookup gets `timeout` from when the previous answer came (threads run in parallel).
        while got < len(todo):
            wait = min(self.check.timeout * 2, deadline - time.monotonic())  # reverse + forward
            if wait <= 0:
                self.exhausted = True
                break
            try:
                key, verdict = answers.get(timeout=wait)
            except queue.Empty:
                self.exhausted = True
                break
            got += 1
            out[key] = verdict
            if verdict != UNCHECKED:
                self.cache[key] = verdict
        while True:  # drain the queue so abandoned threads stop after their current lookup
            try:
                jobs.get_nowait()
            except queue.Empty:
                break
        self.lookups += len(todo)
        self.spent += time.monotonic() - started
        return out
