"""Benchmark: a generated province on a Dask cluster of 1 and 2 worker processes vs one machine.

Run from the repository root (sizes scaled to this shared 2-core machine; see README):

    /work/venv/bin/python tests/benchmarks/bench_province.py [--sites 20000] [--web-sites 2000]
        [--webroot-sites 4000] [--log-mb 1024] [--parts logs,files,web] [--modes single,1,2]
        [--profile] [--dir /tmp/csirt-bench-province]

Generates (once, reused) a province (tests/benchmarks/province.py): 20,000 sites served by
the loopback ``DemoWebServer`` in its own process, webroots of --webroot-sites of them and
--log-mb of combined logs. For logs, files (webroots) and web, in that order, runs the
single-machine path (what ``csirt scan`` does), then each part on a cluster of 1 and of 2
worker processes (1 thread each; ``dask scheduler`` and ``dask worker --nworkers N`` as
separate processes, as on real machines). Every cluster result must hold exactly the
single-machine findings (the script fails otherwise).

Per phase: wall time; CPU seconds of this (submitting) process, of the scheduler, of the
worker processes and of the web server; peak RSS growth of this process; tasks, the summed
time spent inside tasks, and the overhead per task (worker time outside tasks). Per
cluster: an empty task's round trip one at a time, and per task through the streaming
submitter (64 in flight). ``--profile`` writes a cProfile of this process for each cluster
phase (top functions by own time) beside the data. Prints one JSON document and a table.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import operator
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
os.environ["DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED"] = "False"

import psutil  # noqa: E402
from bench_cluster import PeakRss, facts  # noqa: E402
from province import Province, indicators, make_province  # noqa: E402

from csirt_kit.cluster.connect import ClusterSettings  # noqa: E402
from csirt_kit.cluster.stream import Job, stream  # noqa: E402

DASK = str(Path(sys.executable).with_name("dask"))
noop = operator.index  # an empty task that workers can import (they do not see tests/)


def cpu_of(procs: list[psutil.Process]) -> dict[int, float]:
    """CPU seconds so far of each process and its descendants, by pid."""
    out: dict[int, float] = {}
    for p in procs:
        try:
            family = [p, *p.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for q in family:
            try:
                t = q.cpu_times()
                out[q.pid] = t.user + t.system
            except psutil.NoSuchProcess:
                pass
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return round(sum(v - before.get(pid, 0.0) for pid, v in after.items()), 2)


def own_cpu() -> float:
    """CPU seconds of this process and its finished children (a process pool)."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


class Others:
    """The other processes whose CPU is measured: scheduler, workers, web server."""

    def __init__(self) -> None:
        self.groups: dict[str, list[psutil.Process]] = {}

    def snapshot(self) -> dict[str, dict[int, float]]:
        return {name: cpu_of(procs) for name, procs in self.groups.items()}


def measure(others: Others, fn: Callable[[], Any], profile: Path | None = None
            ) -> tuple[Any, dict[str, Any]]:
    """Run fn; its value and wall, CPU per party, submitter RSS growth and load average."""
    before = others.snapshot()
    cpu0 = own_cpu()
    prof = cProfile.Profile() if profile else None
    with PeakRss() as mem:
        t = time.perf_counter()
        if prof:
            prof.enable()
        out = fn()
        if prof:
            prof.disable()
        wall = time.perf_counter() - t
    after = others.snapshot()
    m = {"wall": round(wall, 2), "cpu_submitter": round(own_cpu() - cpu0, 2),
         **{f"cpu_{k}": cpu_delta(before.get(k, {}), v) for k, v in after.items()},
         "submitter_rss_mb": mem.mb, "load_1m": round(os.getloadavg()[0], 2)}
    if prof and profile:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
        profile.write_text(buf.getvalue())
    return out, m


@contextmanager
def web_server(folder: Path, sites: int, others: Others) -> Iterator[int]:
    """The province's sites served on loopback by DemoWebServer in its own process."""
    port_file = folder / "port"
    port_file.unlink(missing_ok=True)
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; from pathlib import Path;"
            " from province import serve; serve(Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(ROOT), str(ROOT / "tests" / "benchmarks"),
                             str(folder), str(port_file), str(sites)])
    try:
        for _ in range(600):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.1)
        others.groups["server"] = [psutil.Process(proc.pid)]
        yield int(port_file.read_text())
    finally:
        others.groups.pop("server", None)
        proc.kill()
        proc.wait(timeout=30)


