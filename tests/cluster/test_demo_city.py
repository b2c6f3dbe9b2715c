"""End to end on the demo city: `csirt cluster scan` stores the findings the single-machine
scans make; web scans on the cluster match `scan_web`. Sites' webroots and logs are pinned
to a worker that serves their hosting servers by resource, like a worker on each server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.cluster.web import cluster_scan_web, host_batches
from csirt_kit.config import load_config
from csirt_kit.demo import DemoCity, DemoWebServer, build_city
from csirt_kit.scan.rules import load_rules
from csirt_kit.scan.web.fetch import host_of
from csirt_kit.scan.web.scanner import WebTarget, scan_web
from csirt_kit.store.db import open_store

from .conftest import finding_facts
from .localcluster import dask_worker

HOSTING = "hosting"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> DemoCity:
    return build_city(tmp_path_factory.mktemp("cluster-demo") / "city")


@pytest.fixture(scope="module")
def hosting_worker(cluster: Any, city: DemoCity) -> Iterator[str]:
    """One worker that serves every hosting server of the city (by resource)."""
    servers = sorted({s.server for s in city.sites})
    with dask_worker(cluster.scheduler_address, HOSTING,
                     "--resources", ",".join(f"{s}=1" for s in servers)) as name:
        yield name


def facts(doc: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    ev = lambda f: tuple(f["evidence"].get(k) for k in ("path", "line", "offset", "count", "sha256"))  # noqa: E731
    return {f["fingerprint"]: (f["kind"], f["asset_id"], f["rule"], f["indicator"], ev(f))
            for f in doc["findings"]}


def test_cluster_scan_stores_the_findings_of_the_single_machine_scans(
        cli: Any, city: DemoCity, cluster: Any, hosting_worker: str, tmp_path: Path) -> None:
    cfg_path = city.write_config(tmp_path / "csirt.toml", 9)
    # Warninglists cost a minute to load here and the demo's feed values need none.
    cfg_path.write_text(cfg_path.read_text() + "\n[intel.warninglists]\nenabled = false\n")
    cfg = str(cfg_path)
    cli(["--config", cfg, "assets", "import", str(city.inventory_csv)])
    cli(["--config", cfg, "intel", "sync"])
    local_files = cli(["--config", cfg, "--json", "scan", "files", "--webroots"]).json
    local_logs = cli(["--config", cfg, "--json", "scan", "logs", "--inventory"]).json
    before = cli(["--config", cfg, "--json", "findings", "list"]).json["count"]
    remote = cli(["--config", cfg, "--json", "cluster", "scan", "--cluster",
                  cluster.scheduler_address]).json
    local = {**facts(local_files), **facts(local_logs)}
    kinds = {k[0] for k in local.values()}
    assert {"yara.file", "yara.log", "ioc.log"} <= kinds
    assert facts(remote) == local
    assert {e["target"] for e in remote["errors"]} == {
        e["target"] for e in [*local_files["errors"], *local_logs["errors"]]}
    assert cli(["--config", cfg, "--json", "findings", "list"]).json["count"] == before  # upserted


def test_web_scan_on_the_cluster_matches_scan_web(
        cli: Any, city: DemoCity, client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = DemoWebServer(city)
    _, port = server.start()
    try:
        cfg = city.write_config(tmp_path / "csirt.toml", port)
        web_expected = [f.where for f in city.expected.findings if f.where.startswith("http")]
        urls = sorted({*web_expected, *[s.url for s in city.sites if s.status == "active"][:25]})
        rules = load_rules(None, scopes=("web",), use_cache=False)
        reports = []
        for name, scan in (("local", lambda st, c: scan_web(st, c, rules, targets=urls)),
                           ("cluster", lambda st, c: cluster_scan_web(client, st, c, rules, targets=urls))):
            monkeypatch.setenv("CSIRT_KIT_STORE__PATH", str(tmp_path / f"{name}.db"))
            cli(["--config", str(cfg), "assets", "import", str(city.inventory_csv)])
            config = load_config(str(cfg))
            store = open_store(config.store_path)
            try:
                server.set_compromised(False)  # the baselines, then the attacks: defacements too
                scan(store, config)
                server.set_compromised(True)
                reports.append(scan(store, config))
            finally:
                store.close()
        local, remote = reports
        assert "web.defacement" in {f.kind for f in local.findings}
        assert {f.kind for f in local.findings} >= {"yara.web", "web.redirect", "web.cloaking"}
        assert finding_facts(remote) == finding_facts(local)
        assert sorted(map(repr, remote.errors)) == sorted(map(repr, local.errors))
        assert remote.stats["requests"] == local.stats["requests"]
    finally:
        server.stop()


def test_each_host_is_in_exactly_one_web_batch() -> None:
    targets = [WebTarget(f"http://h{i % 7}.kota.test/p{i}") for i in range(40)]
    batches = host_batches(targets, 3)
    assert len(batches) == 3 and sum(map(len, batches)) == 40
    owners: dict[str, int] = {}
    for n, batch in enumerate(batches):
        for t in batch:
            assert owners.setdefault(host_of(t.url), n) == n
