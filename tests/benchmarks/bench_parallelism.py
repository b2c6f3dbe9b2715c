"""Benchmark: the machine's real parallelism S2, one CPU-bound job alone vs two copies at once.

Run from the repository root (about a minute per repeat):

    /work/venv/bin/python tests/benchmarks/bench_parallelism.py [--repeats 3] [--mb 16]

Two jobs, each a fixed amount of work: "yara" scans --mb of synthetic combined log text
six times with the bundled rules (what a log or file scan worker does), "python" runs a pure
Python loop (about the same time). For each: the job alone in one process (wall T1), then two processes
running it at the same moment (wall T2 until both finish). S2 = 2 * T1 / T2: 2.0 on two
free cores, 1.0 when the second process gains nothing. CPU time of each process
(resource.getrusage) and the 1-minute load average are printed beside every figure.
Prints one JSON document (every repeat, median and spread of S2).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
ROUNDS = 6  # each job runs about 6-8 s alone: long enough to average out scheduling noise


def log_text(mb: int) -> bytes:
    """Deterministic combined-log text of about `mb` MiB."""
    rnd = random.Random(5)
    lines = []
    size = 0
    i = 0
    while size < mb << 20:
        line = (f'10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)} - - '
                f'[21/Nov/2026:{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} +0700] '
                f'"GET /berita/{rnd.randrange(10**6)}.html HTTP/1.1" 200 {rnd.randrange(99999)} '
                f'"-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"\n')
        lines.append(line)
        size += len(line)
        i += 1
    return "".join(lines).encode()


def prepare(kind: str, mb: int) -> Any:
    """What the job needs, made before the clock starts (rules, data)."""
    if kind != "yara":
        return None
    from csirt_kit.scan.rules import load_rules

    return load_rules(None, scopes=("logs", "files", "web")).yara_rules, log_text(mb)


def job(kind: str, prepared: Any) -> dict[str, float]:
    """Run one job in this process; its wall and CPU seconds."""
    if kind == "yara":
        rules, data = prepared
        block = 1 << 20
    before = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    if kind == "yara":
        for _ in range(ROUNDS):
            for off in range(0, len(data), block):
                rules.match(data=data[off:off + block], timeout=60)
    else:
        acc = 0
        for n in range(12_000_000 * ROUNDS):
            acc = (acc + n * n) % 1_000_003
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def _child(kind: str, mb: int, ready: Any, start: Any, out: Any) -> None:
    prepared = prepare(kind, mb)
    ready.put(1)
    start.wait()
    out.put(job(kind, prepared))


def run(kind: str, mb: int, n: int) -> dict[str, Any]:
    """n processes doing the job at the same moment: wall until all finished, each one's CPU."""
    ctx = get_context("spawn")
    start, ready, out = ctx.Event(), ctx.Queue(), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(kind, mb, ready, start, out)) for _ in range(n)]
    for p in procs:
        p.start()
    for _ in procs:  # every child has imported and prepared before the start signal
        ready.get(timeout=300)
    time.sleep(0.5)
    t = time.perf_counter()
    start.set()
    results = [out.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - t
    for p in procs:
        p.join(timeout=30)
    return {"wall": round(wall, 3), "job_walls": [round(r["wall"], 3) for r in results],
            "job_cpu": [round(r["cpu"], 3) for r in results], "load_1m": os.getloadavg()[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--mb", type=int, default=16)
    ap.add_argument("--jobs", default="yara,python")
    args = ap.parse_args()
    doc: dict[str, Any] = {"cpus": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)), "jobs": {}}
    for kind in args.jobs.split(","):
        reps = []
        for _ in range(args.repeats):
            one = run(kind, args.mb, 1)
            two = run(kind, args.mb, 2)
            s2 = 2 * one["wall"] / two["wall"]
            reps.append({"alone": one, "two": two, "s2": round(s2, 3)})
            print(json.dumps({kind: reps[-1]}), file=sys.stderr, flush=True)
        s2s = [r["s2"] for r in reps]
        doc["jobs"][kind] = {"repeats": reps, "s2_median": round(statistics.median(s2s), 3),
                             "s2_min": min(s2s), "s2_max": max(s2s)}
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
