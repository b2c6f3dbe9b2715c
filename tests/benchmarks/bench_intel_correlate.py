"""Correlate 10,000 assets against 1,000,000 stored indicators (IPs, CIDRs, domains, URLs, CVEs).

Usage:  python tests/benchmarks/bench_intel_correlate.py [--dir /tmp/csirt-bench-intel] [--total 1000000]

csirt-kit `correlate()` (SQL pre-filter by asset values, match the candidates, upsert the
findings) runs in its own process, twice. Peers in the same run, on the same data:
- the previous release's `correlate()` (csirt_kit/intel/correlate.py at commit OLD_COMMIT,
  loaded from git): every active indicator of a matchable type streamed out of SQLite
  past the asset index, all 50,000 CVE objects decoded;
- `correlate(full_scan=True)`: the reference path of the tests (plan, then every row
  through the same matcher);
- with --cluster N: `cluster_correlate` on a LocalCluster of N worker processes (one task
  per indicator shard), start-up of the cluster not timed;
- `grep -F -x -f` of the assets' IPs and host names against a dump of the indicator
  values (IPs, domains, URL hosts): the exact-equality part only (no CIDR, no
  subdomain, no CVE), with the dump already written (its export is not timed);
- a naive Python loop (each asset against every indicator, ipaddress for CIDRs,
  endswith for domains) on 50 assets, extrapolated to 10,000.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from csirt_kit.intel.normalize import host_part, normalize  # noqa: E402
from csirt_kit.intel.store import now_iso, write_indicators, write_objects  # noqa: E402
from csirt_kit.store.assets import upsert_assets  # noqa: E402
from csirt_kit.store.db import open_store  # noqa: E402
from tests.benchmarks.bench_intel_data import PRODUCTS, city_assets, indicator_values  # noqa: E402

OLD_COMMIT = "dbe3457"
CHILD = """
import json, os, resource, sys, time
from csirt_kit.store.db import open_store
from csirt_kit.intel.correlate import correlate
store = open_store(sys.argv[1])
mode = sys.argv[2]
client = None
if mode.startswith("cluster"):
    import distributed
    from csirt_kit.cluster.correlate import cluster_correlate
    lc = distributed.LocalCluster(n_workers=int(mode[7:]), threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0", silence_logs=40)
    client = distributed.Client(lc)
load = os.getloadavg()[0]
t = time.perf_counter(); c = time.process_time()
if client is not None:
    report = cluster_correlate(client, store)
elif mode == "old":
    import importlib.util
    spec = importlib.util.spec_from_file_location("old_correlate", sys.argv[3])
    old = importlib.util.module_from_spec(spec); sys.modules["old_correlate"] = old
    spec.loader.exec_module(old)
    t = time.perf_counter(); c = time.process_time()
    report = old.correlate(store)
else:
    report = correlate(store, full_scan=mode == "full")
print(json.dumps({"mode": mode, "seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - c,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "load_before": load, "findings": len(report.findings),
                  "fingerprints": __import__("hashlib").sha256(
                      "".join(sorted(f.fingerprint for f in report.findings)).encode()).hexdigest()[:16],
                  "stats": report.stats}))
"""


def build(db: Path, total: int) -> tuple[list, list]:
    """A store with 10k assets and `total` indicators; returns (assets, values)."""
    assets = city_assets()
    values = indicator_values(total, 13, assets)
    if db.exists():
        return assets, values
    store = open_store(db)
    now = now_iso()
    rng = random.Random(5)
    with store.write() as conn:
        upsert_assets(conn, assets, "bench", now)
        rows, objects = [], []
        for n, (type_, value, to_ids) in enumerate(values):
            value = normalize(type_, value)
            okey = f"o{n}" if type_ == "vulnerability" else ""
            rows.append((f"k{n}", type_, value, f"ev{n // 1000}", okey, "id" if okey else "", "",
                         int(to_ids), "", "", 0, "", ""))
            if okey:
                # 1% name a product the city runs, with one affected version; the rest other products.
                if rng.random() < 0.01:
                    vendor, product, part = PRODUCTS[rng.randrange(len(PRODUCTS))]
                    version = f"{rng.randint(1, 6)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}"
                else:
                    vendor, product, part = f"vendor{n % 997}", f"product{n}", "a"
                    version = "*"
                objects.append((okey, "vulnerability", {
                    "a": ["id", "vulnerability", value],
                    "b": ["vulnerable-configuration", "cpe",
                          f"cpe:2.3:{part}:{vendor}:{product}:{version}:*:*:*:*:*:*:*"],
                    "c": ["cvss-score", "float", "7.5"]}))
        write_indicators(conn, "bench", rows, now)
        write_objects(conn, "bench", "ev", objects, 0)
    store.close()
    return assets, values


def naive(assets: list, values: list[tuple[str, str, bool]], sample: int) -> float:
    """Seconds for `sample` assets checked one by one against every indicator."""
    parsed = []
    for type_, value, _ids in values:
        if type_ == "ip-dst" and "/" in value:
            parsed.append(("net", ipaddress.ip_network(value, strict=False)))
        elif type_ == "ip-dst":
            parsed.append(("ip", value))
        else:
            parsed.append(("host", host_part(type_, normalize(type_, value))))
    t = time.perf_counter()
    hits = 0
    for asset in assets[:sample]:
        ips = [ipaddress.ip_address(i) for i in asset.ips]
        hosts = asset.all_hosts
        for kind, v in parsed:
            if kind == "ip":
                hits += any(str(i) == v for i in ips)
            elif kind == "net":
                hits += any(i in v for i in ips)
            elif v:
                hits += any(h == v or h.endswith("." + v) for h in hosts)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="/tmp/csirt-bench-intel")
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--naive-sample", type=int, default=0,
                        help="assets for the naive Python loop peer (0 = skip; 50 takes ~80 s)")
    parser.add_argument("--cluster", type=int, default=0, help="also run on a LocalCluster of N workers")
    args = parser.parse_args()
    base = Path(args.dir)
    base.mkdir(parents=True, exist_ok=True)
    db = base / f"correlate-{args.total}.db"
    t = time.perf_counter()
    assets, values = build(db, args.total)
    print(f"store ready in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    env = {**os.environ}
    runs = []
    old_file = base / "old_correlate.py"
    old_file.write_text(subprocess.run(["git", "show", f"{OLD_COMMIT}:csirt_kit/intel/correlate.py"],
                                       cwd=REPO, capture_output=True, text=True, check=True).stdout)
    modes = ["index", "old", "index", "old", "full"] + ([f"cluster{args.cluster}"] if args.cluster else [])
    for mode in modes:
        out = subprocess.run([sys.executable, "-c", CHILD, str(db), mode, str(old_file)], capture_output=True,
                             text=True, env=env, cwd=REPO, timeout=1800, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    # Peer: grep -F -x -f over exact values.
    pattern_file, value_file = base / "asset-values.txt", base / "indicator-values.txt"
    pattern_file.write_text("\n".join(v for a in assets for v in (*a.ips, *a.all_hosts)) + "\n")
    value_file.write_text("\n".join(host_part(t_, normalize(t_, v)) if t_ in ("url", "domain") else v
                                    for t_, v, _i in values) + "\n")
    t = time.perf_counter()
    grep = subprocess.run(["grep", "-F", "-x", "-c", "-f", str(pattern_file), str(value_file)],
                          capture_output=True, text=True, check=False)
    grep_seconds = time.perf_counter() - t
    naive_seconds = naive(assets, values, args.naive_sample) if args.naive_sample else 0.0
    print(json.dumps({
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "assets": len(assets), "indicators": len(values), "csirt_correlate_runs": runs,
        "peer_grep_F_x_f": {"seconds": grep_seconds, "exact_hits": grep.stdout.strip()},
        "peer_naive_python": {"sample_assets": args.naive_sample, "seconds": naive_seconds,
                              "extrapolated_10k_seconds": naive_seconds * len(assets)
                              / max(1, args.naive_sample)},
    }, indent=2))


if __name__ == "__main__":
    main()
