"""A generated province for the cluster benchmark: 20,000 sites, their webroots and logs.

The demo city's 900 web assets are copied into kabupaten/kota ``k00`` .. ``k22`` (hosts
``<label>.kNN.kotademo.example``, asset ids ``kNN-<id>``, hosting servers ``kNN-srv-webMM``)
until there are `sites` of them; every copy keeps its profile, so each kabupaten has its
own web shell, cloaking, defacement ... sites. Written once under a folder and reused:

  sites.pickle         the DemoSite list (what the loopback server serves)
  inventory.csv        one row per site (the demo's columns)
  www/<server>/<host>/ webroots of `webroot_sites` sites (every compromised copy, then an
                       even spread): the demo's files plus a few plain PHP files each
  logs/<server>/access-N.log  combined logs of `log_mb` in total, in files of `log_file_mb`,
                       with SQL injection, scanner user agents and known-bad IPs mixed in

``serve(folder, port_file)`` runs ``DemoWebServer`` on the sites (in its own process).
"""

from __future__ import annotations

import pickle
import random
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from csirt_kit.demo import build_city
from csirt_kit.demo.inventory import site_row, write_csv
from csirt_kit.demo.names import DOMAIN
from csirt_kit.demo.sites import DemoSite
from csirt_kit.demo.webroots import site_files
from csirt_kit.models import EventRef, Indicator

BAD_IPS = tuple(f"192.0.2.{i}" for i in range(100, 160))
DISTINCT_LOGS = 8  # distinct generated log files; the others are copies (same cost to scan)


@dataclass(frozen=True)
class Province:
    """Paths and sizes of a generated province."""

    root: Path
    sites: tuple[DemoSite, ...]
    inventory_csv: Path
    webroots: tuple[tuple[str, str], ...]  # (folder, asset id), compromised sites first
    logs: tuple[tuple[str, str], ...]  # (file, asset id)

    @property
    def server_roots(self) -> list[str]:
        """The hosting servers' folders that hold the webroots (one root per server)."""
        return sorted({str(Path(r).parent) for r, _ in self.webroots})

    @property
    def active_urls(self) -> list[str]:
        """Home page URLs of the active sites."""
        return [s.url for s in self.sites if s.status == "active"]


def province_sites(city_sites: tuple[DemoSite, ...], count: int) -> list[DemoSite]:
    """`count` sites: the city's web assets again and again, one copy per kabupaten."""
    out: list[DemoSite] = []
    k = 0
    while len(out) < count:
        tag = f"k{k:02d}"
        for s in city_sites:
            label = s.host[: -len(DOMAIN) - 1]
            out.append(replace(s, asset_id=f"{tag}-{s.asset_id}", host=f"{label}.{tag}.{DOMAIN}",
                               server=f"{tag}-{s.server}"))
        k += 1
    return out[:count]


def indicators(count: int = 5000) -> list[Indicator]:
    """IP indicators: the planted bad IPs and `count` others that never occur."""
    ref = EventRef("e-bench", "province bench", "2026-11-20", "2")
    ips = list(BAD_IPS) + [f"198.18.{i // 250}.{i % 250 + 1}" for i in range(count)]
    return [Indicator("bench", "ip-src", ip, ref) for ip in ips]


