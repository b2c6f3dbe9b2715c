"""Import 1,000,000 indicators from a generated MISP feed folder; then rerun with the manifest unchanged.

Usage:  python tests/benchmarks/bench_intel_import.py [--dir /tmp/csirt-bench-intel] [--total 1000000]

Each measurement runs in its own process (peak RSS is that process's ru_maxrss):
- csirt-kit `sync_sources` into a fresh store (warninglists compiled and cached beforehand;
  the one-off compile is timed separately), then again with the manifest unchanged
  (the `intel sync` call, and the whole `csirt intel sync` command process);
- peers in the same run: PyMISP `MISPEvent().load_file()` over the first --pymisp-files
  event files, extrapolated to all (what a PyMISP-based importer spends only to parse,
  nothing stored), plain `json.load` of every file (the floor for reading the feed), and the
  `sqlite3` command-line shell `.import` of a CSV of the same rows into the same table and
  indexes (the floor for writing them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

CHILD_SYNC = """
import json, os, resource, sys, time
c = time.process_time()
from csirt_kit.config import load_config
from csirt_kit.store.db import open_store
from csirt_kit.intel.sync import sync_sources
cfg = load_config(sys.argv[1]); store = open_store(cfg.store_path)
t = time.perf_counter(); report = sync_sources(cfg, store); s = time.perf_counter() - t
r = report.results[0]
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": s, "process_cpu_seconds": time.process_time() - c,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "parse_process_cpu_seconds": kids.ru_utime + kids.ru_stime,
                  "parse_process_rss_mb": kids.ru_maxrss / 1024, "load_after": os.getloadavg()[0],
                  "status": r.status, "events": r.events_fetched, "unchanged": r.events_unchanged,
                  "written": r.indicators_written, "warninglisted": r.warninglisted,
                  "problems": list(r.problems)[:3]}))
"""
CHILD_PYMISP = """
import json, resource, sys, time
from pathlib import Path
from pymisp import MISPEvent
files = sorted(f for f in Path(sys.argv[1]).glob("*.json") if f.name != "manifest.json")
sample = files[:int(sys.argv[2])] if len(sys.argv) > 2 else files
t = time.perf_counter(); n = 0
for f in sample:
    e = MISPEvent(); e.load_file(str(f)); n += len(e.attributes) + sum(len(o.attributes) for o in e.objects)
s = time.perf_counter() - t
print(json.dumps({"seconds_sample": s, "files": len(sample), "attributes": n,
                  "seconds_extrapolated": s * len(files) / max(1, len(sample)),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
CHILD_JSON = """
import json, resource, sys, time
from pathlib import Path
t = time.perf_counter(); n = 0
for f in Path(sys.argv[1]).glob("*.json"):
    with f.open("rb") as fh:
        doc = json.load(fh)
    n += len(doc.get("Event", {}).get("Attribute", [])) if isinstance(doc, dict) else 0
print(json.dumps({"seconds": time.perf_counter() - t, "attributes": n,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
CHILD_WL = """
import json, time
t = time.perf_counter()
from csirt_kit.intel.warninglists import load_index
load_index()
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def _sqlite_import_peer(base: Path, store: Path) -> dict[str, object]:
    """The sqlite3 shell importing our stored rows (as CSV) into the same table and indexes."""
    import csv
    import resource
    import sqlite3

    data, target = base / "rows.csv", base / "peer-import.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(store) as conn, data.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        for row in conn.execute("SELECT * FROM indicators ORDER BY id"):
            writer.writerow(row)
    schema = (REPO / "csirt_kit/store/migrations/0010_intel.sql").read_text(encoding="utf-8")
    # Same table, unique key and two indexes, WAL and page cache as our import's connection.
    script = (f"PRAGMA journal_mode = WAL;\nPRAGMA cache_size = -131072;\n{schema}\n"
              f".mode csv\n.import {data} indicators\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(["sqlite3", str(target)], input=script, capture_output=True, text=True,
                         timeout=1800, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rows = sqlite3.connect(target).execute("SELECT COUNT(*) FROM indicators").fetchone()[0]
    data.unlink()
    return {"seconds": wall, "cpu_seconds": after.ru_utime + after.ru_stime - before.ru_utime
            - before.ru_stime, "rows": rows, "errors": out.stderr[-300:],
            "load_after": os.getloadavg()[0]}


def _child(code: str, *args: str, env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=1800, check=False)
    if out.returncode:
        raise SystemExit(f"child failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="/tmp/csirt-bench-intel")
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1, help="parse_workers of the feed")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--pymisp-files", type=int, default=100,
                        help="event files the PyMISP peer parses (its time is extrapolated to all)")
    args = parser.parse_args()
    base = Path(args.dir)
    feed = base / f"feed-{args.total}"
    if not (feed / "manifest.json").exists():
        from tests.benchmarks.bench_intel_data import write_feed

        t = time.perf_counter()
        write_feed(feed, total=args.total)
        print(f"generated {feed} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    size_mb = sum(f.stat().st_size for f in feed.iterdir()) / 1e6
    store = base / "import.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    config = base / "config.toml"
    config.write_text(f'[store]\npath = "{store}"\n[[intel.feeds]]\nname = "bench"\npath = "{feed}"\n'
                      f'format = "misp"\nparse_workers = {args.workers}\n', encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(base / "cache")}
    env.pop("CSIRT_KIT_STORE__PATH", None)
    results: dict[str, object] = {"machine": f"{platform.machine()} {os.cpu_count()} cores, "
                                  f"Python {platform.python_version()}", "feed_mb": round(size_mb),
                                  "parse_workers": args.workers, "load_before": os.getloadavg()[0]}
    results["warninglists_compile"] = _child(CHILD_WL, env=env)
    results["warninglists_cached_load"] = _child(CHILD_WL, env=env)
    results["import"] = _child(CHILD_SYNC, str(config), env=env)
    print(json.dumps({"import": results["import"]}), file=sys.stderr, flush=True)
    results["rerun"] = _child(CHILD_SYNC, str(config), env=env)
    t = time.perf_counter()
    cmd = subprocess.run([sys.executable, "-m", "csirt_kit", "--config", str(config), "-q", "intel", "sync"],
                         env=env, cwd=REPO, capture_output=True, text=True, check=False)
    results["rerun_command"] = {"seconds": time.perf_counter() - t, "exit": cmd.returncode}
    if not args.skip_peers:
        results["peer_pymisp_load_file"] = _child(CHILD_PYMISP, str(feed), str(args.pymisp_files),
                                                  env=env)
        results["peer_json_load"] = _child(CHILD_JSON, str(feed), env=env)
        results["peer_sqlite3_import"] = _sqlite_import_peer(base, store)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
