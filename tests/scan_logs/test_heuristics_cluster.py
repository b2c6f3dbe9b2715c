"""Log heuristics on a real LocalCluster: a log cut in many byte ranges (and a rotated gzip
sibling) gives exactly the findings of the single-machine scan."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")

from csirt_kit.cluster.connect import ClusterSettings  # noqa: E402
from csirt_kit.cluster.logs import LogTarget, cluster_scan_logs  # noqa: E402
from csirt_kit.scan.logs.crawlers import CrawlerCheck, CrawlerVerifier  # noqa: E402
from csirt_kit.scan.logs.reader import ReadLimits  # noqa: E402
from csirt_kit.scan.logs.scanner import LogSettings, scan_logs  # noqa: E402
from tests.cluster.localcluster import local_client  # noqa: E402
from tests.scan_logs.test_heuristics import SAMPLES, FakeDns  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with local_client(2) as c:
        yield c


def facts(report: Any) -> list[tuple[Any, ...]]:
    return sorted((f.fingerprint, f.kind, f.severity, f.title, repr(sorted(f.evidence.items())))
                  for f in report.findings)


def test_cluster_ranges_give_the_local_heuristic_findings(client: Any, tmp_path: Path) -> None:
    from csirt_kit.scan.logs.formats import parse_line

    lines: list[str] = []
    for sample in sorted(SAMPLES.glob("*.log")):
        lines += sample.read_text().splitlines(keepends=True)
    lines.sort(key=lambda line: parse_line("combined", line, 2026).ts)
    cut = len(lines) // 3
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "access.log.1.gz").write_bytes(gzip.compress("".join(lines[:cut]).encode()))
    (folder / "access.log").write_text("".join(lines[cut:]))
    # small chunks and ranges: the live file is cut into many ranges on two workers
    settings = LogSettings(limits=ReadLimits(chunk_size=8192, max_line=2048))
    local = scan_logs([str(folder / "access.log")], asset_id="web-1", settings=settings,
                      verifier=CrawlerVerifier(CrawlerCheck(), FakeDns()))
    remote = cluster_scan_logs(client, None, [LogTarget((str(folder / "access.log"),), "web-1")],
                               settings=settings, cluster=ClusterSettings(log_range_bytes=16384),
                               verifier=CrawlerVerifier(CrawlerCheck(), FakeDns()))
    assert sum(remote.stats["cluster_tasks"].values()) >= 8  # plan, the gzip file, 6+ ranges
    kinds = {f.kind for f in local.findings}
    assert kinds == {"log.fake_crawler", "log.upload_post", "log.webshell_use", "log.gambling_slug",
                     "log.sitemap_burst"}
    assert facts(remote) == facts(local)
    for key in ("crawler_genuine", "crawler_fake", "crawler_private", "upload_post_probes"):
        assert remote.stats[key] == local.stats[key], key
