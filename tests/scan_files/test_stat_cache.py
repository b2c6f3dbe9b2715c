"""Incremental file scans: unchanged files (size, mtime, ctime, inode, device) are not opened."""

from __future__ import annotations

import builtins
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.findings import get_finding, suppress_finding
from csirt_kit.scan import files as files_mod
from csirt_kit.scan.files import FileOptions, scan_files
from csirt_kit.scan.report import ScanReport, persist
from csirt_kit.scan.rules import RuleSet, load_rules
from csirt_kit.scan.stat_cache import key_of
from csirt_kit.store.db import Store, open_store
from tests.scan_files.conftest import write

MARK = b"CSIRT-TEST-SHELL"
OTHER_RULE = 'rule test_other { strings: $a = "CSIRT-OTHER-MARK" condition: $a }\n'
# The files are written just before the first scan; the tests take them as settled.
SETTLED = FileOptions(workers=1, racy_seconds=0.0)


@pytest.fixture
def rs(rules_dir: Path) -> RuleSet:
    """Only the test rule."""
    return load_rules(extra=[rules_dir], include_bundled=False, use_cache=False)


@pytest.fixture
def disk_store(tmp_path: Path) -> Iterator[Store]:
    """A store in a file: the caches persist only there."""
    s = open_store(tmp_path / "store" / "csirt.db")
    yield s
    s.close()


def _webroot(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    write(root / "index.html", "<html><body>Selamat datang di portal kota</body></html>\n")
    write(root / "wp-content" / "uploads" / "x.php", b"<?php\n" + MARK + b"\n")
    write(root / "js" / "app.js", "console.log('ok');\n" * 50)
    return root


@dataclass
class Reads:
    """Paths opened below one root during a scan."""

    root: str
    paths: list[str]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Reads:
    """Count every open() of a file below tmp_path/www (the scan reads in this process)."""
    seen = Reads(str(tmp_path / "www"), [])
    real_open = builtins.open

    def counting(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path).startswith(seen.root + os.sep):
            seen.paths.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting)
    return seen


def _scan(rs: RuleSet, root: Path, store: Store, **options: Any) -> ScanReport:
    opts = FileOptions(**{**SETTLED.__dict__, **options})
    return scan_files(rs, [(root, "web-1")], options=opts, store=store)


def _cached_paths(store: Store, root: Path) -> set[str]:
    """The files the stat cache holds (its rows are keyed by path hashes: map them back)."""
    by_key = {key_of(str(p)): str(p) for p in root.rglob("*")}
    return {by_key.get(r[0], "(not on disk)")
            for r in store.conn.execute("SELECT path_key FROM file_stat_cache")}


def test_an_unchanged_rescan_opens_no_file_and_gives_the_same_findings(
        tmp_path: Path, rs: RuleSet, disk_store: Store, reads: Reads) -> None:
    root = _webroot(tmp_path)
    first = _scan(rs, root, disk_store)
    assert len(reads.paths) == 3 and first.stats["read"] == 3
    reads.paths.clear()
    again = _scan(rs, root, disk_store)
    assert reads.paths == []
    assert (again.stats["unchanged"], again.stats["read"], again.stats["bytes_read"]) == (3, 0, 0)
    assert again.stats["bytes"] == first.stats["bytes"] > 0
    assert [f.fingerprint for f in again.findings] == [f.fingerprint for f in first.findings]
    assert again.findings[0].evidence == first.findings[0].evidence


