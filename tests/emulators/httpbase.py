"""A small loopback HTTP server base for emulators: request log, fault injection, outages."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.emulators.httpwire import MAX_BODY, Part, Reply, Request, parse_body, parse_multipart

__all__ = ["Fault", "LoopbackServer", "Part", "Reply", "Request", "parse_body", "parse_multipart"]

# A fault applies before the route runs ("before"), after it ran and stored its effect ("after"),
# or changes only the transport. Status faults answer with the given status and a JSON error body.
STATUS_FAULTS: dict[str, tuple[int, str, str]] = {
    "500-before": (500, "InternalError", "Injected fault: internal error"),
    "500": (500, "InternalError", "Injected fault: internal error"),
    "502": (502, "BadGateway", "Injected fault: bad gateway"),
    "504": (504, "GatewayTimeout", "Injected fault: gateway timeout"),
    "429": (429, "TooManyRequests", "Injected fault: too many requests"),
    "503": (503, "ServiceUnavailable", "Injected fault: service unavailable"),
    "401": (401, "AuthenticationError", "Authentication failure"),
    "403": (403, "AuthorizationError", "Your profile does not allow this operation"),
    "404": (404, "NotFoundError", "Injected fault: not found"),
    "400": (400, "BadRequest", "Injected fault: bad request"),
    "400-duplicate": (400, "CreateError", "Observable already exists"),
}
BEFORE_MODES = {*STATUS_FAULTS, "502-html", "hang", "close", "reset", "refuse"}
AFTER_MODES = {"500-after", "non-json", "null", "close-after", "hang-after", "empty", "truncate"}
FAULT_MODES = BEFORE_MODES | AFTER_MODES


@dataclass
class Fault:
    """An injected fault: applies to the next `times` matching requests (None: all of them)."""

    method: str | None
    pattern: re.Pattern[str]
    mode: str
    times: int | None
    options: dict[str, Any] = field(default_factory=dict)
    when: Callable[[Request], bool] | None = None
    hits: int = 0

    def matches(self, request: Request) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method not in (None, "*") and self.method.upper() != request.method:
            return False
        if not self.pattern.fullmatch(request.path):
            return False
        return self.when is None or self.when(request)

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times


class _Server(ThreadingHTTPServer):
    # The scanners open up to scan.web.workers connections at once; the default listen
    # backlog of 5 drops SYNs under load and a client then waits seconds for a retransmit.
    request_queue_size = 256
    daemon_threads = True
    allow_reuse_address = True
    owner: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away is normal here; anything else is kept for the test to see."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            self.owner.errors.append(exc)  # type: ignore[arg-type]
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # without it each request waits ~40 ms for a delayed ACK
    wbufsize = 64 * 1024  # headers and body leave in one write
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        owner = self.server.owner
        owner._track(self.connection, add=True)
        try:
            super().handle()
        except (ConnectionError, OSError):
            pass
        finally:
            owner._track(self.connection, add=False)

    def _serve(self) -> None:
        owner = self.server.owner
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raw = self._read_chunked()
        else:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(min(length, MAX_BODY)) if length else b""
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=unquote(split.path),
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=dict(self.headers.items()),
            body=parse_body(raw, self.headers.get("Content-Type", "")),
            raw=raw,
        )
        reply = owner._process(request)
        if reply is None or owner._stopping.is_set():
            self._drop(reset=reply is None and owner._last_reset())
            return
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        for key, value in reply.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.cut:
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.close_connection = True
        elif self.command != "HEAD":
            self.wfile.write(reply.body)
        self.wfile.flush()

    def _read_chunked(self) -> bytes:
        """A chunked request body (requests sends one for generator bodies)."""
        chunks: list[bytes] = []
        total = 0
        while total <= MAX_BODY:
            size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailer headers
                break
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)
            total += size
        return b"".join(chunks)

    def _drop(self, reset: bool) -> None:
        """Close the connection without any response (optionally with a TCP reset)."""
        self.close_connection = True
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class LoopbackServer:
    """Base for emulators: subclasses implement `dispatch(request) -> Reply`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.errors: list[BaseException] = []  # emulator bugs (answered as 500); tests may assert none
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._reset_flag = threading.local()
        self._life = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> LoopbackServer:
        """Listen on 127.0.0.1 (the same port as before after a stop)."""
        with self._life:
            if self._server is None:
                self._listen()
        return self

    def _listen(self) -> None:
        self._stopping.clear()
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.owner = self
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and drop open connections: new connections are refused."""
        with self._life:
            server, self._server = self._server, None
            if server is not None:
                self._shutdown(server)

    def _shutdown(self, server: _Server) -> None:
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self.lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self.lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # -- log and faults --------------------------------------------------------------------
    def count(self, method: str, path: str, prefix: bool = False) -> int:
        """How many requests had this method and path (exact, or a path prefix)."""
        with self.lock:
            return sum(
                1
                for r in self.requests
                if r.method == method.upper() and (r.path.startswith(path) if prefix else r.path == path)
            )

    def requests_to(self, method: str, path: str, prefix: bool = False) -> list[Request]:
        """The logged requests with this method and path."""
        with self.lock:
            return [
                r
                for r in self.requests
                if r.method == method.upper() and (r.path.startswith(path) if prefix else r.path == path)
            ]

    def fault(
        self,
        method: str | None,
        path_regex: str,
        mode: str,
        times: int | None = 1,
        when: Callable[[Request], bool] | None = None,
        **options: Any,
    ) -> Fault:
        """Inject a fault for requests whose path fully matches path_regex (method None/"*": any)."""
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}; known: {sorted(FAULT_MODES)}")
        fault = Fault(method, re.compile(path_regex), mode, times, dict(options), when)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def _take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(request):
                    fault.hits += 1
                    return fault
        return None

    def _last_reset(self) -> bool:
        return bool(getattr(self._reset_flag, "value", False))

    def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; False when the server is stopping meanwhile."""
        return not self._stopping.wait(max(0.0, float(seconds)))

    def _process(self, request: Request) -> Reply | None:
        """Log, apply faults, dispatch. None means: drop the connection without an answer."""
        self._reset_flag.value = False
        fault = self._take_fault(request)
        mode = fault.mode if fault else ""
        opts = fault.options if fault else {}
        if mode != "refuse":  # a refused request never reached the server
            with self.lock:
                self.requests.append(request)
        if mode in ("close", "reset", "refuse"):
            self._reset_flag.value = mode != "close"
            return None
        if mode == "hang" and not self._wait(opts.get("seconds", 5.0)):
            return None
        if mode == "502-html":
            body = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
            return Reply(502, body, "text/html")
        if mode in STATUS_FAULTS:
            return self.status_fault(mode, opts)
        try:
            reply = self.dispatch(request)
        except Exception as exc:  # a bug in the emulator must still answer like a server
            with self.lock:
                self.errors.append(exc)
            reply = Reply.json(500, {"type": type(exc).__name__, "message": str(exc)})
        if mode == "500-after":
            return Reply.json(500, {"type": "InternalError", "message": "Injected fault after the write"})
        # a body needs a status that may carry one: 204 (and any error) becomes 200
        ok_status = reply.status if reply.status < 300 and reply.status != 204 else 200
        if mode == "non-json":
            return Reply(ok_status, b"not json{", "text/plain")
        if mode == "null":
            return Reply(ok_status, b"null")
        if mode == "empty":
            return Reply(reply.status if reply.status < 300 else 200, b"", None)
        if mode == "truncate":
            return dataclasses.replace(reply, status=ok_status, body=reply.body or b"{}", cut=True)
        if mode == "close-after":
            return None
        if mode == "hang-after" and not self._wait(opts.get("seconds", 5.0)):
            return None
        return reply

    def status_fault(self, mode: str, opts: dict[str, Any]) -> Reply:
        """The reply of a status fault (options: status, type, message, retry_after)."""
        status, kind, message = STATUS_FAULTS[mode]
        status = int(opts.get("status", status))
        body: dict[str, Any] = {"type": opts.get("type", kind), "message": opts.get("message", message)}
        headers: tuple[tuple[str, str], ...] = ()
        if mode in ("503", "429"):
            headers = (("Retry-After", str(opts.get("retry_after", opts.get("seconds", 1)))),)
        return Reply(status, json.dumps(body).encode(), "application/json", headers)

    def dispatch(self, request: Request) -> Reply:  # pragma: no cover - overridden
        raise NotImplementedError

    def iter_requests(self) -> Iterator[Request]:
        with self.lock:
            yield from list(self.requests)
