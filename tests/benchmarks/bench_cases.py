"""Benchmark: 500 new findings on 200 assets become cases in the TheHive emulator.

Run:  python tests/benchmarks/bench_cases.py [--runs 3] [--findings 500] [--assets 200]

csirt-kit (`open_cases` + `sync_outbox`: playbook matching, local case store, outbox,
dedup lookup by tag before each create, one commit per remote write) is measured side by
side with the peer: a bare thehive4py loop that POSTs the same cases, tasks and observables
with no store, no outbox and no lookup, i.e. the floor for "these cases over HTTP".
Both talk to a fresh loopback emulator in its own process (in the same process the
emulator's threads and the client fight over the GIL, which measures Python's thread switching
rather than either client); runs alternate and the median of --runs is reported. It also counts HTTP requests per case, and shows that the
count does not grow when more findings join the same cases (500 findings on 50 assets).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from thehive4py import TheHiveApi  # noqa: E402

from csirt_kit.cases import open_cases, sync_outbox  # noqa: E402
from csirt_kit.cases.records import list_cases, observables_of, tasks_of  # noqa: E402
from csirt_kit.cases.thehive import PAP, SEVERITY, TLP  # noqa: E402
from csirt_kit.store.db import open_store  # noqa: E402
from tests.cases.helpers import asset, config_at, ioc_hit, seed, webshell, write_config  # noqa: E402
from tests.emulators.thehive import TheHiveEmulator  # noqa: E402

KEY = "bench-key"


def _serve(conn) -> None:
    """Child process: run the emulator until asked for its numbers."""
    with TheHiveEmulator(api_key=KEY) as hive:
        conn.send(hive.url)
        while conn.recv() == "stats":
            conn.send({"requests": [(r.method, r.path) for r in hive.requests],
                       "cases": len(hive.cases)})


class Emulator:
    """The emulator in a child process: .url, .stats(), used as a context manager."""

    def __enter__(self) -> Emulator:
        self.conn, child = multiprocessing.Pipe()
        self.proc = multiprocessing.get_context("fork").Process(target=_serve, args=(child,), daemon=True)
        self.proc.start()
        self.url = self.conn.recv()
        return self

    def stats(self) -> dict:
        self.conn.send("stats")
        return self.conn.recv()

    def __exit__(self, *exc: object) -> None:
        self.conn.send("stop")
        self.proc.join(timeout=10)


def findings(n: int, assets: int) -> list:
    """Even assets get web shells, odd assets threat-feed IPs in their logs."""
    out = []
    for i in range(n):
        a = i % assets
        asset_id = f"web-{a:03d}"
        out.append(webshell(asset_id, i) if a % 2 == 0 else ioc_hit(asset_id, f"198.51.{i // 250}.{i % 250}"))
    return out


def run_csirt(n: int, n_assets: int, folder: Path) -> dict:
    with Emulator() as hive:
        config = config_at(write_config(folder, "thehive", hive.url, timeout=10))
        store = open_store(folder / "bench.db")
        seed(store, [asset(i) for i in range(n_assets)], findings(n, n_assets))
        t0 = time.perf_counter()
        opened = open_cases(store, config)
        t1 = time.perf_counter()
        synced = sync_outbox(store, config, pull=False)
        t2 = time.perf_counter()
        assert synced.queued == 0 and len(synced.created) == len(opened.created)
        first = hive.stats()
        per_case = Counter(path for _, path in first["requests"])
        tasks = sum(len(tasks_of(store.conn, c.key)) for c in list_cases(store.conn))
        groups = sum(len({(o.data_type, o.ioc, o.tlp) for o in observables_of(store.conn, c.key)})
                     for c in list_cases(store.conn))
        cases = len(opened.created)
        open_cases(store, config)
        sync_outbox(store, config, pull=False)
        store.close()
        after = hive.stats()
        return {"cases": cases, "open_s": t1 - t0, "sync_s": t2 - t1, "total_s": t2 - t0,
                "requests": len(first["requests"]), "tasks": tasks, "observable_groups": groups,
                "rerun_requests": len(after["requests"]) - len(first["requests"]),
                "lookups": per_case["/api/v1/query"], "server_cases": after["cases"]}


def run_peer(n: int, n_assets: int, folder: Path) -> dict:
    """The same cases with bare thehive4py: the case, its tasks, one request per observable group."""
    with Emulator() as hive:
        config = config_at(write_config(folder, "local"))
        store = open_store(folder / "plan.db")
        seed(store, [asset(i) for i in range(n_assets)], findings(n, n_assets))
        open_cases(store, config)  # only to get identical case contents to send
        plan = []
        for c in list_cases(store.conn):
            obs = observables_of(store.conn, c.key)
            groups: dict = {}
            for o in obs:
                groups.setdefault((o.data_type, o.ioc, o.tlp), []).append(o.data)
            plan.append((c, tasks_of(store.conn, c.key), groups))
        store.close()
        api = TheHiveApi(hive.url, apikey=KEY, organisation="csirt-kota", max_retries=0)
        t0 = time.perf_counter()
        for c, tasks, groups in plan:
            case = api.case.create({"title": c.title, "description": c.description,
                                    "severity": SEVERITY[c.severity], "tlp": TLP[c.tlp], "pap": PAP[c.pap],
                                    "tags": [*c.tags, f"csirt-kit:key={c.key}"]})
            for t in tasks:
                api.case.create_task(case["_id"], {"title": t.title, "group": t.group, "order": t.idx})
            for (dtype, ioc, tlp), values in groups.items():
                api.observable.create_in_case(case["_id"], {"dataType": dtype, "data": values, "ioc": ioc,
                                                            "tlp": TLP[tlp]})
        total = time.perf_counter() - t0
        return {"cases": len(plan), "total_s": total, "requests": len(hive.stats()["requests"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--findings", type=int, default=500)
    parser.add_argument("--assets", type=int, default=200)
    args = parser.parse_args()
    os.environ.pop("CSIRT_KIT_CONFIG", None)
    os.environ["CSIRT_TEST_THEHIVE_KEY"] = KEY
    ours, peer = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for name, fn, bucket in (("csirt", run_csirt, ours), ("peer", run_peer, peer)):
                folder = Path(tmp) / f"{name}{run}"
                folder.mkdir()
                bucket.append(fn(args.findings, args.assets, folder))
        (Path(tmp) / "dense50").mkdir()
        dense = run_csirt(args.findings, 50, Path(tmp) / "dense50") if args.assets != 50 else None
    o = ours[0]
    med = statistics.median(r["total_s"] for r in ours)
    med_peer = statistics.median(r["total_s"] for r in peer)
    report = {
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        "findings": args.findings, "assets": args.assets, "cases": o["cases"],
        "csirt_total_s_median": round(med, 3),
        "csirt_open_s_median": round(statistics.median(r["open_s"] for r in ours), 3),
        "csirt_sync_s_median": round(statistics.median(r["sync_s"] for r in ours), 3),
        "peer_total_s_median": round(med_peer, 3), "ratio_csirt_over_peer": round(med / med_peer, 2),
        "csirt_requests": o["requests"], "peer_requests": peer[0]["requests"],
        "requests_per_case": round(o["requests"] / o["cases"], 2),
        "formula_check": o["requests"] == 2 * o["cases"] + o["tasks"] + o["observable_groups"],
        "rerun_requests": o["rerun_requests"], "server_cases": o["server_cases"],
        "runs": [round(r["total_s"], 3) for r in ours], "peer_runs": [round(r["total_s"], 3) for r in peer],
    }
    if dense:
        report["dense_50_assets"] = {"cases": dense["cases"], "requests": dense["requests"],
                                     "requests_per_case": round(dense["requests"] / dense["cases"], 2),
                                     "total_s": round(dense["total_s"], 3)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