@contextmanager
def dask_cluster(folder: Path, workers: int, others: Others) -> Iterator[Any]:
    """`dask scheduler` and `dask worker --nworkers N --nthreads 1` on loopback; a client."""
    import distributed

    sfile = folder / f"scheduler-{workers}.json"
    sfile.unlink(missing_ok=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    sched = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                              "--scheduler-file", str(sfile)], **quiet)  # type: ignore[call-overload]
    work = None
    try:
        for _ in range(600):
            if sfile.exists() and sfile.stat().st_size:
                break
            time.sleep(0.1)
        work = subprocess.Popen([DASK, "worker", "--scheduler-file", str(sfile), "--nworkers", str(workers),
                                 "--nthreads", "1", "--memory-limit", "4GiB", "--no-dashboard",
                                 "--host", "127.0.0.1", "--name", "bench"], **quiet)  # type: ignore[call-overload]
        with distributed.Client(scheduler_file=str(sfile), set_as_default=False, timeout=60) as client:
            client.wait_for_workers(workers, timeout=180)
            others.groups["scheduler"] = [psutil.Process(sched.pid)]
            others.groups["workers"] = [psutil.Process(work.pid)]
            yield client
    finally:
        others.groups.pop("scheduler", None)
        others.groups.pop("workers", None)
        for p in (work, sched):
            if p is not None:
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def task_overhead(client: Any, tasks: int, others: Others) -> dict[str, float]:
    """Milliseconds per empty task: one at a time (round trip) and streamed (64 in flight);
    CPU an idle scheduler and idle workers use per second (heartbeats, event loops)."""
    before = others.snapshot()
    time.sleep(5.0)
    after = others.snapshot()
    idle = {f"idle_cpu_per_s_{k}": round(cpu_delta(before.get(k, {}), v) / 5.0, 3) for k, v in after.items()
            if k in ("scheduler", "workers")}
    for i in range(10):
        client.submit(noop, i, pure=False).result()
    t = time.perf_counter()
    for i in range(50):
        client.submit(noop, i, pure=False).result()
    single = (time.perf_counter() - t) / 50
    t = time.perf_counter()
    n = sum(1 for _ in stream(client, deque(Job(i, noop, (i,)) for i in range(tasks))))
    assert n == tasks
    from csirt_kit.cluster.check import verify_workers

    t = time.perf_counter()
    verify_workers(client)  # what every cluster scan does first
    verify = time.perf_counter() - t
    return {**idle, "verify_workers_s": round(verify, 2), "round_trip_ms": round(single * 1000, 2),
            "streamed_ms": round((time.perf_counter() - t) / tasks * 1000, 2)}


