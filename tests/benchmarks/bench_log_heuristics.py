"""Benchmark: the log heuristics' overhead on a large access log, side by side with the peer.

Run from the repository root:

    /work/venv/bin/python tests/benchmarks/bench_log_heuristics.py [--size-mb 1024]
        [--dir /tmp/csirt-bench-heuristics] [--runs 1]

Generates (once, reused) a combined-format log of about --size-mb under --dir (never in the
repository): a city site's traffic over 28 days with 3% POSTs (logins, admin-ajax, forms),
12% search-crawler User-Agents (some from addresses that are not the engine's), a daily
sitemap, and a few planted attacks (a web shell, POSTs to uploads, gambling slugs, a
sitemap burst). Then, each in its own process, in one run:
  grep      `grep -c -F -f needles` with the heuristics' pre-filter strings (POST, the crawler
            tokens, sitemap, the gambling terms): the peer, a C pre-filter that only counts lines
  scan      csirt-kit's scan_log_file with the bundled log rules and 10,000 indicators,
            heuristics off (the scan as it was)
  scan+h    the same with the heuristics on (verify_crawlers = off: DNS is not timed here)
  h only    the heuristics alone (no rules, no indicators)
Prints wall seconds, CPU seconds (user+system of the child), MB/s and peak RSS per process,
the heuristics' overhead (scan+h vs scan), and the load average before each step.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
BROWSERS = [f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{v}.0.0.0 Safari/537.36" for v in range(100, 131)]
PAGES = ["/", "/berita/", "/profil/", "/kontak/", "/pengumuman/", "/layanan/", "/assets/js/app.js",
         "/assets/css/style.css", "/wp-content/uploads/2026/11/foto.jpg", "/index.php?p=12",
         "/wp-content/themes/kota/style.css", "/favicon.ico", "/berita/kegiatan-walikota/"]
POSTS = ["/wp-login.php", "/wp-admin/admin-ajax.php", "/index.php", "/kontak/kirim.php"]
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _ip(rng: random.Random) -> str:
    return f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _stamp(minute: int) -> str:
    day, rest = divmod(minute, 1440)
    return f"{1 + day:02d}/Nov/2026:{rest // 60:02d}:{rest % 60:02d}:00 +0700"


def make_log(path: Path, size_mb: int, rng: random.Random) -> None:
    """A combined log of about size_mb MB over 28 days, in time order, attacks planted."""
    ips = [_ip(rng) for _ in range(50_000)]
    google = [f"66.249.{rng.randrange(64, 80)}.{rng.randrange(1, 255)}" for _ in range(300)]
    fakes = [_ip(rng) for _ in range(40)]
    target = size_mb << 20
    total_minutes = 28 * 1440
    est_lines = target // 230
    per_minute = max(1, est_lines // total_minutes)
    written = 0
    with open(path, "w", encoding="utf-8") as fh:
        for minute in range(total_minutes):
            if written >= target:
                break
            when = _stamp(minute)
            lines = []
            for _ in range(per_minute):
                roll = rng.random()
                ip, ua, status = rng.choice(ips), rng.choice(BROWSERS), rng.choice((200, 200, 200, 304, 404))
                req = f"GET {rng.choice(PAGES)}"
                if roll < 0.03:
                    req, status = f"POST {rng.choice(POSTS)}", rng.choice((200, 302))
                elif roll < 0.13:
                    ip, ua = rng.choice(google), GOOGLEBOT
                elif roll < 0.145:
                    ip, ua = rng.choice(fakes), rng.choice((GOOGLEBOT, BINGBOT))
                ref = "https://www.google.com/" if rng.random() < 0.3 else "-"
                lines.append(f'{ip} - - [{when}] "{req} HTTP/1.1" {status} {rng.randrange(100, 90000)} '
                             f'"{ref}" "{ua}"\n')
            if minute % 1440 == 300:
                lines.append(f'{google[0]} - - [{when}] "GET /sitemap.xml HTTP/1.1" 200 4000 "-" "{GOOGLEBOT}"\n')
            if minute == 20 * 1440:  # the attack day
                shell = "/wp-content/uploads/2026/11/cache.php"
                lines += [f'45.13.7.30 - - [{when}] "POST {shell} HTTP/1.1" 200 90 "-" "{BROWSERS[0]}"\n'] * 6
                lines += [f'{google[1]} - - [{when}] "GET /slot-gacor-maxwin-{i}/ HTTP/1.1" 200 9000 "-" '
                          f'"{GOOGLEBOT}"\n' for i in range(20)]
                lines += [f'{google[2]} - - [{when}] "GET /sitemap-judi{i % 5}.xml HTTP/1.1" 200 9000 "-" '
                          f'"{GOOGLEBOT}"\n' for i in range(40)]
            block = "".join(lines)
            fh.write(block)
            written += len(block)


def needles() -> list[str]:
    """The strings the heuristics' chunk pass searches for, as grep patterns."""
    from csirt_kit.judol.vocab import load_vocabulary
    from csirt_kit.scan.logs.crawlers import TOKENS
    from csirt_kit.scan.logs.heuristics import prefilter_terms

    return ['"POST', "sitemap", *(t.decode() for t, _ in TOKENS), *prefilter_terms(load_vocabulary(None))]


