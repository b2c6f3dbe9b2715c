"""Benchmark: IoC matching in a large combined-format log, csirt-kit vs `grep -F -f`.

Run from the repository root:

    /work/venv/bin/python tests/benchmarks/bench_logs.py [--size-mb 1024] [--indicators 100000]
        [--dir /tmp/csirt-bench-logs] [--runs 1]

Generates (once, reused) a combined-format log of about --size-mb under --dir (never in
the repository) and --indicators indicators: IPs, domains, URLs, user agents, hashes and
file names, some of which occur in the log. Then, side by side in one run, each in its
own process: `grep -F -c -f patterns` (the same values, one per line) and csirt-kit's
`scan_log_file` with the IoC matcher (the whole product path: chunked reading, field
lookups, Aho-Corasick for file names, line mapping, findings). Prints MB/s, the ratio and
each side's peak RSS. grep counts lines with any substring hit; csirt-kit counts exact
field hits, so the hit counts differ by design (grep also hits IPs inside longer IPs).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

MONTHS = ("Oct", "Nov")
TLDS = ("com", "net", "org", "info", "xyz", "top", "id", "co.id")


def _ip(rng: random.Random) -> str:
    return f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _domain(rng: random.Random) -> str:
    word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(5, 12)))
    return f"{word}.{rng.choice(TLDS)}"


def make_indicators(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(type, value) pairs: 40% IPs, 30% domains, 15% URLs, 5% UAs, 8% hashes, 2% file names."""
    out: list[tuple[str, str]] = []
    for i in range(n):
        r = i % 100
        if r < 40:
            out.append(("ip-src", _ip(rng)))
        elif r < 70:
            out.append(("domain", _domain(rng)))
        elif r < 85:
            out.append(("url", f"http://{_domain(rng)}/{rng.randrange(10**6)}/gate.php"))
        elif r < 90:
            out.append(("user-agent", f"EvilBot/{rng.randrange(10**5)}.{rng.randrange(100)} (scan)"))
        elif r < 98:
            out.append(("md5", f"{rng.getrandbits(128):032x}"))
        else:
            out.append(("filename", f"shell{rng.randrange(10**6)}x.php"))
    return out


def make_log(path: Path, size_mb: int, indicators: list[tuple[str, str]], rng: random.Random) -> None:
    """Write a combined log of about size_mb MB; about 1 line in 2000 carries an indicator."""
    ips = [_ip(rng) for _ in range(200_000)]
    domains = [_domain(rng) for _ in range(20_000)]
    paths = ["/", "/index.php", "/berita", "/wp-login.php", "/wp-content/uploads/2026/11/foto.jpg",
             "/api/v1/layanan", "/assets/app.js", "/kontak", "/search", "/pengumuman"]
    uas = [f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/{v}.0 Safari/537.36" for v in range(90, 130)]
    bad = {t: [v for tt, v in indicators if tt == t] for t in ("ip-src", "domain", "url", "user-agent", "md5",
                                                                "filename")}
    target = size_mb << 20
    written = 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < target:
            lines = []
            for _ in range(10_000):
                ip, p, ua = rng.choice(ips), rng.choice(paths), rng.choice(uas)
                ref = f"https://{rng.choice(domains)}/" if rng.random() < 0.5 else "-"
                q = f"?id={rng.randrange(10**6)}"
                if rng.random() < 0.0005:
                    kind = rng.choice(list(bad))
                    value = rng.choice(bad[kind])
                    if kind == "ip-src":
                        ip = value
                    elif kind == "domain":
                        ref = f"http://www.{value}/"
                    elif kind == "url":
                        ref = value
                    elif kind == "user-agent":
                        ua = value
                    elif kind == "md5":
                        q = f"?h={value}"
                    else:
                        p = f"/uploads/{value}"
                day = rng.randrange(1, 29)
                lines.append(f'{ip} - - [{day:02d}/{rng.choice(MONTHS)}/2026:{rng.randrange(24):02d}:'
                             f'{rng.randrange(60):02d}:{rng.randrange(60):02d} +0700] "GET {p}{q} HTTP/1.1" '
                             f'{rng.choice((200, 200, 200, 304, 404))} {rng.randrange(100, 90000)} "{ref}" "{ua}"\n')
            block = "".join(lines)
            fh.write(block)
            written += len(block)


def run_ours(log: str, indicators_file: str) -> None:
    """Child process: scan and print one JSON line."""
    from csirt_kit.models import Indicator
    from csirt_kit.scan.logs.iocs import IocMatcher
    from csirt_kit.scan.logs.scanner import scan_log_file

    pairs = json.loads(Path(indicators_file).read_text())
    started = time.monotonic()
    matcher = IocMatcher(Indicator("bench", t, v) for t, v in pairs)
    built = time.monotonic() - started
    report = scan_log_file(log, matcher=matcher, fmt="")
    elapsed = time.monotonic() - started
    hits = sum(int(f.evidence["count"]) for f in report.findings)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"seconds": elapsed, "build": built, "hits": hits, "findings": len(report.findings),
                      "rss_mb": rss_mb, "errors": [e.to_dict() for e in report.errors]}))


def measure(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) of the child, stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if out.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed: {out.stderr[:500]}")
    return elapsed, max(peak, before), out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--dir", default="/tmp/csirt-bench-logs")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--ours", nargs=2, default=None)
    args = parser.parse_args()
    if args.ours:
        run_ours(*args.ours)
        return
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    ind_file = folder / f"indicators-{args.indicators}.json"
    pat_file = folder / f"patterns-{args.indicators}.txt"
    log = folder / f"access-{args.size_mb}mb.log"
    if not ind_file.exists():
        pairs = make_indicators(args.indicators, rng)
        ind_file.write_text(json.dumps(pairs))
        pat_file.write_text("".join(v + "\n" for _, v in pairs))
    pairs = json.loads(ind_file.read_text())
    if not log.exists():
        t = time.monotonic()
        make_log(log, args.size_mb, [tuple(p) for p in pairs], random.Random(7))
        print(f"generated {log} in {time.monotonic() - t:.0f}s", file=sys.stderr)
    mb = log.stat().st_size / (1 << 20)
    subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    for run in range(args.runs):
        # grep and ours alternate within one run, each in a fresh process
        g_sec, _, g_out = measure(["grep", "-F", "-c", "-f", str(pat_file), str(log)])
        g_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        o_sec, _, o_out = measure([sys.executable, __file__, "--ours", str(log), str(ind_file)])
        ours = json.loads(o_out.splitlines()[-1])
        print(f"run {run + 1}: log {mb:.0f} MB, {len(pairs)} indicators")
        print(f"  grep -F -c -f : {g_sec:6.1f}s {mb / g_sec:6.1f} MB/s  lines hit {g_out}  peak RSS {g_rss // 1024} MB")
        print(f"  csirt-kit     : {o_sec:6.1f}s {mb / o_sec:6.1f} MB/s  field hits {ours['hits']} "
              f"in {ours['findings']} findings (index build {ours['build']:.1f}s)  peak RSS {ours['rss_mb']} MB")
        print(f"  ratio csirt-kit/grep throughput: {g_sec / o_sec:.2f}x   errors: {ours['errors']}")


if __name__ == "__main__":
    main()