def one_future(client: Any) -> None:
    """Make this client scatter a list as one future, as stream.share does.

    cluster_scan_logs scatters its indicator list with client.scatter, which makes one
    future per indicator and every range task depends on all of them; this shows what
    sending the list as one value would give, without changing cluster/logs.py.
    """
    scatter = client.scatter

    def patched(data: Any, *a: Any, **kw: Any) -> Any:
        if isinstance(data, list) and len(data) != 1 and kw.get("broadcast"):  # not already wrapped
            return scatter([data], *a, **kw)[0]
        return scatter(data, *a, **kw)

    client.scatter = patched


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "csirt-bench-province"))
    ap.add_argument("--sites", type=int, default=20000)
    ap.add_argument("--web-sites", type=int, default=2000, help="active sites scanned per mode")
    ap.add_argument("--webroot-sites", type=int, default=4000)
    ap.add_argument("--log-mb", type=int, default=1024)
    ap.add_argument("--log-file-mb", type=int, default=16)
    ap.add_argument("--log-range-mb", type=int, default=16)
    ap.add_argument("--file-batch-mb", type=int, default=8)
    ap.add_argument("--site-roots", type=int, default=400,
                    help="webroots scanned one root per site (as the inventory gives them) in part files-sites")
    ap.add_argument("--indicators", type=int, default=5000, help="IP indicators besides the planted ones")
    ap.add_argument("--parts", default="logs,files,files-sites,web")
    ap.add_argument("--modes", default="single,1,2")
    ap.add_argument("--tasks", type=int, default=500)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--share-indicators", action="store_true",
                    help="send the log indicators as one future (what stream.share does), not one each")
    args = ap.parse_args()
    parts = args.parts.split(",")
    modes = args.modes.split(",")

    from csirt_kit.cluster.files import cluster_scan_files
    from csirt_kit.cluster.logs import LogTarget, cluster_scan_logs
    from csirt_kit.cluster.web import cluster_scan_web
    from csirt_kit.config import load_config
    from csirt_kit.demo.names import DOMAIN
    from csirt_kit.inventory.importer import import_inventory
    from csirt_kit.scan.files import FileOptions, scan_files
    from csirt_kit.scan.logs.iocs import IocMatcher
    from csirt_kit.scan.logs.scanner import LogSettings, scan_logs
    from csirt_kit.scan.rules import load_rules
    from csirt_kit.scan.web.scanner import scan_web
    from csirt_kit.scan.webroots import FILE_SCOPES
    from csirt_kit.store.db import open_store

    base = Path(args.dir)
    t = time.perf_counter()
    prov: Province = make_province(base, args.sites, args.webroot_sites, args.log_mb, args.log_file_mb)
    gen_s = round(time.perf_counter() - t, 1)
    log_mb = sum(os.path.getsize(p) for p, _ in prov.logs) / 2**20
    www_files = [os.path.join(d, f) for r, _ in prov.webroots for d, _, fs in os.walk(r) for f in fs]
    www_mb = sum(os.path.getsize(p) for p in www_files) / 2**20
    urls = prov.active_urls
    step = max(1, len(urls) // max(1, args.web_sites))
    urls = urls[::step][: args.web_sites]  # an even spread: every kind of compromise is in it

    db0 = base / "inventory.db"
    if not db0.exists():
        st = open_store(db0)
        import_inventory(st, [prov.inventory_csv])
        st.close()

    def fresh_store(name: str) -> Any:
        path = base / f"run-{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(db0, path)
        return open_store(path)

    inds = indicators(args.indicators)
    lrules = load_rules(None, scopes=("logs",))
    frules = load_rules(None, scopes=FILE_SCOPES)
    wrules = load_rules(None, scopes=("web",))
    lset = LogSettings()
    fopts = FileOptions(content_cache=False, stat_cache=False)
    ccfg = ClusterSettings(log_range_bytes=args.log_range_mb << 20, file_batch_bytes=args.file_batch_mb << 20)
    roots: list[Any] = [(Path(r), None) for r in prov.server_roots]
    site_roots: list[Any] = [(Path(r), a) for r, a in prov.webroots[: args.site_roots]]
    site_mb = sum(os.path.getsize(os.path.join(d, f)) for r, _ in site_roots for d, _, fs in os.walk(r)
                  for f in fs) / 2**20
    targets = [LogTarget((p,), a) for p, a in prov.logs]
    sizes = {"logs": (log_mb, "MB/s"), "files": (www_mb, "MB/s"), "files-sites": (site_mb, "MB/s"), "web": (len(urls), "sites/s")}
    others = Others()
    rows: list[dict[str, Any]] = []
    single: dict[str, list[Any]] = {}
    overhead: dict[int, Any] = {}

    def record(part: str, mode: str, rep: Any, m: dict[str, Any], workers: int = 0) -> None:
        size, unit = sizes[part]
        row: dict[str, Any] = {"part": part, "mode": mode, **m, "rate": round(size / m["wall"], 2),
                               "unit": unit, "findings": len(rep.findings), "errors": len(rep.errors)}
        if workers:
            tasks = sum(rep.stats.get("cluster_tasks", {}).values())
            busy = float(rep.stats.get("task_seconds", 0.0))
            row.update(tasks=tasks, task_seconds=round(busy, 2),
                       overhead_ms_per_task=round((workers * m["wall"] - busy) / max(1, tasks) * 1000, 1),
                       same_findings=facts(rep) == single[part][0] if part in single else None)
        if row.get("same_findings") is False:
            row["differences"] = str(base / f"diff-{part}-{workers}.json")
            _write_diff(Path(row["differences"]), single[part][1], rep)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)

    config_path = base / "csirt.toml"
    with web_server(base, args.sites, others) as port:
        config_path.write_text(f'[scan.web]\nresolve = {{ "*.{DOMAIN}" = "127.0.0.1:{port}" }}\n')
        config = load_config(str(config_path))
        runs: dict[str, Callable[[], Any]] = {
            "logs": lambda: _merge([scan_logs([p], asset_id=a, rules=lrules, indicators=matcher,
                                              settings=lset) for p, a in prov.logs]),
            "files": lambda: scan_files(frules, roots, options=fopts),
            "files-sites": lambda: scan_files(frules, site_roots, options=fopts),
        }
        matcher = IocMatcher(inds)
        if "single" in modes:
            for part in parts:
                if part == "web":
                    st = fresh_store("single")
                    rep, m = measure(others, lambda st=st: scan_web(st, config, wrules, targets=urls))
                    st.close()
                else:
                    rep, m = measure(others, runs[part])
                single[part] = [facts(rep), rep]
                record(part, "single machine", rep, m)
        for mode in (x for x in modes if x != "single"):
            n = int(mode)
            with dask_cluster(base, n, others) as client:
                if args.share_indicators:
                    one_future(client)
                overhead[n] = task_overhead(client, args.tasks, others)
                print(json.dumps({"workers": n, **overhead[n]}), file=sys.stderr, flush=True)
                cl: dict[str, Callable[[], Any]] = {
                    "logs": lambda c=client: cluster_scan_logs(c, lrules, targets, indicators=inds,
                                                               settings=lset, cluster=ccfg),
                    "files": lambda c=client: cluster_scan_files(c, frules, roots, options=fopts,
                                                                 settings=ccfg),
                    "files-sites": lambda c=client: cluster_scan_files(c, frules, site_roots, options=fopts,
                                                                       settings=ccfg),
                }
                for part in parts:
                    prof = base / f"profile-{part}-{n}.txt" if args.profile else None
                    if part == "web":
                        st = fresh_store(f"c{n}")
                        rep, m = measure(others, lambda c=client, st=st: cluster_scan_web(
                            c, st, config, wrules, targets=urls, cluster=ccfg), prof)
                        st.close()
                    else:
                        rep, m = measure(others, cl[part], prof)
                    record(part, f"cluster, {n} worker{'s' if n > 1 else ''}", rep, m, n)
    doc = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
           "sizes": {"sites_served": len(prov.sites), "web_sites_scanned": len(urls),
                     "webroot_sites": len(prov.webroots), "webroot_files": len(www_files),
                     "webroot_mb": round(www_mb, 1), "server_roots": len(roots),
                     "site_roots": len(site_roots), "site_roots_mb": round(site_mb, 1),
                     "indicators": len(inds), "log_files": len(prov.logs), "log_mb": round(log_mb, 1),
                     "generate_s": gen_s},
           "cluster": {"log_range_mb": args.log_range_mb, "file_batch_mb": args.file_batch_mb,
                       "web_batch_hosts": ccfg.web_batch_hosts},
           "empty_task_ms": overhead, "rows": rows}
    print(json.dumps(doc, indent=2))
    print("\n| part | mode | wall s | rate | CPU s: submitter / scheduler / workers / web server | tasks |"
          " in tasks s | overhead ms/task | submitter RSS | findings | same | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        cpu = " / ".join(str(r.get(f"cpu_{k}", "-")) for k in ("submitter", "scheduler", "workers", "server"))
        print(f"| {r['part']} | {r['mode']} | {r['wall']} | {r['rate']} {r['unit']} | {cpu} | "
              f"{r.get('tasks', '')} | {r.get('task_seconds', '')} | {r.get('overhead_ms_per_task', '')} | "
              f"+{r['submitter_rss_mb']} MB | {r['findings']} | {r.get('same_findings', '')} | {r['load_1m']} |")
    bad = [r for r in rows if r.get("same_findings") is False]
    if bad:
        sys.exit(f"cluster findings differ from the single machine's: {[(r['part'], r['mode']) for r in bad]}")


def _write_diff(path: Path, local: Any, cluster: Any) -> None:
    """The findings only one side has (kind, asset, title, evidence), for a look by hand."""
    def index(rep: Any) -> dict[str, Any]:
        return {f.fingerprint: {"kind": f.kind, "asset": f.asset_id, "title": f.title,
                                "evidence": f.evidence} for f in rep.findings}
    a, b = index(local), index(cluster)
    same_fp = [fp for fp in a if fp in b and a[fp] != b[fp]]
    path.write_text(json.dumps({"only_single": [a[k] for k in a if k not in b],
                                "only_cluster": [b[k] for k in b if k not in a],
                                "evidence_differs": [[a[k], b[k]] for k in same_fp]},
                               indent=1, default=str))


def _merge(reports: list[Any]) -> Any:
    from csirt_kit.scan.report import merge_reports

    return merge_reports(reports)


if __name__ == "__main__":
    main()