def test_same_size_content_with_a_restored_mtime_is_read_again_and_found(
        tmp_path: Path, rs: RuleSet, disk_store: Store, reads: Reads) -> None:
    root = _webroot(tmp_path)
    page = root / "index.html"
    before = page.stat()
    assert _scan(rs, root, disk_store).stats["read"] == 3
    time.sleep(0.05)  # past the file system's clock tick, so the new ctime differs
    forged = b"<?php" + MARK + b"?>"
    forged += b" " * (before.st_size - len(forged))
    page.write_bytes(forged)
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))  # touch -d: mtime forged back
    after = page.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size, before.st_mtime_ns, before.st_ino)
    assert after.st_ctime_ns != before.st_ctime_ns  # the kernel set ctime: that gives it away
    reads.paths.clear()
    report = _scan(rs, root, disk_store)
    assert reads.paths == [str(page)]
    assert (report.stats["unchanged"], report.stats["read"]) == (2, 1)
    found = {f.evidence["path"]: f.evidence["sha256"] for f in report.findings}
    assert found[str(page)] == hashlib.sha256(forged).hexdigest()


def test_modified_new_and_deleted_files(tmp_path: Path, rs: RuleSet, disk_store: Store,
                                        reads: Reads) -> None:
    root = _webroot(tmp_path)
    _scan(rs, root, disk_store)
    assert _cached_paths(disk_store, root) == {str(p) for p in root.rglob("*") if p.is_file()}
    with open(root / "js" / "app.js", "ab") as fh:  # grows: a plain modification
        fh.write(b"/*" + MARK + b"*/")
    write(root / "new.php", MARK)
    (root / "wp-content" / "uploads" / "x.php").unlink()
    reads.paths.clear()
    report = _scan(rs, root, disk_store)
    assert sorted(reads.paths) == sorted([str(root / "js" / "app.js"), str(root / "new.php")])
    assert sorted(f.evidence["path"] for f in report.findings) == sorted(
        [str(root / "js" / "app.js"), str(root / "new.php")])
    assert _cached_paths(disk_store, root) == {str(p) for p in root.rglob("*") if p.is_file()}
    assert disk_store.conn.execute("SELECT count(*) FROM file_stat_cache").fetchone()[0] == 3


def test_full_reads_every_file_and_refreshes_the_cache(tmp_path: Path, rs: RuleSet,
                                                       disk_store: Store, reads: Reads) -> None:
    root = _webroot(tmp_path)
    _scan(rs, root, disk_store)
    reads.paths.clear()
    full = _scan(rs, root, disk_store, full=True)
    assert len(reads.paths) == 3
    assert (full.stats["unchanged"], full.stats["read"], full.stats["stat_cache"]) == (0, 3, "full")
    assert len(full.findings) == 1
    reads.paths.clear()
    assert _scan(rs, root, disk_store).stats["unchanged"] == 3 and reads.paths == []


