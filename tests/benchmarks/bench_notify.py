"""Benchmark: N new cases told to a signed JSON webhook through the notification outbox.

Run:  python tests/benchmarks/bench_notify.py [--runs 3] [--cases 300]

csirt-kit (`notify_new_cases`: select new cases, queue them in one transaction, build each
text from the store, sign, POST, record "sent" in its own transaction) is measured side by
side with the peer: a bare `requests.post` loop sending the same number of signed bodies of
the same size, with no store at all, i.e. the floor for "these messages over HTTP".
The receiver runs in its own process; runs alternate and the median of --runs is reported.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

SECRET = "bench-secret"


def serve(port: int, ready: Any) -> None:
    """The receiver, in its own process until terminated."""
    from tests.emulators.notify import WebhookReceiver

    WebhookReceiver(secret=SECRET, port=port).start()
    ready.set()
    while True:
        time.sleep(3600)


def ours(folder: Path, url: str, cases: int) -> tuple[float, int]:
    from csirt_kit.config import load_config
    from csirt_kit.notify import notify_new_cases
    from csirt_kit.store.db import open_store
    from tests.notify.helpers import add_cases, asset, webshell, write_config

    config = load_config(str(write_config(folder, [{
        "name": "bench", "type": "webhook", "url": url, "secret_env": "BENCH_SECRET",
        "max_per_run": cases + 1}])))
    store = open_store(folder / "csirt.db")
    add_cases(store, config, [asset(i) for i in range(cases)],
              [webshell(f"web-{i:03d}") for i in range(cases)])
    start = time.perf_counter()
    result = notify_new_cases(store, config)
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed, result.sent


def peer(url: str, cases: int, size: int) -> tuple[float, int]:
    import requests

    sent = 0
    start = time.perf_counter()
    for i in range(cases):
        body = json.dumps({"n": i, "pad": "x" * size}).encode()
        sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        resp = requests.post(url, data=body, timeout=10, headers={
            "Content-Type": "application/json", "X-Csirt-Signature": sig,
            "X-Csirt-Delivery": f"peer-{time.time_ns()}-{i}"})
        sent += resp.status_code == 200
    return time.perf_counter() - start, sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    os.environ["BENCH_SECRET"] = SECRET
    from tests.emulators.notify import free_port

    port = free_port()
    ready = multiprocessing.Event()
    proc = multiprocessing.Process(target=serve, args=(port, ready), daemon=True)
    proc.start()
    ready.wait(30)
    url = f"http://127.0.0.1:{port}/hook"
    times: dict[str, list[float]] = {"csirt-kit": [], "requests loop": []}
    try:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                elapsed, sent = ours(Path(tmp), url, args.cases)
                assert sent == args.cases, sent
                times["csirt-kit"].append(elapsed)
            elapsed, sent = peer(url, args.cases, 900)  # about the size of our documents
            assert sent == args.cases, sent
            times["requests loop"].append(elapsed)
    finally:
        proc.terminate()
        proc.join(5)
    print(f"machine: {platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()};"
          f" {args.cases} messages, median of {args.runs}")
    base = statistics.median(times["requests loop"])
    for name, values in times.items():
        med = statistics.median(values)
        print(f"  {name:14s} {med:6.2f} s  {args.cases / med:7.0f} msg/s  x{med / base:.2f}")


if __name__ == "__main__":
    main()
