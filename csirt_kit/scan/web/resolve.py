"""Host override for requests, like curl --resolve: dial another address, keep the site's name.

``{"web.kota.example": "127.0.0.1:8080", "*.kotademo.example": "127.0.0.1:8080"}``: a
request to ``http://web.kota.example/`` connects to 127.0.0.1:8080 but its URL, Host
header, TLS server name (SNI) and certificate check all stay ``web.kota.example``. The
override lives in the connection class (urllib3 dials ``_dns_host:port``), so nothing
above it, redirects and cookies included, sees a rewritten URL. A value without a port
keeps the URL's port.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from csirt_kit.errors import ConfigError


class Resolver:
    """Exact host names and ``*.suffix`` wildcards mapped to (address, port or None)."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self.exact: dict[str, tuple[str, int | None]] = {}
        self.wild: list[tuple[str, tuple[str, int | None]]] = []
        for host, target in mapping.items():
            parsed = _parse_target(host, target)
            host = host.lower().rstrip(".")
            if host.startswith("*."):
                self.wild.append((host[1:], parsed))  # ".kotademo.example"
            else:
                self.exact[host] = parsed
        self.wild.sort(key=lambda w: -len(w[0]))  # longest suffix wins

    def __bool__(self) -> bool:
        return bool(self.exact or self.wild)

    def lookup(self, host: str, port: int) -> tuple[str, int] | None:
        """Where to connect for host:port, or None to resolve normally."""
        host = host.lower().rstrip(".")
        hit = self.exact.get(host)
        if hit is None:
            hit = next((t for suffix, t in self.wild if host.endswith(suffix)), None)
        if hit is None:
            return None
        return hit[0], hit[1] if hit[1] is not None else port


def _parse_target(host: str, target: str) -> tuple[str, int | None]:
    target = target.strip()
    addr, port = target, None
    if target.startswith("["):  # [::1]:8080
        addr, _, rest = target[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    elif target.count(":") == 1:
        addr, _, p = target.partition(":")
        if not p.isdigit():
            raise ConfigError(f"scan.web.resolve: {host} = {target!r}: bad port",
                              fix='use "address" or "address:port"')
        port = int(p)
    if not addr:
        raise ConfigError(f"scan.web.resolve: {host}: empty address", fix='use "address:port"')
    return addr, port


def _dial_override(conn: Any, resolver: Resolver, new_conn: Any) -> socket.socket:
    target = resolver.lookup(conn.host, conn.port)
    if target is None:
        return new_conn(conn)
    saved = conn._dns_host, conn.port
    conn._dns_host, conn.port = target
    try:
        return new_conn(conn)
    finally:
        conn._dns_host, conn.port = saved  # Host header and TLS name use these


def resolving_adapter(resolver: Resolver, **kwargs: Any) -> requests.adapters.HTTPAdapter:
    """An HTTPAdapter whose connections dial the resolver's address for mapped hosts."""

    class Conn(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _dial_override(self, resolver, HTTPConnection._new_conn)

    class TLSConn(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _dial_override(self, resolver, HTTPSConnection._new_conn)

    class Pool(HTTPConnectionPool):
        ConnectionCls = Conn

    class TLSPool(HTTPSConnectionPool):
        ConnectionCls = TLSConn

    class Adapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kw: Any) -> None:
            super().init_poolmanager(*args, **kw)
            self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": TLSPool}

    return Adapter(**kwargs)
