"""Benchmark: scan throughput on a Dask LocalCluster (1 and 2 worker processes) against the
single-machine path, cluster overhead per task, and memory of the submitting process.

Run from the repository root (a few minutes; sizes scaled to this shared 2-core machine):

    /work/venv/bin/python tests/benchmarks/bench_cluster.py [--log-mb 60] [--files 4000]
        [--sites 0] [--dir /tmp/csirt-bench-cluster] [--tasks 300]

Generates (once, reused) under --dir: combined access logs of --log-mb in total (attacks
and IoC hits planted), a webroot of --files PHP files with planted test samples, and
builds the demo city for the web part (its ~735 active sites, served by the loopback
DemoWebServer; --sites N takes the first N). Then, in one run: the single-machine path
(scan_logs; scan_files with 1 and 2 pool processes; scan_web), and the same inputs on a
LocalCluster with 1 and then 2 workers (1 thread each). Every cluster result is checked to
hold exactly the single-machine findings. Per-task overhead: --tasks empty tasks through
the same streaming submitter. Memory: peak RSS growth of this (submitting) process per
phase, sampled every 50 ms. Prints a JSON document and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# Dask's statistical profiler walks every thread's stack every 10 ms; a web task runs 64
# fetch threads; with it on, a web phase here once crawled for minutes (see README).
os.environ.setdefault("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED", "False")

import psutil  # noqa: E402

from csirt_kit.cluster.connect import ClusterSettings  # noqa: E402
from csirt_kit.cluster.files import cluster_scan_files  # noqa: E402
from csirt_kit.cluster.logs import LogTarget, cluster_scan_logs  # noqa: E402
from csirt_kit.cluster.stream import Job, stream  # noqa: E402
from csirt_kit.cluster.web import cluster_scan_web  # noqa: E402
from csirt_kit.models import EventRef, Indicator  # noqa: E402
from csirt_kit.scan.files import FileOptions, scan_files  # noqa: E402
from csirt_kit.scan.logs.scanner import LogSettings, scan_logs  # noqa: E402
from csirt_kit.scan.rules import load_rules  # noqa: E402
from csirt_kit.scan.web.scanner import scan_web  # noqa: E402

BAD = [f"203.0.113.{i}" for i in range(1, 60)]


class PeakRss:
    """Peak RSS growth of this process while the block runs (sampled)."""

    def __enter__(self) -> PeakRss:
        self.proc = psutil.Process()
        self.base = self.peak = self.proc.memory_info().rss
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while not self.stop.wait(0.05):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.mb = round((self.peak - self.base) / 2**20, 1)


def make_logs(folder: Path, total_mb: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = sorted(folder.glob("site*.log"))
    if files and sum(p.stat().st_size for p in files) >= total_mb << 20:
        return files
    rnd = random.Random(11)
    per = max(1, total_mb // 4)
    files = []
    for n in range(4):
        path = folder / f"site{n}.log"
        with open(path, "w") as fh:
            written = 0
            i = 0
            while written < per << 20:
                ip = f"10.{n}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
                p = f"/berita/{rnd.randrange(10**6)}.html"
                roll = rnd.random()
                if roll < 0.001:
                    p = "/index.php?id=1%20union%20select%20user,pass%20from%20users"
                elif roll < 0.002:
                    ip = rnd.choice(BAD)
                line = (f'{ip} - - [{20 + i * 3 // 10**6 % 3}/Nov/2026:{i // 3600 % 24:02d}:'
                        f'{i // 60 % 60:02d}:{i % 60:02d} +0700] "GET {p} HTTP/1.1" 200 {rnd.randrange(99999)}'
                        f' "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"\n')
                fh.write(line)
                written += len(line)
                i += 1
        files.append(path)
    return files


def make_webroot(root: Path, count: int) -> Path:
    if root.exists() and sum(1 for _ in root.rglob("*.php")) >= count:
        return root
    samples = sorted((ROOT / "tests" / "data" / "samples" / "files").glob("*/*.match"))
    rnd = random.Random(3)
    for i in range(count):
        sub = root / f"site{i % 50}" / f"d{i % 9}"
        sub.mkdir(parents=True, exist_ok=True)
        if i % 200 == 7:
            src = samples[(i // 200) % len(samples)]
            (sub / f"up{i}.{src.stem.split('_')[0]}").write_bytes(src.read_bytes())
        body = "".join(f"$v{j} = '{rnd.random()}'; echo htmlspecialchars($v{j});\n"
                       for j in range(rnd.randint(20, 400)))
        (sub / f"f{i}.php").write_text(f"<?php\n{body}?>\n")
    return root


def facts(report: Any) -> list[tuple[Any, ...]]:
    return sorted((f.fingerprint, repr(sorted(f.evidence.items()))) for f in report.findings)


def timed(fn: Any) -> tuple[Any, float, float]:
    with PeakRss() as mem:
        t = time.perf_counter()
        out = fn()
        secs = time.perf_counter() - t
    return out, secs, mem.mb


def noop(i: int) -> int:
    return i


def overhead(client: Any, tasks: int) -> float:
    """Seconds per empty task through the streaming submitter (window 64)."""
    t = time.perf_counter()
    jobs = deque(Job(i, noop, (i,)) for i in range(tasks))
    n = sum(1 for _ in stream(client, jobs))
    assert n == tasks
    return (time.perf_counter() - t) / tasks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--log-mb", type=int, default=60)
    ap.add_argument("--files", type=int, default=4000)
    ap.add_argument("--sites", type=int, default=0)
    ap.add_argument("--tasks", type=int, default=300)
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "csirt-bench-cluster"))
    args = ap.parse_args()
    import distributed

    from csirt_kit.demo import DemoWebServer, build_city
    from csirt_kit.store.db import open_store

    base = Path(args.dir)
    logs = make_logs(base / "logs", args.log_mb)
    root = make_webroot(base / "www", args.files)
    log_mb = sum(p.stat().st_size for p in logs) / 2**20
    www_mb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 2**20
    city = build_city(base / f"city-{time.time_ns()}")
    server = DemoWebServer(city)
    _, port = server.start()
    cfg_path = city.write_config(base / "csirt.toml", port)
    from csirt_kit.config import load_config
    from csirt_kit.inventory.importer import import_inventory

    config = load_config(str(cfg_path))
    urls = [s.url for s in city.sites if s.status == "active"]
    urls = urls[: args.sites] if args.sites else urls
    inds = [Indicator("bench", "ip-src", ip, EventRef("e", "bench", "2026-11-20", "2")) for ip in BAD]
    lrules = load_rules(None, scopes=("logs",))
    frules = load_rules(None, scopes=("files", "web"))
    wrules = load_rules(None, scopes=("web",))
    settings = LogSettings()
    targets = [LogTarget((str(p),), f"a{i}") for i, p in enumerate(logs)]
    cluster_cfg = ClusterSettings(log_range_bytes=4 << 20, file_batch_bytes=4 << 20)

    def fresh_store(name: str) -> Any:
        path = base / f"{name}-{time.time_ns()}.db"
        store = open_store(path)
        import_inventory(store, [city.inventory_csv])
        return store

    rows: list[dict[str, Any]] = []

    def record(part: str, how: str, secs: float, mb: float, size: float, unit: str, same: bool | None,
               rep: Any = None) -> None:
        rows.append({"part": part, "how": how, "seconds": round(secs, 2), "rate": round(size / secs, 2),
                     "unit": unit, "submitter_rss_mb": mb, "same_findings": same,
                     "tasks": sum(rep.stats.get("cluster_tasks", {}).values()) if rep else None,
                     "task_seconds": rep.stats.get("task_seconds") if rep else None})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)

    # one scan_logs per asset, as scan_inventory_logs does (and as the cluster targets are)
    local_l, s, mb = timed(lambda: [scan_logs([str(p)], asset_id=f"a{i}", rules=lrules, indicators=inds,
                                              settings=settings) for i, p in enumerate(logs)])
    record("logs", "single process (scan_logs)", s, mb, log_mb, "MB/s", None)
    local_f1, s, mb = timed(lambda: scan_files(frules, [(root, "w")], options=FileOptions(
        workers=1, content_cache=False, in_process_below=0)))
    record("webroot", "single process (scan_files workers=1)", s, mb, www_mb, "MB/s", None)
    _, s, mb = timed(lambda: scan_files(frules, [(root, "w")], options=FileOptions(
        workers=2, content_cache=False)))
    record("webroot", "process pool (scan_files workers=2)", s, mb, www_mb, "MB/s", None)
    st = fresh_store("local")
    local_w, s, mb = timed(lambda: scan_web(st, config, wrules, targets=urls))
    st.close()
    record("web", "single machine (scan_web, 64 threads)", s, mb, len(urls), "sites/s", None)

    per_task = {}
    for n in (1, 2):
        with distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=":0",
                                      memory_limit="2GiB", silence_logs=40) as lc, \
                distributed.Client(lc.scheduler_address, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=120)
            overhead(client, 20)  # warm up
            per_task[n] = round(overhead(client, args.tasks) * 1000, 2)
            rep, s, mb = timed(lambda: cluster_scan_logs(client, lrules, targets, indicators=inds,
                                                         settings=settings, cluster=cluster_cfg))
            same = facts(rep) == sorted(x for r in local_l for x in facts(r))
            record("logs", f"cluster, {n} worker(s)", s, mb, log_mb, "MB/s", same, rep)
            rep, s, mb = timed(lambda: cluster_scan_files(client, frules, [(root, "w")],
                                                          settings=cluster_cfg))
            record("webroot", f"cluster, {n} worker(s)", s, mb, www_mb, "MB/s", facts(rep) == facts(local_f1),
                   rep)
            st = fresh_store(f"c{n}")
            rep, s, mb = timed(lambda st=st: cluster_scan_web(client, st, config, wrules, targets=urls,
                                                        cluster=cluster_cfg))
            st.close()
            record("web", f"cluster, {n} worker(s)", s, mb, len(urls), "sites/s", facts(rep) == facts(local_w),
                   rep)
    server.stop()
    doc = {"machine": {"cpus": os.cpu_count(), "load_1m": os.getloadavg()[0]},
           "sizes": {"log_mb": round(log_mb, 1), "webroot_mb": round(www_mb, 1), "files": args.files,
                     "sites": len(urls)},
           "per_task_ms": per_task, "rows": rows}
    print(json.dumps(doc, indent=2))
    print("\n| part | how | wall s | rate | tasks | task s (sum) | submitter RSS growth | same findings |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['part']} | {r['how']} | {r['seconds']} | {r['rate']} {r['unit']} | "
              f"{r['tasks'] or ''} | {r['task_seconds'] or ''} | {r['submitter_rss_mb']} MB | "
              f"{'' if r['same_findings'] is None else r['same_findings']} |")


if __name__ == "__main__":
    main()
