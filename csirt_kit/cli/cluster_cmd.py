"""`csirt cluster local|status|scan`: a Dask cluster for scale-out scans."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Annotated, Any

import typer
from rich.console import Console

from csirt_kit.cli import render
from csirt_kit.cli.context import AppContext, get
from csirt_kit.cli.scan_cmd import FAIL_ON_HELP, check_fail_on, finish_scan
from csirt_kit.errors import UsageError

cluster_app = typer.Typer(help="Scale scans out on a Dask distributed cluster.", no_args_is_help=True)

CLUSTER_HELP = "Scheduler address (tcp://HOST:8786 or tls://...); default: [cluster] scheduler."


@cluster_app.command("local")
def local_cmd(
    ctx: typer.Context,
    workers: Annotated[int, typer.Option("--workers", "-n", help="Worker processes.", min=1)] = 2,
    threads: Annotated[int, typer.Option("--threads", help="Threads per worker.", min=1)] = 1,
    memory_limit: Annotated[str, typer.Option(
        "--memory-limit", help="Memory cap per worker (e.g. 2GiB).")] = "2GiB",
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Scheduler port (0: any free one).")] = 8786,
) -> None:
    """Start a LocalCluster on this machine and print its address until Ctrl-C."""
    from csirt_kit.cluster.connect import _distributed

    app = get(ctx)
    distributed = _distributed()
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # The statistical profiler walks every thread's stack every 10 ms: costly with the
    # 64 fetch threads of a web task.
    import dask

    no_profiler = dask.config.set({"distributed.worker.profile.enabled": False})
    try:
        with no_profiler, distributed.LocalCluster(
                n_workers=workers, threads_per_worker=threads, processes=True, host=host,
                scheduler_port=port, memory_limit=memory_limit, dashboard_address=":0",
                silence_logs=40) as lc:
            address = lc.scheduler_address
            app.emit({"scheduler": address, "workers": workers},
                     lambda console: console.print(address, markup=False))
            sys.stdout.flush()
            app.info(f"{workers} worker(s); use --cluster {address} or [cluster] scheduler;"
                     " Ctrl-C to stop")
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
            app.info("stopping the cluster")
    finally:
        signal.signal(signal.SIGTERM, previous)


def _client(app: AppContext, address: str) -> Any:
    from csirt_kit.cluster.connect import connect

    client = connect(app.config, address or None)
    if client is None:
        raise UsageError("no cluster configured", where=app.config.where(),
                         fix="set [cluster] scheduler = \"tcp://HOST:8786\" or pass --cluster ADDRESS")
    return client


@cluster_app.command("status")
def status_cmd(
    ctx: typer.Context,
    cluster: Annotated[str, typer.Option("--cluster", help=CLUSTER_HELP, metavar="ADDRESS")] = "",
) -> None:
    """List workers: versions of csirt-kit and yara, rules hashes, hosts and resources."""
    from csirt_kit.cluster.check import cluster_status, local_info, mismatches

    app = get(ctx)
    client = _client(app, cluster)
    try:
        workers = cluster_status(client)
        address = str(client.scheduler.address)
    finally:
        client.close()
    here = local_info()
    problems = mismatches(here, workers)
    doc = {"scheduler": address, "items": [w.to_dict() for w in workers], "count": len(workers),
           "local": {k: here[k] for k in ("csirt_kit", "yara", "libyara", "bundled_rules_hash")},
           "problems": problems}

    def show(console: Console) -> None:
        render.table(console, f"{len(workers)} worker(s) of {address}",
                     ["name", "address", "host", "threads", "csirt-kit", "yara", "rules hash",
                      "loaded rules", "resources"],
                     ([w.name, w.address, str(w.info.get("hostname", w.host)), str(w.nthreads),
                       str(w.info.get("csirt_kit", "?")), str(w.info.get("libyara", "?")),
                       str(w.info.get("bundled_rules_hash", "?"))[:16],
                       ", ".join(h[:12] for h in w.info.get("loaded_rules", {})) or "-",
                       ", ".join(f"{k}={v:g}" for k, v in w.resources.items()) or "-"]
                      for w in workers))
        for p in problems:
            console.print(f"refused: {p}", markup=False)

    app.emit(doc, show)
    if problems:
        from csirt_kit.cli.exit_codes import ExitCode

        raise typer.Exit(int(ExitCode.BAD_INPUT))


@cluster_app.command("scan")
def scan_cmd(
    ctx: typer.Context,
    cluster: Annotated[str, typer.Option("--cluster", help=CLUSTER_HELP, metavar="ADDRESS")] = "",
    webroots: Annotated[bool, typer.Option("--webroots/--no-webroots",
                                           help="Scan the webroots of active assets.")] = True,
    logs: Annotated[bool, typer.Option("--logs/--no-logs", help="Scan the logs of active assets.")] = True,
    web: Annotated[bool, typer.Option("--web/--no-web", help="Scan the URLs of active assets.")] = False,
    fail_on: Annotated[str, typer.Option("--fail-on", help=FAIL_ON_HELP)] = "",
) -> None:
    """Scan the inventory's webroots, logs (and URLs) on the cluster; findings stored here."""
    from csirt_kit.cluster.run import scan_inventory
    from csirt_kit.cluster.stream import ClusterLost
    from csirt_kit.scan.report import persist

    check_fail_on(fail_on)
    app = get(ctx)
    if not (webroots or logs or web):
        raise UsageError("nothing to scan", fix="drop a --no-... flag")
    client = _client(app, cluster)
    try:
        with app.progress("cluster") as progress:
            report = scan_inventory(client, app.store, app.config, webroots=webroots, logs=logs,
                                    web=web, progress=progress)
    except ClusterLost as lost:
        # Keep what was scanned; the handler prints the error and exits 4.
        stored = persist(app.store, lost.partial)
        app.warn(f"cluster lost: stored {len(lost.partial.findings)} finding(s) scanned before"
                 f" ({stored.new} new)")
        raise
    finally:
        client.close()
    finish_scan(app, report, fail_on)


def register(app: typer.Typer) -> None:
    """Add the `cluster` group to the main app."""
    app.add_typer(cluster_app, name="cluster")
