"""Fetching pages politely: shared sessions, per-host limits, byte caps, redirects by hand.

Redirects are never followed by requests: each Location is checked against the scope
(inventory hosts plus --allow-host) and followed only when in scope; a redirect to
another host stops there and is reported (a ``web.redirect`` finding), a chain longer
than ``max_redirects`` or a loop is a fetch error.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from csirt_kit.scan.web.resolve import Resolver, resolving_adapter
from csirt_kit.scan.web.settings import Identity, WebSettings

log = logging.getLogger(__name__)


class FetchError(Exception):
    """One URL could not be fetched; the message is the reason a user reads."""


@dataclass(frozen=True)
class Page:
    """One fetched response (the body possibly cut at the byte cap)."""

    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str
    charset: str
    truncated: bool
    identity: str
    offsite: str = ""  # where an out-of-scope redirect pointed (not followed)
    chain: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        """Hash of the body as fetched."""
        return hashlib.sha256(self.body).hexdigest()


def host_of(url: str) -> str:
    """Lower-case host name of a URL ('' when none)."""
    return (urlsplit(url).hostname or "").lower().rstrip(".")


class Fetcher:
    """Thread-safe fetching with one requests session per worker thread."""

    def __init__(self, settings: WebSettings, scope: set[str]) -> None:
        self.settings = settings
        self.scope = scope
        self.resolver = Resolver(settings.resolve)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._host_locks: dict[str, threading.Semaphore] = {}
        self._lock = threading.Lock()
        if not settings.verify_tls:
            log.warning("scan.web.verify_tls is off: TLS certificates are not checked")
            # Warned once above; urllib3 would repeat it for every request.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # no proxies or netrc from the environment
            adapter = resolving_adapter(self.resolver, pool_maxsize=4, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.verify = (self.settings.ca_bundle or True) if self.settings.verify_tls else False
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close every session's connections."""
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    @contextmanager
    def _polite(self, host: str) -> Iterator[None]:
        with self._lock:
            sem = self._host_locks.get(host)
            if sem is None:
                sem = self._host_locks[host] = threading.Semaphore(self.settings.per_host)
        with sem:
            yield

    def in_scope(self, url: str) -> bool:
        """True when the URL's host is an inventory host or explicitly allowed."""
        return host_of(url) in self.scope

    def fetch(self, url: str, identity: Identity) -> Page:
        """GET a URL as an identity, following in-scope redirects by hand."""
        chain: list[str] = []
        current = url
        for _ in range(self.settings.max_redirects + 1):
            status, headers, body, truncated = self._get(current, identity)
            if status in (301, 302, 303, 307, 308) and headers.get("location"):
                target = urljoin(current, headers["location"].strip())
                chain.append(target)
                if not self.in_scope(target):
                    return self._page(url, current, status, headers, body, truncated, identity,
                                      offsite=target, chain=chain)
                if target in (current, url) or target in chain[:-1]:
                    raise FetchError(f"redirect loop ({' -> '.join([url, *chain])})")
                current = target
                continue
            return self._page(url, current, status, headers, body, truncated, identity, chain=chain)
        raise FetchError(f"too many redirects (more than {self.settings.max_redirects})")

    @staticmethod
    def _page(url: str, final: str, status: int, headers: dict[str, str], body: bytes,
              truncated: bool, identity: Identity, offsite: str = "",
              chain: list[str] | None = None) -> Page:
        ctype = headers.get("content-type", "")
        charset = ""
        if "charset=" in ctype:
            charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip('"')
        return Page(url, final, status, body, ctype.split(";")[0].strip().lower(), charset,
                    truncated, identity.name, offsite, tuple(chain or ()))

    def _get(self, url: str, identity: Identity) -> tuple[int, dict[str, str], bytes, bool]:
        s = self.settings
        headers = {"User-Agent": identity.user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                   "Accept-Language": "id,en;q=0.8"}
        if identity.referer:
            headers["Referer"] = identity.referer
        with self._polite(host_of(url)):
            started = time.monotonic()
            try:
                resp = self._session().get(url, headers=headers, timeout=(s.timeout, s.timeout),
                                           allow_redirects=False, stream=True)
            except requests.exceptions.SSLError as exc:
                raise FetchError(f"TLS failure: {_short(exc)}") from None
            except requests.exceptions.ConnectTimeout:
                raise FetchError(f"connect timeout after {s.timeout:g}s") from None
            except requests.exceptions.ReadTimeout:
                raise FetchError(f"no answer within {s.timeout:g}s (timeout)") from None
            except requests.exceptions.RequestException as exc:
                raise FetchError(f"connection failed: {_short(exc)}") from None
            try:
                parts: list[bytes] = []
                size = 0
                truncated = False
                for part in resp.iter_content(64 << 10):
                    parts.append(part)
                    size += len(part)
                    if size > s.max_bytes:
                        truncated = True
                        break
                    if time.monotonic() - started > s.total_timeout:
                        raise FetchError(f"response took longer than {s.total_timeout:g}s (timeout)")
            except requests.exceptions.RequestException as exc:
                reason = "timeout" if "timed out" in str(exc).lower() else _short(exc)
                raise FetchError(f"reading the response failed: {reason}") from None
            finally:
                resp.close()
        body = b"".join(parts)[: s.max_bytes]
        return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, body, truncated


def _short(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("certificate verify failed", "Connection refused", "Name or service not known",
                   "Max retries exceeded"):
        if marker in text:
            tail = text.split(marker, 1)[1].split(" (")[0].split(")")[0].strip(" :'\"")
            return marker + (f": {tail}" if tail and marker == "certificate verify failed" else "")
    return text[:200]
