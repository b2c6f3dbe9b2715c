"""Benchmark: the same 200 cases sent as TheHive cases or as alerts, with and without evidence bundles.

Run:  python tests/benchmarks/bench_thehive_modes.py [--runs 3] [--findings 500] [--assets 200]

csirt-kit (`open_cases` + `sync_outbox`) in case mode without and with evidence bundles, and
in alert mode, side by side with two peers: bare thehive4py POSTing the same cases (case,
tasks, observable groups; the floor of bench_cases.py) and bare thehive4py POSTing one alert
per case with its observables inline (the floor for alerts: one request each). The emulator
runs in its own process (bench_cases.Emulator); variants alternate within each run and the
median of --runs is reported, with the client's CPU time (getrusage) beside wall time and the
load average before and after. Reruns with nothing new are checked to send no write.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from thehive4py import TheHiveApi  # noqa: E402

from csirt_kit.cases import open_cases, sync_outbox  # noqa: E402
from csirt_kit.cases.records import list_cases, observables_of  # noqa: E402
from csirt_kit.cases.thehive import PAP, SEVERITY, TLP  # noqa: E402
from csirt_kit.store.db import open_store  # noqa: E402
from tests.benchmarks.bench_cases import KEY, Emulator, findings, run_peer  # noqa: E402
from tests.cases.helpers import asset, config_at, seed, write_config  # noqa: E402

WRITES = ("POST", "PATCH", "PUT", "DELETE")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _writes(requests: list) -> int:
    return sum(1 for m, p in requests if m in WRITES and p != "/api/v1/query")


def run_csirt(n: int, n_assets: int, folder: Path, mode: str, evidence: bool) -> dict:
    with Emulator() as hive:
        path = write_config(folder, "thehive", hive.url, timeout=10)
        text = path.read_text().replace("[cases]\n", f"[cases]\nattach_evidence = {str(evidence).lower()}\n", 1)
        path.write_text(text + f'mode = "{mode}"\n')
        config = config_at(path)
        store = open_store(folder / "bench.db")
        seed(store, [asset(i) for i in range(n_assets)], findings(n, n_assets))
        t0, c0 = time.perf_counter(), _cpu()
        opened = open_cases(store, config)
        synced = sync_outbox(store, config, pull=False)
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        assert synced.queued == 0 and synced.failed == 0 and len(synced.created) == len(opened.created)
        first = hive.stats()["requests"]
        open_cases(store, config)
        sync_outbox(store, config)  # with the pull: reads only
        after = hive.stats()["requests"]
        store.close()
        return {"cases": len(opened.created), "wall_s": wall, "cpu_s": cpu, "requests": len(first),
                "rerun_writes": _writes(after[len(first):]), "rerun_reads": len(after) - len(first)}


def run_alert_peer(n: int, n_assets: int, folder: Path) -> dict:
    """One alert per case with its observables inline: bare thehive4py, no store, no lookup."""
    with Emulator() as hive:
        store = open_store(folder / "plan.db")
        seed(store, [asset(i) for i in range(n_assets)], findings(n, n_assets))
        open_cases(store, config_at(write_config(folder, "local")))
        plan = [(c, observables_of(store.conn, c.key)) for c in list_cases(store.conn)]
        store.close()
        api = TheHiveApi(hive.url, apikey=KEY, organisation="csirt-kota", max_retries=0)
        t0, c0 = time.perf_counter(), _cpu()
        for c, obs in plan:
            api.alert.create({
                "type": c.playbook, "source": "csirt-kit", "sourceRef": c.key, "title": c.title,
                "description": c.description, "severity": SEVERITY[c.severity], "tlp": TLP[c.tlp],
                "pap": PAP[c.pap], "tags": list(c.tags),
                "observables": [{"dataType": o.data_type, "data": o.data, "ioc": o.ioc, "tlp": TLP[o.tlp]}
                                for o in obs]})
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        return {"cases": len(plan), "wall_s": wall, "cpu_s": cpu, "requests": len(hive.stats()["requests"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--findings", type=int, default=500)
    parser.add_argument("--assets", type=int, default=200)
    args = parser.parse_args()
    os.environ.pop("CSIRT_KIT_CONFIG", None)
    os.environ["CSIRT_TEST_THEHIVE_KEY"] = KEY
    variants: dict[str, Callable[[Path], dict]] = {
        "csirt case mode, no evidence": lambda f: run_csirt(args.findings, args.assets, f, "case", False),
        "csirt case mode + evidence": lambda f: run_csirt(args.findings, args.assets, f, "case", True),
        "csirt alert mode + evidence": lambda f: run_csirt(args.findings, args.assets, f, "alert", True),
        "csirt alert mode, no evidence": lambda f: run_csirt(args.findings, args.assets, f, "alert", False),
        "peer: bare thehive4py cases": lambda f: _peer_cases(args.findings, args.assets, f),
        "peer: bare thehive4py alerts": lambda f: run_alert_peer(args.findings, args.assets, f),
    }
    results: dict[str, list[dict]] = {name: [] for name in variants}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for i, (name, fn) in enumerate(variants.items()):
                folder = Path(tmp) / f"v{i}r{run}"
                folder.mkdir()
                results[name].append(fn(folder))
    load_after = os.getloadavg()
    report = {"machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
              "findings": args.findings, "assets": args.assets,
              "load_avg_before": [round(x, 1) for x in load_before],
              "load_avg_after": [round(x, 1) for x in load_after], "variants": {}}
    for name, rows in results.items():
        report["variants"][name] = {
            "cases": rows[0]["cases"], "wall_s_median": round(statistics.median(r["wall_s"] for r in rows), 2),
            "cpu_s_median": round(statistics.median(r["cpu_s"] for r in rows), 2),
            "requests": rows[0]["requests"], "requests_per_case": round(rows[0]["requests"] / rows[0]["cases"], 2),
            "wall_runs": [round(r["wall_s"], 2) for r in rows],
            **({"rerun_writes": rows[0]["rerun_writes"], "rerun_reads": rows[0]["rerun_reads"]}
               if "rerun_writes" in rows[0] else {})}
    print(json.dumps(report, indent=2))


def _peer_cases(n: int, n_assets: int, folder: Path) -> dict:
    t0, c0 = time.perf_counter(), _cpu()
    row = run_peer(n, n_assets, folder)
    # run_peer times only its HTTP loop; the CPU here also counts its planning (about 1 s)
    return {**row, "wall_s": row["total_s"], "cpu_s": _cpu() - c0, "setup_wall_s": time.perf_counter() - t0}


if __name__ == "__main__":
    main()