def _log_file(path: Path, size: int, seed: int) -> None:
    rnd = random.Random(seed)
    uas = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36",
           "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/129.0 Mobile Safari/537.36")
    attacks = ("/index.php?id=1%20union%20select%20user,pass%20from%20users",
               "/../../../../etc/passwd", "/wp-content/uploads/2026/11/wp-cache.php?cmd=id")
    written = 0
    i = 0
    with open(path, "w", encoding="ascii") as fh:
        while written < size:
            lines = []
            for _ in range(2000):
                ip = f"100.{64 + rnd.randrange(32)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
                req = f"/berita/{rnd.randrange(10**6)}.html"
                ua = uas[i & 1]
                roll = rnd.random()
                if roll < 0.0005:
                    req = attacks[rnd.randrange(len(attacks))]
                elif roll < 0.001:
                    ip = BAD_IPS[rnd.randrange(len(BAD_IPS))]
                elif roll < 0.0012:
                    ua = "sqlmap/1.7.11#stable (https://sqlmap.org)"
                t = i // 40
                lines.append(f'{ip} - - [{16 + t // 86400 % 7}/Nov/2026:{t // 3600 % 24:02d}:'
                             f'{t // 60 % 60:02d}:{t % 60:02d} +0700] "GET {req} HTTP/1.1" 200 '
                             f'{rnd.randrange(99999)} "-" "{ua}"\n')
                i += 1
            block = "".join(lines)
            fh.write(block)
            written += len(block)


def _webroot(folder: Path, site: DemoSite, rnd: random.Random) -> None:
    files = site_files(site)
    for n in range(4):
        body = "".join(f"$v{j} = '{rnd.random():.6f}'; echo htmlspecialchars($v{j});\n"
                       for j in range(rnd.randint(20, 300)))
        files[f"inc/lib{n}.php"] = f"<?php\n{body}?>\n"
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def make_province(root: Path, sites: int = 20000, webroot_sites: int = 4000, log_mb: int = 1024,
                  log_file_mb: int = 16) -> Province:
    """Generate (or reuse) a province under root."""
    root.mkdir(parents=True, exist_ok=True)
    pick = root / "sites.pickle"
    if pick.exists():
        all_sites = pickle.loads(pick.read_bytes())
    else:
        city = build_city(root / "city")
        all_sites = province_sites(city.sites, sites)
        pick.write_bytes(pickle.dumps(all_sites))
    all_sites = all_sites[:sites]
    inv = root / "inventory.csv"
    if not inv.exists():
        write_csv(inv, [site_row(s) for s in all_sites])
    # Webroots of every compromised site, then an even spread of the others.
    from csirt_kit.demo.server import COMPROMISED

    bad = [s for s in all_sites if s.profile in COMPROMISED]
    step = max(1, len(all_sites) // max(1, webroot_sites))
    chosen = (bad + [s for s in all_sites[::step] if s.profile not in COMPROMISED])[:webroot_sites]
    www = root / "www"
    done_mark = www / f".done-{len(chosen)}"
    rnd = random.Random(7)
    webroots = []
    for s in chosen:
        folder = www / s.server / s.host
        if not done_mark.exists():
            _webroot(folder, s, rnd)
        webroots.append((str(folder), s.asset_id))
    done_mark.touch()
    logs: list[tuple[str, str]] = []
    nfiles = max(1, log_mb // log_file_mb)
    for n in range(nfiles):
        s = all_sites[(n * 7919) % len(all_sites)]
        path = root / "logs" / s.server / f"access-{n}.log"
        if not path.exists() or path.stat().st_size < log_file_mb << 20:
            path.parent.mkdir(parents=True, exist_ok=True)
            if n < DISTINCT_LOGS:
                _log_file(path, log_file_mb << 20, seed=n)
            else:
                shutil.copyfile(logs[n % DISTINCT_LOGS][0], path)
        logs.append((str(path), s.asset_id))
    return Province(root, tuple(all_sites), inv, tuple(webroots), tuple(logs))


def serve(root: Path, port_file: Path, sites: int) -> None:
    """Serve the province's sites on loopback until killed; write the port to port_file."""
    import threading

    from csirt_kit.demo.server import DemoWebServer

    class _City:
        def __init__(self, s: tuple[DemoSite, ...]) -> None:
            self.sites = s

    all_sites = pickle.loads((root / "sites.pickle").read_bytes())[:sites]
    server = DemoWebServer(_City(tuple(all_sites)))  # type: ignore[arg-type]
    _, port = server.start()
    port_file.write_text(str(port))
    threading.Event().wait()
