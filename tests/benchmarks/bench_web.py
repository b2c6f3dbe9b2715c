"""Benchmark: `scan web` of N sites on a loopback server that answers each request after a delay.

Run from the repository root:

    /work/venv/bin/python tests/benchmarks/bench_web.py [--sites 900] [--delay 0.2]
        [--scripts 1] [--links 1] [--workers 0]

The server runs in its own process (as a real site would) and serves every
``siteN.bench.test`` virtual host on one port; the scan reaches it through the
``scan.web.resolve`` host override. Each page carries ``--scripts`` same-origin scripts
and ``--links`` same-origin links, so a site costs 2 (browser + Googlebot) + scripts +
links requests, each delayed. Default settings otherwise (``--workers 0``). The bundled
web rules are loaded. Prints elapsed time, requests/s and the scan's error count; the
target is under 30 s for 900 sites at 200 ms.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def serve(port_file: str, delay: float, scripts: int, links: int) -> None:
    """Serve every host until killed; write the port to port_file."""
    from tests.scan_web.server import LoopbackServer, Route, Sites

    def route(host: str, path: str) -> Route | None:
        if path == "/":
            head = "".join(f"<script src='/s{i}.js'></script>" for i in range(scripts))
            body = "".join(f"<a href='/p{i}'>p{i}</a>" for i in range(links))
            html = f"<html><head><title>{host}</title>{head}</head><body>Laman {host}. {body}</body></html>"
            return Route(body=html.encode(), delay=delay)
        return Route(body=b"var x = 1;" if path.endswith(".js") else b"<html>sub</html>", delay=delay)

    with LoopbackServer(Sites(default=route)) as server:
        Path(port_file).write_text(str(server.port))
        while True:
            time.sleep(3600)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=900)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--scripts", type=int, default=1)
    parser.add_argument("--links", type=int, default=1)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--serve", default="")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.delay, args.scripts, args.links)
        return

    from csirt_kit.config import load_config
    from csirt_kit.models import Asset
    from csirt_kit.scan.rules import load_rules
    from csirt_kit.scan.web import scan_web
    from csirt_kit.store.assets import upsert_assets
    from csirt_kit.store.db import open_store

    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    port_file = tmp / "port"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file), "--delay",
                               str(args.delay), "--scripts", str(args.scripts), "--links", str(args.links)])
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.1)
        port = int(port_file.read_text())
        workers = f"workers = {args.workers}\n" if args.workers else ""
        (tmp / "config.toml").write_text(
            f'[store]\npath = "{tmp / "bench.db"}"\n[scan.web]\n{workers}'
            f'resolve = {{"*.bench.test" = "127.0.0.1:{port}"}}\n')
        os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")
        config = load_config(str(tmp / "config.toml"), env={})
        store = open_store(str(tmp / "bench.db"))
        with store.write() as conn:
            upsert_assets(conn, [Asset(id=f"site{i}", name=f"site{i}", kind="website",
                                       urls=(f"http://site{i}.bench.test/",)) for i in range(args.sites)],
                          "bench", "2026-01-01T00:00:00Z")
        rules = load_rules(config, scopes=("web",))
        started = time.monotonic()
        report = scan_web(store, config, rules)
        elapsed = time.monotonic() - started
        reqs = report.stats["requests"]
        print(f"sites={args.sites} delay={args.delay}s scripts={args.scripts} links={args.links} "
              f"rules={rules.rule_count} requests={reqs} errors={len(report.errors)} "
              f"findings={len(report.findings)}")
        print(f"elapsed={elapsed:.1f}s  requests/s={reqs / elapsed:.0f}  "
              f"ideal-serial-per-site={(reqs / max(args.sites, 1)) * args.delay:.1f}s")
        if report.errors:
            print("first errors:", [e.to_dict() for e in report.errors[:3]])
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
