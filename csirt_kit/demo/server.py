"""A loopback web server that serves every demo site as a virtual host chosen by Host.

Compromised sites behave as they do in the wild: judi online spam only for Googlebot
and for visitors from Google (cloaking), a redirect for mobile visitors from Google, a
hijacked site redirecting everyone, a defaced home page, a skimmer script, a miner tag,
a reachable web-shell login page, a doorway sitemap and a planted verification file.
Every other request gets the same ordinary page. ``set_compromised(False)`` serves the
city as it was before the attacks (all compromised sites clean), so a baseline scan
followed by ``set_compromised(True)`` and a rescan shows changes such as defacements.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from csirt_kit.demo import content as c
from csirt_kit.demo.sites import DemoSite

if TYPE_CHECKING:
    from csirt_kit.demo.city import DemoCity

HTML = "text/html; charset=utf-8"
# Profiles of compromised sites; before the compromise they serve as clean sites do.
COMPROMISED = frozenset({"webshell", "cloaking", "mobile-redirect", "redirect", "defaced", "skimmer",
                         "miner", "doorway"})
_DEFAULT_ROBOTS = "User-agent: *\nDisallow: /wp-admin/\n"
_SUB_PAGES = {"/profil/": "Profil", "/berita/": "Berita", "/kontak/": "Kontak"}
_MOBILE = ("android", "iphone", "mobile")


@dataclass(frozen=True)
class Reply:
    """Status, headers and body of one answer."""

    status: int
    body: str = ""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)


def _from_google(referer: str) -> bool:
    host = (urlsplit(referer).hostname or "").lower()
    return host == "google.com" or ".google." in f".{host}" or host.startswith("google.")


def route(site: DemoSite | None, path: str, user_agent: str = "", referer: str = "") -> Reply:
    """What the demo server answers for one request (a pure function, easy to test)."""
    if site is None:
        return Reply(404, "<h1>404 Not Found</h1><p>No site with that name here.</p>\n")
    path = urlsplit(path).path or "/"
    ua = user_agent.lower()
    profile = site.profile
    if profile == "suspended":
        # Most suspended accounts answer 503 from the panel, some are simply gone.
        if int(hashlib.sha256(site.asset_id.encode()).hexdigest()[:2], 16) % 3:
            return Reply(503, c.suspended_page(site), headers={"Retry-After": "86400"})
        return Reply(404, "<h1>404 Not Found</h1>\n")
    if profile == "redirect":
        return Reply(301, headers={"Location": f"https://{c.GAMBLING_DOMAINS[1]}/"})
    home = path in ("/", "/index.php", "/index.html")
    if profile == "mobile-redirect" and _from_google(referer) and any(m in ua for m in _MOBILE):
        return Reply(302, headers={"Location": f"https://{c.GAMBLING_DOMAINS[0]}/daftar"})
    if profile == "cloaking" and home and ("googlebot" in ua or _from_google(referer)):
        return Reply(200, c.spam_page(site))
    if home:
        return Reply(200, c.index_html(site))
    if path in _SUB_PAGES:
        return Reply(200, c.sub_page(site, _SUB_PAGES[path]))
    if path == "/assets/css/style.css":
        return Reply(200, c.STYLE_CSS, "text/css")
    if path == "/assets/js/app.js":
        return Reply(200, c.APP_JS, "application/javascript")
    return _special(site, path)


def _special(site: DemoSite, path: str) -> Reply:
    profile = site.profile
    if profile == "webshell" and path == f"/{c.SHELL_PATH}":
        return Reply(200, c.webshell_page())
    if profile == "skimmer" and path == f"/{c.SKIMMER_PATH}":
        return Reply(200, c.skimmer_js(), "application/javascript")
    if profile == "doorway":
        if path == "/robots.txt":
            return Reply(200, c.robots_txt(site), "text/plain")
        if path == "/sitemap.xml":
            return Reply(200, c.sitemap_xml(site), "application/xml")
        if path == f"/{c.verification_name(site)}":
            return Reply(200, c.verification_file(site))
        slug = path.strip("/")
        if slug in c.GAMBLING_SLUGS:
            return Reply(200, c.doorway_page(site, slug))
    if path == "/robots.txt":
        return Reply(200, _DEFAULT_ROBOTS, "text/plain")
    return Reply(404, "<h1>404 Not Found</h1>\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The scanners open up to scan.web.workers connections at once; the default listen
    # backlog of 5 drops SYNs under load and a client then waits seconds for a retransmit.
    request_queue_size = 256
    sites: dict[str, DemoSite]
    latency: float
    requests: int
    compromised: bool

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet: scanners close connections early (byte caps, timeouts) by design."""


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # small replies would otherwise wait ~40 ms for an ACK
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        self._answer(send_body=True)

    def _answer(self, send_body: bool) -> None:
        self.server.requests += 1
        if self.server.latency:
            time.sleep(self.server.latency)
        host = (self.headers.get("Host") or "").split(":")[0].lower().rstrip(".")
        site = self.server.sites.get(host)
        if site is not None and not self.server.compromised and site.profile in COMPROMISED:
            site = replace(site, profile="clean")
        reply = route(site, self.path, self.headers.get("User-Agent", ""),
                      self.headers.get("Referer", ""))
        body = reply.body.encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the demo server never writes to stderr."""


class DemoWebServer:
    """Serve the demo city's sites on 127.0.0.1 (random free port) from a daemon thread."""

    def __init__(self, city: DemoCity, latency: float = 0.0, compromised: bool = True) -> None:
        self._sites = {site.host: site for site in city.sites}
        self._latency = latency
        self._compromised = compromised
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) while running."""
        if self._server is None:
            raise RuntimeError("the demo web server is not running")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def requests(self) -> int:
        """How many requests were answered so far."""
        return self._server.requests if self._server else 0

    def set_compromised(self, compromised: bool) -> None:
        """Serve the city after (True, the default) or before (False) the attacks."""
        self._compromised = compromised
        if self._server is not None:
            self._server.compromised = compromised

    def start(self) -> tuple[str, int]:
        """Bind 127.0.0.1 on a free port, serve in a daemon thread, return (host, port)."""
        if self._server is not None:
            return self.address
        server = _Server(("127.0.0.1", 0), _Handler)
        server.sites = self._sites
        server.latency = self._latency
        server.requests = 0
        server.compromised = self._compromised
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="csirt-demo-web", daemon=True)
        self._thread.start()
        return self.address

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> DemoWebServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