def test_new_rules_read_unchanged_files_again_without_hashing_them(
        tmp_path: Path, rs: RuleSet, rules_dir: Path, disk_store: Store, reads: Reads,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = _webroot(tmp_path)
    _scan(rs, root, disk_store)
    write(root / "js" / "app.js", "// CSIRT-OTHER-MARK\n")  # changed: must be hashed
    write(rules_dir / "other.yar", OTHER_RULE)
    changed = load_rules(extra=[rules_dir], include_bundled=False, use_cache=False)
    assert changed.rules_hash != rs.rules_hash
    hashed: list[int] = []
    real_sha256 = hashlib.sha256

    class CountingHashlib:
        @staticmethod
        def sha256(data: bytes = b"") -> Any:
            hashed.append(len(data))
            return real_sha256(data)

    monkeypatch.setattr(files_mod, "hashlib", CountingHashlib)
    reads.paths.clear()
    report = _scan(rs=changed, root=root, store=disk_store)
    assert len(reads.paths) == 3  # YARA needs the bytes of every file for the new rules
    assert hashed == [len(b"// CSIRT-OTHER-MARK\n")]  # only the changed file was hashed
    assert sorted(str(f.rule) for f in report.findings) == ["other.yar:test_other", "shell.yar:test_shell"]
    assert report.stats["scanned"] == 3
    reads.paths.clear()
    hashed.clear()
    again = _scan(rs=changed, root=root, store=disk_store)
    assert reads.paths == [] and hashed == [] and len(again.findings) == 2


def test_a_suppression_holds_while_unchanged_and_lifts_when_the_content_changes(
        tmp_path: Path, rs: RuleSet, disk_store: Store, reads: Reads) -> None:
    root = _webroot(tmp_path)
    shell = root / "wp-content" / "uploads" / "x.php"
    [finding] = _scan(rs, root, disk_store).findings
    persist(disk_store, ScanReport((finding,)))
    with disk_store.write() as conn:
        suppress_finding(conn, finding.fingerprint, "test file of the vendor", "analyst", "now")
    reads.paths.clear()
    quiet = _scan(rs, root, disk_store)
    assert reads.paths == [] and quiet.stats["unchanged"] == 3
    assert persist(disk_store, quiet).quiet == (finding.fingerprint,)
    assert get_finding(disk_store.conn, finding.fingerprint).status == "suppressed"
    write(shell, b"<?php\n" + MARK + b"\n// now with a payload\n")
    reads.paths.clear()
    back = _scan(rs, root, disk_store)
    assert reads.paths == [str(shell)]
    assert persist(disk_store, back).reopened == (finding.fingerprint,)
    assert get_finding(disk_store.conn, finding.fingerprint).status == "new"


def test_files_changed_just_before_the_scan_are_read_again(tmp_path: Path, rs: RuleSet,
                                                           disk_store: Store, reads: Reads) -> None:
    root = _webroot(tmp_path)
    _scan(rs, root, disk_store, racy_seconds=3600.0)  # everything counts as just changed
    assert _cached_paths(disk_store, root) == set()
    reads.paths.clear()
    assert _scan(rs, root, disk_store).stats["read"] == 3 and len(reads.paths) == 3


def test_without_a_store_file_or_with_the_cache_off_every_file_is_read(
        tmp_path: Path, rs: RuleSet, disk_store: Store, reads: Reads) -> None:
    root = _webroot(tmp_path)
    memory = open_store(":memory:")
    for _ in range(2):
        assert _scan(rs, root, memory).stats["stat_cache"] == "off"
    memory.close()
    _scan(rs, root, disk_store)
    reads.paths.clear()
    off = _scan(rs, root, disk_store, stat_cache=False)
    assert len(reads.paths) == 3 and off.stats["stat_cache"] == "off"


def test_the_cache_setting_reads_false_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from csirt_kit.config import load_config

    monkeypatch.setenv("CSIRT_KIT_SCAN__STAT_CACHE", "false")
    assert FileOptions.from_config(load_config()).stat_cache is False
    monkeypatch.setenv("CSIRT_KIT_SCAN__STAT_CACHE", "true")
    assert FileOptions.from_config(load_config()).stat_cache is True


def test_worker_processes_report_what_they_read_for_the_cache(tmp_path: Path, rs: RuleSet,
                                                              disk_store: Store) -> None:
    root = _webroot(tmp_path)
    pool = {"workers": 2, "in_process_below": 1, "batch_files": 1}
    first = _scan(rs, root, disk_store, **pool)
    assert first.stats["workers"] == 2 and first.stats["read"] == 3
    again = _scan(rs, root, disk_store, **pool)
    assert (again.stats["unchanged"], again.stats["read"]) == (3, 0)
    assert [f.evidence for f in again.findings] == [f.evidence for f in first.findings]


def test_evidence_from_the_cache_equals_evidence_from_reading(tmp_path: Path, rs: RuleSet,
                                                              disk_store: Store) -> None:
    root = _webroot(tmp_path)
    shell = root / "wp-content" / "uploads" / "x.php"
    # An mtime whose float form differs between ns / 1e9 and Python's own st_mtime.
    mtime_ns = 1730257678620673558
    os.utime(shell, ns=(mtime_ns, mtime_ns))
    read = _scan(rs, root, disk_store).findings
    cached = _scan(rs, root, disk_store)
    assert cached.stats["unchanged"] == 3
    assert [f.evidence for f in cached.findings] == [f.evidence for f in read]
