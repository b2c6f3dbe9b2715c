"""Cluster observability: what each worker runs, and the doctor's check that refuses a mismatch.

A worker must run the same csirt-kit version, the same libyara (compiled rules are shipped
as bytes, which only the same libyara loads) and the same bundled rules as the submitting
process; otherwise its findings could differ, so scans refuse such a cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.config import Config
from csirt_kit.doctor import Check
from csirt_kit.errors import ConfigError, CsirtError

COMPARED = (("csirt_kit", "csirt-kit version"), ("libyara", "libyara version"),
            ("bundled_rules_hash", "bundled rules hash"))


@dataclass(frozen=True)
class WorkerStatus:
    """One worker: where it is, what it can do and what it runs."""

    address: str
    name: str
    host: str
    nthreads: int
    memory_limit: int
    resources: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `cluster status`."""
        return {"address": self.address, "name": self.name, "host": self.host,
                "nthreads": self.nthreads, "memory_limit": self.memory_limit,
                "resources": self.resources, **self.info, "error": self.error}


def local_info() -> dict[str, Any]:
    """The same facts about this (submitting) process."""
    from csirt_kit.cluster.worker import worker_info

    return worker_info()


def cluster_status(client: Any) -> list[WorkerStatus]:
    """Every worker the scheduler knows, with its versions and loaded rules."""
    from csirt_kit.cluster.worker import worker_info

    infos = client.run(worker_info, on_error="return")
    out = []
    for address, w in sorted(client.scheduler_info(n_workers=-1)["workers"].items(),
                             key=lambda kv: str(kv[1].get("name"))):
        info = infos.get(address)
        error = f"{type(info).__name__}: {info}" if isinstance(info, BaseException) else ""
        out.append(WorkerStatus(address, str(w.get("name", "")), str(w.get("host", "")),
                                int(w.get("nthreads", 0)), int(w.get("memory_limit", 0) or 0),
                                dict(w.get("resources") or {}),
                                info if isinstance(info, dict) else {}, error))
    return out


def mismatches(here: dict[str, Any], workers: list[WorkerStatus]) -> list[str]:
    """Why each worker that differs from this process would scan differently."""
    out = []
    for w in workers:
        if w.error:
            out.append(f"worker {w.name} ({w.address}) did not answer: {w.error}")
            continue
        for key, label in COMPARED:
            if w.info.get(key) != here.get(key):
                out.append(f"worker {w.name} ({w.address}) runs {label} {w.info.get(key)!r},"
                           f" this process {here.get(key)!r}")
    return out


def verify_workers(client: Any) -> list[WorkerStatus]:
    """The workers, or ConfigError when any runs another csirt-kit, libyara or bundled rules."""
    workers = cluster_status(client)
    if not workers:
        raise ConfigError("the Dask cluster has no workers", fix="start workers: dask worker SCHEDULER")
    problems = mismatches(local_info(), workers)
    if problems:
        raise ConfigError("refusing a cluster whose workers differ: " + "; ".join(problems[:5]),
                          fix="install the same csirt-kit (and yara-python) on every worker")
    return workers


def check_cluster(config: Config, address: str | None = None) -> Iterator[Check]:
    """Doctor lines: scheduler reachable, each worker's versions, rules hash; fail on a mismatch."""
    from csirt_kit.cluster.connect import cluster_settings, connect

    settings = cluster_settings(config, address)
    if not settings.scheduler:
        yield Check("cluster", "ok", "no [cluster] scheduler: scans run on this machine")
        return
    try:
        client = connect(config, address)
    except CsirtError as exc:
        yield Check("cluster", "fail", exc.message)
        return
    try:
        workers = cluster_status(client)
        here = local_info()
        tls = "TLS" if settings.uses_tls else "plain tcp (no TLS)"
        yield Check("cluster", "ok" if workers else "warn",
                    f"{settings.scheduler}: {len(workers)} worker(s), {tls}")
        if settings.scheduler.startswith("tcp://"):
            yield Check("cluster tls", "warn", "the scheduler link is not encrypted: use tls:// "
                                               "and cluster.tls_* keys across networks")
        bad = set()
        for problem in mismatches(here, workers):
            bad.add(problem.split(" ")[1])
            yield Check("cluster worker", "fail", problem)
        for w in workers:
            if w.name in bad:
                continue
            serves = ", ".join(sorted(w.resources)) or "no resources"
            yield Check(f"cluster worker {w.name}", "ok",
                        f"{w.address} on {w.info.get('hostname', w.host)}: csirt-kit "
                        f"{w.info.get('csirt_kit')}, yara {w.info.get('yara')} (libyara "
                        f"{w.info.get('libyara')}), rules {str(w.info.get('bundled_rules_hash'))[:16]}, "
                        f"{w.nthreads} thread(s), {serves}")
    finally:
        client.close()
