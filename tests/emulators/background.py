"""An HTTP server on 127.0.0.1 served from a daemon thread: the start/stop every small emulator needs."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True  # receivers restart on their own port after a simulated outage
    daemon_threads = True
    # Clients open many connections at once; the default listen backlog of 5 drops SYNs
    # under load and a client then waits seconds for a retransmit.
    request_queue_size = 256


class BackgroundHTTP:
    """Base of the loopback emulators: serve(handler) starts, stop() (or leaving `with`) stops."""

    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> Self:
        """Build the handler and call serve(); each emulator defines it."""
        raise NotImplementedError

    def serve(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        """Listen on 127.0.0.1:port (0: any free port) and serve from a daemon thread."""
        server = _Server(("127.0.0.1", port), handler)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def bound_port(self) -> int:
        """The port the server listens on."""
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    def stop(self) -> None:
        """Stop serving and close the socket (a no-op when not started)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
