"""Fixtures of the cluster tests: a real LocalCluster (2 worker processes on loopback), a named
worker started with the `dask worker` command, and generators of logs and webroots."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")

from csirt_kit.models import EventRef, Indicator  # noqa: E402
from csirt_kit.scan.rules import RuleSet, load_rules  # noqa: E402
from tests.cluster.localcluster import dask_worker, local_cluster, wait_for  # noqa: E402, F401

BAD_IPS = ("203.0.113.66", "198.51.100.23")
NAMED = "web01"


@pytest.fixture(scope="package")
def cluster() -> Iterator[Any]:
    """A LocalCluster with two worker processes (nannies restart a killed one)."""
    with local_cluster(2) as lc:
        yield lc


@pytest.fixture()
def client(cluster: Any) -> Iterator[Any]:
    """A client of the package's cluster, with both local workers up."""
    with distributed.Client(cluster.scheduler_address, set_as_default=False, timeout=20) as c:
        c.wait_for_workers(2, timeout=60)
        yield c


@pytest.fixture(scope="package")
def named_worker(cluster: Any) -> Iterator[str]:
    """A third worker, started like one on a hosting server: `dask worker ... --name web01`."""
    with dask_worker(cluster.scheduler_address, NAMED) as name:
        yield name


@pytest.fixture(scope="package")
def log_rules() -> RuleSet:
    """The bundled log rules."""
    return load_rules(None, scopes=("logs",), use_cache=False)


@pytest.fixture(scope="package")
def file_rules() -> RuleSet:
    """The bundled file and web rules (what webroot scans use)."""
    return load_rules(None, scopes=("files", "web"), use_cache=False)


def indicators() -> list[Indicator]:
    """Two bad IPs and a bad user agent."""
    ev = EventRef("e1", "test event", "2026-11-20", "1")
    return [*(Indicator("feed", "ip-src", ip, ev) for ip in BAD_IPS),
            Indicator("feed", "user-agent", "EvilScanner/6.6", ev)]


def write_log(path: Path, lines: int, seed: int = 1, long_every: int = 0, max_line: int = 0) -> Path:
    """A combined access log over three days with attacks, IoC hits and (optionally) over-long lines."""
    rnd = random.Random(seed)
    days = ("20/Nov/2026", "21/Nov/2026", "22/Nov/2026")
    out = []
    for i in range(lines):
        day = days[i * len(days) // lines]
        when = f"{day}:{(i // 60) % 24:02d}:{i % 60:02d}:00 +0700"
        ip, path_, ua = f"10.1.{rnd.randint(0, 9)}.{rnd.randint(1, 250)}", f"/page/{i}", "Mozilla/5.0"
        roll = rnd.random()
        if roll < 0.004:
            path_ = "/index.php?id=1%20union%20select%20user,password%20from%20users"
        elif roll < 0.008:
            path_ = "/download.php?file=../../../../etc/passwd"
        elif roll < 0.011:
            ip = rnd.choice(BAD_IPS)
        elif roll < 0.013:
            ua = "EvilScanner/6.6"
        if long_every and i % long_every == long_every - 1:
            path_ = "/q?" + "a" * (max_line * 4 + rnd.randint(0, max_line * 4))
        out.append(f'{ip} - - [{when}] "GET {path_} HTTP/1.1" 200 512 "-" "{ua}"\n')
    data = "".join(out)
    path.write_text(data[:-1])  # the last line has no newline
    return path


def write_webroot(root: Path, files: int, seed: int = 2) -> Path:
    """A webroot of harmless PHP with a few planted test samples from tests/data/samples."""
    samples = sorted((Path(__file__).parents[1] / "data" / "samples" / "files").glob("*/*.match"))
    rnd = random.Random(seed)
    for i in range(files):
        sub = root / f"d{i % 7}"
        sub.mkdir(parents=True, exist_ok=True)
        if samples and i % 40 == 5:
            src = samples[(i // 40) % len(samples)]
            ext = src.stem.split("_")[0]
            (sub / f"up{i}.{ext}").write_bytes(src.read_bytes())
        else:
            body = "".join(f"echo 'line {j} {rnd.random()}';\n" for j in range(rnd.randint(3, 60)))
            (sub / f"f{i}.php").write_text(f"<?php\n{body}?>\n")
    return root


def finding_facts(report: Any) -> list[tuple[Any, ...]]:
    """What must be identical between a local and a cluster scan, sorted by fingerprint."""
    out = []
    for f in report.findings:
        ev = dict(f.evidence)
        out.append((f.fingerprint, f.kind, f.asset_id, f.severity, f.rule, f.indicator,
                    repr(sorted(ev.items()))))
    return sorted(out)


def pid_of(client: Any, name: str) -> int:
    """The process id of the worker with this name."""
    pids = client.run(os.getpid)
    for addr, info in client.scheduler_info()["workers"].items():
        if str(info.get("name")) == name:
            return int(pids[addr])
    raise AssertionError(f"no worker named {name}")
