"""Benchmark (not collected): thehive4py round trips against the emulator vs a canned-reply peer.

Run: /work/venv/bin/python -m tests.emulators_check.bench_thehive_emulator [cases] [tasks]

Both servers are stdlib ThreadingHTTPServer on 127.0.0.1 with HTTP/1.1 keep-alive; the peer
answers every request with one fixed JSON body (what the contract's recording server did), so
the difference is the emulator's own work: auth, routing, validation, storage, query.
The same client code runs against both, interleaved, and medians of 3 rounds are printed.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

from thehive4py import TheHiveApi
from thehive4py.query.filters import Eq

from tests.emulators.thehive import TheHiveEmulator

CANNED = json.dumps({"_id": "~1", "number": 1, "title": "t", "status": "New"}).encode()


class _Canned(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # same transport settings as the emulator's base

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"[]" if self.path.startswith("/api/v1/query") else CANNED
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    do_GET = do_POST = do_PATCH = _reply


def workload(url: str, cases: int, tasks: int) -> tuple[float, int]:
    """Per case: look up by tag, create, add tasks and one observable; returns (seconds, requests)."""
    api = TheHiveApi(url, apikey="test-key", organisation="csirt-kota", max_retries=0)
    start = time.perf_counter()
    sent = 0
    for i in range(cases):
        api.case.find(filters=Eq("tags", f"csirt-kit:key={i}"))
        case = api.case.create({"title": f"case {i}", "description": "d", "tags": [f"csirt-kit:key={i}"]})
        for t in range(tasks):
            api.case.create_task(case["_id"], {"title": f"task {t}", "order": t})
        api.case.create_observable(case["_id"], {"dataType": "ip", "data": f"10.0.{i // 250}.{i % 250}"})
        sent += 3 + tasks
    return time.perf_counter() - start, sent


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    tasks = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    peer = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    peer.daemon_threads = True
    Thread(target=peer.serve_forever, daemon=True).start()
    peer_url = f"http://127.0.0.1:{peer.server_address[1]}"
    emu_times, peer_times = [], []
    requests_sent = 0
    for round_no in range(3):
        if round_no % 2:  # alternate the order so neither side always runs first
            peer_times.append(workload(peer_url, cases, tasks)[0])
        with TheHiveEmulator() as hive:
            seconds, requests_sent = workload(hive.url, cases, tasks)
            emu_times.append(seconds)
        if not round_no % 2:
            peer_times.append(workload(peer_url, cases, tasks)[0])
    peer.shutdown()
    emu, base = statistics.median(emu_times), statistics.median(peer_times)
    print(f"{cases} cases x ({tasks} tasks + lookup + create + observable) = {requests_sent} requests")
    print(f"emulator: {emu:.2f} s ({requests_sent / emu:.0f} req/s)")
    print(f"canned peer: {base:.2f} s ({requests_sent / base:.0f} req/s)")
    print(f"emulator / peer time: {emu / base:.2f}x")


if __name__ == "__main__":
    main()
