"""Cluster file scans and the stat cache: the cluster reads every file and leaves the cache alone."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.scan.files import FileOptions, scan_files
from csirt_kit.scan.rules import RuleSet, load_rules
from csirt_kit.store.db import Store, open_store
from tests.cluster.localcluster import local_client
from tests.scan_files.conftest import write

distributed = pytest.importorskip("distributed")

MARK = b"CSIRT-TEST-SHELL"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One local worker process on loopback."""
    with local_client(1) as c:
        yield c


def _rows(store: Store) -> list[tuple[Any, ...]]:
    return store.conn.execute("SELECT * FROM file_stat_cache ORDER BY path_key").fetchall()


def test_a_cluster_scan_reads_a_forged_file_and_leaves_the_cache_as_it_was(
        client: Any, rules_dir: Path, tmp_path: Path) -> None:
    from csirt_kit.cluster.files import cluster_scan_files

    rs: RuleSet = load_rules(extra=[rules_dir], include_bundled=False, use_cache=False)
    root = tmp_path / "www"
    page = write(root / "index.html", "<html><body>Selamat datang di portal kota</body></html>")
    write(root / "js" / "app.js", "console.log('ok');\n")
    store = open_store(tmp_path / "csirt.db")
    options = FileOptions(workers=1, racy_seconds=0.0)
    assert scan_files(rs, [(root, "web-1")], options=options, store=store).findings == ()
    before_rows = _rows(store)
    assert len(before_rows) == 2
    time.sleep(0.05)  # past the file system's clock tick, so the new ctime differs
    st = page.stat()
    forged = (b"<?php" + MARK + b"?>").ljust(st.st_size, b" ")
    page.write_bytes(forged)
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    on_cluster = cluster_scan_files(client, rs, [(str(root), "web-1")], options=options)
    assert [f.evidence["path"] for f in on_cluster.findings] == [str(page)]
    assert on_cluster.stats["files"] == 2 and "unchanged" not in on_cluster.stats
    assert _rows(store) == before_rows  # the cluster neither used nor changed the cache
    local = scan_files(rs, [(root, "web-1")], options=options, store=store)
    assert (local.stats["unchanged"], local.stats["read"]) == (1, 1)
    assert [f.fingerprint for f in local.findings] == [f.fingerprint for f in on_cluster.findings]
    store.close()
