"""Benchmark: import a 20,000-row inventory and list it, against the sqlite3 CLI's raw .import.

Run: python tests/benchmarks/bench_import.py [ROWS]
The peer (`sqlite3 .import`) loads the same CSV with no validation at all, so it is the floor
for "CSV into SQLite"; csirt additionally validates every IP, CIDR, URL, host name, CPE and id.
"""

from __future__ import annotations

import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ("id,name,kind,owner,contact,criticality,status,urls,ips,networks,software,webroot,"
          "logs,tags\n")
OPD = [f"Dinas {n}" for n in ("Kesehatan", "Pendidikan", "Perhubungan", "Pariwisata", "Sosial",
                              "Kominfo", "Pertanian", "Lingkungan Hidup")] + \
      [f"Kecamatan {n}" for n in ("Utara", "Selatan", "Timur", "Barat", "Tengah")]


def make_inventory(path: Path, rows: int) -> None:
    rnd = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(rows):
            owner = rnd.choice(OPD)
            if i % 3 == 2:
                out.write(f"cctv-{i},Kamera {i},{rnd.choice(['cctv', 'nvr'])},{owner},,"
                          f"{rnd.choice(['low', 'medium', 'high'])},active,,"
                          f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256},"
                          f"10.{i // 65536 % 256}.{i // 256 % 256}.0/24,"
                          f"cpe:2.3:o:hikvision:ds-7608ni_firmware:4.1.{i % 90}:*:*:*:*:*:*:*,,,cctv\n")
            else:
                out.write(f"web-{i},Situs {i},website,{owner},admin{i}@kota.example,"
                          f"{rnd.choice(['low', 'medium', 'high', 'critical'])},"
                          f"{rnd.choice(['active'] * 5 + ['suspended'])},"
                          f"https://situs{i}.kota.example/;http://www{i}.kota.example/,"
                          f"203.0.{i // 256 % 256}.{i % 256},,WordPress 6.{i % 5}.1;nginx/1.18.0,"
                          f"/var/www/situs{i},/var/log/nginx/situs{i}.log;/var/log/nginx/situs{i}.err,"
                          f"wordpress;public\n")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process (GNU time's %M when available)."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else "")
    wrapped = [gnu_time, "-f", "%M", *cmd] if gnu_time else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(wrapped, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr[-2000:]}")
    if gnu_time:
        return elapsed, int(proc.stderr.strip().splitlines()[-1]) / 1024
    # Without GNU time: the children's running maximum (exact only for the first command).
    return elapsed, max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    work = Path(tempfile.mkdtemp(prefix="csirt-bench-import-"))
    inv = work / "inventory.csv"
    make_inventory(inv, rows)
    env = dict(os.environ, CSIRT_KIT_STORE__PATH=str(work / "csirt.db"))
    csirt = [sys.executable, "-m", "csirt_kit"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}")
    print(f"inventory: {rows} rows, {inv.stat().st_size / 1e6:.1f} MB")
    results = []
    for label, cmd in (
        ("csirt assets import (new store)", [*csirt, "assets", "import", str(inv)]),
        ("csirt assets import (re-import, unchanged)", [*csirt, "assets", "import", str(inv)]),
        ("csirt --json assets list", [*csirt, "--json", "assets", "list"]),
        ("csirt --version (start-up floor)", [*csirt, "--version"]),
    ):
        seconds, rss = timed(cmd, env)
        results.append((label, seconds, rss))
    if shutil.which("sqlite3"):
        db = work / "peer.db"
        seconds, rss = timed(["sqlite3", str(db), "-cmd", ".mode csv", f".import {inv} assets"], env)
        results.append(("peer: sqlite3 .import (no validation)", seconds, rss))
    for label, seconds, rss in results:
        print(f"{label:45s} {seconds:6.2f} s  peak RSS {rss:6.0f} MB")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