def indicators(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """IPs, domains and user agents, a few of which are in the log."""
    out = []
    for i in range(n):
        r = i % 10
        if r < 6:
            out.append(("ip-src", _ip(rng)))
        elif r < 9:
            out.append(("domain", f"bad{i}.example"))
        else:
            out.append(("user-agent", f"EvilBot/{i}"))
    return out


def run_child(mode: str, log: str, ind_file: str) -> None:
    """Child process: one scan, one JSON line."""
    from csirt_kit.models import EventRef, Indicator
    from csirt_kit.scan.logs.crawlers import CrawlerCheck
    from csirt_kit.scan.logs.heuristics import heuristic_settings
    from csirt_kit.scan.logs.iocs import IocMatcher
    from csirt_kit.scan.logs.scanner import LogSettings, scan_log_file
    from csirt_kit.scan.rules import load_rules

    started = time.monotonic()
    h = heuristic_settings(None)
    from dataclasses import replace

    h = replace(h, enabled=mode != "scan", crawlers=CrawlerCheck(mode="off"))
    rules = matcher = None
    if mode in ("scan", "scan+h"):
        rules = load_rules(None, scopes=("logs",))
        ev = EventRef("bench", "bench", "2026-11-01", "2")
        matcher = IocMatcher(Indicator("bench", t, v, ev) for t, v in json.loads(Path(ind_file).read_text()))
    report = scan_log_file(log, rules=rules, matcher=matcher, settings=LogSettings(heuristics=h))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    kinds: dict[str, int] = {}
    for f in report.findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    print(json.dumps({"seconds": time.monotonic() - started, "cpu": usage.ru_utime + usage.ru_stime,
                      "rss_mb": usage.ru_maxrss // 1024, "kinds": kinds,
                      "candidate_lines": report.stats.get("heuristic_lines", 0),
                      "errors": [e.to_dict() for e in report.errors]}))


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user+system) of the child, its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed: {out.stderr[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--dir", default="/tmp/csirt-bench-heuristics")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--indicators", type=int, default=10_000)
    parser.add_argument("--child", nargs=3, default=None)
    args = parser.parse_args()
    if args.child:
        run_child(*args.child)
        return
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"access-{args.size_mb}mb.log"
    if not log.exists():
        t = time.monotonic()
        make_log(log, args.size_mb, random.Random(11))
        print(f"generated {log} in {time.monotonic() - t:.0f}s", file=sys.stderr)
    ind_file = folder / f"indicators-{args.indicators}.json"
    ind_file.write_text(json.dumps(indicators(args.indicators, random.Random(3))))
    pat_file = folder / "needles.txt"
    pat_file.write_text("".join(n + "\n" for n in needles()))
    mb = log.stat().st_size / (1 << 20)
    subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    print(f"log {mb:.0f} MB, {sum(1 for _ in pat_file.open())} needles, {args.indicators} indicators")
    for run in range(args.runs):
        results: dict[str, tuple[float, float]] = {}
        for mode in ("grep", "scan", "scan+h", "h only"):
            load = os.getloadavg()[0]
            if mode == "grep":
                wall, cpu, out = measure(["grep", "-c", "-F", "-f", str(pat_file), str(log)])
                extra = f"lines hit {out}"
            else:
                wall, cpu, out = measure([sys.executable, __file__, "--child", mode, str(log), str(ind_file)])
                doc = json.loads(out.splitlines()[-1])
                extra = (f"RSS {doc['rss_mb']} MB, candidate lines {doc['candidate_lines']}, "
                         f"findings {doc['kinds']}{', errors ' + str(doc['errors']) if doc['errors'] else ''}")
            results[mode] = (wall, cpu)
            print(f"run {run + 1} {mode:7s}: wall {wall:6.1f}s ({mb / wall:6.1f} MB/s)  CPU {cpu:6.1f}s "
                  f"({mb / max(cpu, 1e-9):6.1f} MB/CPU-s)  load {load:.1f}  {extra}")
        s, h = results["scan"], results["scan+h"]
        print(f"run {run + 1} heuristics overhead: wall +{(h[0] / s[0] - 1) * 100:.0f}%, "
              f"CPU +{(h[1] / s[1] - 1) * 100:.0f}%; heuristics alone vs grep: "
              f"CPU {results['h only'][1] / max(results['grep'][1], 1e-9):.1f}x grep's")


if __name__ == "__main__":
    main()
