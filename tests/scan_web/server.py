"""A loopback web server with many virtual hosts, chosen by the Host header.

Each site is a dict path -> Route. Routes can cloak for crawlers, redirect, loop
forever, send oversized bodies, hang (bounded), or answer 500. Every request is logged
with its host, path, user agent and start/end times so tests can check politeness.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b"<html><head><title>OK</title></head><body>ok</body></html>"
    status: int = 200
    crawler_body: bytes | None = None  # served when the User-Agent says Googlebot
    crawler_status: int | None = None  # status for Googlebot (default: status)
    location: str = ""
    hang: float = 0.0  # seconds to wait before answering (bounded)
    delay: float = 0.0  # answer after this long (benchmarks: 200 ms)
    content_type: str = "text/html; charset=utf-8"
    dynamic: Callable[[str], tuple[int, dict[str, str], bytes]] | None = None


@dataclass
class Hit:
    """One request as the server saw it."""

    host: str
    path: str
    ua: str
    start: float
    end: float = 0.0


@dataclass
class Sites:
    """Virtual hosts and the request log."""

    hosts: dict[str, dict[str, Route]] = field(default_factory=dict)
    default: Callable[[str, str], Route | None] | None = None
    log: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def route(self, host: str, path: str) -> Route | None:
        site = self.hosts.get(host)
        if site is not None and path in site:
            return site[path]
        return self.default(host, path) if self.default else None


def make_handler(sites: Sites) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else header and body segments wait on delayed ACKs

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            hit = Hit(host, self.path, self.headers.get("User-Agent", ""), time.monotonic())
            with sites.lock:
                sites.log.append(hit)
            self._hit = hit
            try:
                self._answer(host, hit)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                hit.end = hit.end or time.monotonic()

        def _answer(self, host: str, hit: Hit) -> None:
            route = sites.route(host, self.path)
            if route is None:
                self._send(404, {}, b"not found")
                return
            if route.hang:
                time.sleep(route.hang)
                self.close_connection = True
                return
            if route.delay:
                time.sleep(route.delay)
            if route.dynamic:
                status, headers, body = route.dynamic(self.path)
                self._send(status, headers, body)
                return
            headers = {"Content-Type": route.content_type}
            if route.location:
                headers["Location"] = route.location
            body, status = route.body, route.status
            if "Googlebot" in hit.ua:
                body = route.body if route.crawler_body is None else route.crawler_body
                status = route.status if route.crawler_status is None else route.crawler_status
            self._send(status, headers, body)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            # Stamped before sending: the client cannot send its next request earlier.
            self._hit.end = time.monotonic()
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    # The scanners open up to scan.web.workers connections at once; the default listen
    # backlog of 5 drops SYNs under load and a client then waits seconds for a retransmit.
    request_queue_size = 256
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up early (byte caps, timeouts) are expected here


class LoopbackServer:
    """ThreadingHTTPServer on 127.0.0.1 (random port) in a daemon thread."""

    def __init__(self, sites: Sites, tls_context: object | None = None) -> None:
        self.sites = sites
        self.httpd = _QuietServer(("127.0.0.1", 0), make_handler(sites))
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 1024
        if tls_context is not None:
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket, server_side=True)  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
