"""File scanning: evidence, stable fingerprints, walk limits, bad input as scan errors, the pool."""

from __future__ import annotations

import builtins
import os
from dataclasses import replace
from pathlib import Path

import pytest

from csirt_kit.scan import files as files_mod
from csirt_kit.scan.files import BatchJob, FileOptions, FileTarget, scan_batch, scan_files
from csirt_kit.scan.rules import RuleSet, load_rules
from csirt_kit.scan.runner import set_local_rules
from tests.scan_files.conftest import write

MARK = b"CSIRT-TEST-SHELL"


@pytest.fixture
def rs(rules_dir: Path) -> RuleSet:
    """Only the test rule: predictable hits."""
    return load_rules(extra=[rules_dir], include_bundled=False, use_cache=False)


def _webroot(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    write(root / "index.html", "<html>hello</html>")
    write(root / "uploads" / "2026" / "img.php", b"<?php\n// x\n" + MARK + b"\n")
    write(root / "empty.txt", b"")
    return root


def test_a_hit_carries_path_offset_snippet_sha256_size_and_mtime(tmp_path: Path, rs: RuleSet) -> None:
    root = _webroot(tmp_path)
    report = scan_files(rs, [(root, "web-1")])
    [f] = report.findings
    shell = root / "uploads" / "2026" / "img.php"
    assert (f.kind, f.asset_id, f.rule, f.severity) == ("yara.file", "web-1", "shell.yar:test_shell", "high")
    ev = f.evidence
    assert ev["path"] == str(shell) and ev["offset"] == 11 and ev["snippet"] == MARK.decode()
    import hashlib

    assert ev["sha256"] == hashlib.sha256(shell.read_bytes()).hexdigest()
    assert ev["size"] == shell.stat().st_size and ev["mtime"].endswith("Z")
    assert report.errors == () and report.stats["files"] == 3 and report.stats["targets"] == 1


def test_a_rescan_gives_the_same_fingerprint_and_another_path_another(tmp_path: Path, rs: RuleSet) -> None:
    root = _webroot(tmp_path)
    first = scan_files(rs, [(root, "web-1")]).findings[0]
    again = scan_files(rs, [(root, "web-1")]).findings[0]
    write(root / "other.php", MARK)
    both = scan_files(rs, [(root, "web-1")]).findings
    assert first.fingerprint == again.fingerprint
    assert len({f.fingerprint for f in both}) == 2


def test_symlinks_are_not_followed_out_of_the_root(tmp_path: Path, rs: RuleSet) -> None:
    root = _webroot(tmp_path)
    outside = write(tmp_path / "outside" / "secret.php", MARK)
    os.symlink(outside, root / "link.php")
    os.symlink(outside.parent, root / "linkdir")
    report = scan_files(rs, [(root, None)])
    assert [f.evidence["path"] for f in report.findings] == [str(root / "uploads" / "2026" / "img.php")]
    assert report.stats["symlinks_skipped"] == 2


def test_oversized_files_are_scan_errors_and_the_run_goes_on(tmp_path: Path, rs: RuleSet) -> None:
    root = _webroot(tmp_path)
    big = write(root / "backup.sql", MARK + b"x" * 5000)
    report = scan_files(rs, [(root, None)], options=FileOptions(max_size=1000))
    assert [e.target for e in report.errors] == [str(big)]
    assert "size cap" in report.errors[0].error
    assert len(report.findings) == 1


def test_missing_paths_and_unreadable_files_are_scan_errors(tmp_path: Path, rs: RuleSet,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = _webroot(tmp_path)
    locked = write(root / "locked.php", MARK)
    real_open = builtins.open

    def guarded(path: object, *args: object, **kwargs: object) -> object:
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", guarded)
    report = scan_files(rs, [(root, None), (tmp_path / "gone", None)])
    errors = {e.target: e.error for e in report.errors}
    assert errors[str(locked)] == "cannot read: permission denied"
    assert errors[str(tmp_path / "gone")] == "vanished or does not exist"
    assert len(report.findings) == 1


def test_a_file_that_vanishes_before_its_turn_is_a_scan_error(tmp_path: Path, rs: RuleSet) -> None:
    set_local_rules(rs.yara_rules)
    present = write(tmp_path / "a.php", MARK)
    results = scan_batch([FileTarget(str(tmp_path / "vanished.php"), 10), FileTarget(str(present), 16)],
                         BatchJob(max_size=1000, timeout=5))
    assert [(r.path, r.error) for r in results] == [
        (str(tmp_path / "vanished.php"), "cannot read: vanished or does not exist"),
        (str(present), "")]


def test_a_yara_timeout_is_a_scan_error_for_that_file(tmp_path: Path) -> None:
    folder = write(tmp_path / "slow" / "loop.yar",
                   "rule loop { condition: for all i in (0..filesize) : "
                   "( for all j in (0..filesize) : (uint8(i) != 0x100 + j) ) }\n").parent
    slow = load_rules(extra=[folder], include_bundled=False, use_cache=False)
    big = write(tmp_path / "data" / "big.bin", b"a" * 200_000)
    write(tmp_path / "data" / "small.bin", b"")
    report = scan_files(slow, [(tmp_path / "data", None)], options=FileOptions(timeout=1))
    assert [(e.target, e.error) for e in report.errors] == [
        (str(big), "YARA timed out after 1s (scan.file_timeout)")]


def test_the_process_pool_finds_the_same_as_in_process(tmp_path: Path, rs: RuleSet) -> None:
    root = tmp_path / "many"
    for i in range(150):
        write(root / f"d{i % 7}" / f"f{i}.php", (MARK if i % 10 == 0 else b"clean") + b"\n" * i)
    base = FileOptions(workers=2, batch_files=16)
    pooled = scan_files(rs, [(root, "a")], options=replace(base, in_process_below=0))
    local = scan_files(rs, [(root, "a")], options=replace(base, in_process_below=10_000))
    assert pooled.stats["workers"] == 2
    assert sorted(f.fingerprint for f in pooled.findings) == sorted(f.fingerprint for f in local.findings)
    assert len(pooled.findings) == 15 and pooled.errors == ()


def test_a_dying_worker_turns_its_batch_into_scan_errors(tmp_path: Path, rs: RuleSet,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "crash"
    for i in range(40):
        write(root / f"f{i}.txt", MARK if i == 0 else b"x")
    monkeypatch.setenv("CSIRT_KIT_TEST_CRASH_ON", str(root / "f5.txt"))
    monkeypatch.setattr(files_mod, "scan_batch", _crashing_batch)
    report = scan_files(rs, [(root, None)], options=FileOptions(workers=2, batch_files=4,
                                                                in_process_below=0))
    assert report.errors and all("worker process died" in e.error for e in report.errors)
    assert str(root / "f5.txt") in {e.target for e in report.errors}
    scanned_or_failed = len(report.errors) + report.stats["files"]
    assert scanned_or_failed >= 40  # every file was either scanned or reported


def _crashing_batch(batch: list[FileTarget], job: BatchJob) -> list[object]:
    if any(t.path == os.environ.get("CSIRT_KIT_TEST_CRASH_ON") for t in batch):
        os._exit(9)  # simulate libyara crashing the worker
    return scan_batch(batch, job)  # type: ignore[return-value]


def test_equal_content_is_scanned_once_and_reported_at_every_path(tmp_path: Path, rs: RuleSet,
                                                                  store_path: Path) -> None:
    from csirt_kit.store.db import open_store

    root = tmp_path / "sites"
    for site in ("a", "b", "c"):
        write(root / site / "wp-includes" / "core.php", b"<?php // same core file\n")
        write(root / site / "uploads" / "x.php", MARK)
    store = open_store(str(store_path))
    first = scan_files(rs, [(root, None)], store=store)
    assert first.stats["files"] == 6 and first.stats["scanned"] == 2  # two distinct contents
    assert sorted(f.evidence["path"] for f in first.findings) == [
        str(root / s / "uploads" / "x.php") for s in ("a", "b", "c")]
    again = scan_files(rs, [(root, None)], store=store)
    assert again.stats["scanned"] == 0
    assert sorted(f.fingerprint for f in again.findings) == sorted(f.fingerprint for f in first.findings)
    assert [f.evidence for f in again.findings] == [f.evidence for f in first.findings]
    write(root / "a" / "wp-includes" / "core.php", b"<?php // planted\n" + MARK)  # same mtime trick or not
    changed = scan_files(rs, [(root, None)], store=store)
    assert changed.stats["scanned"] == 1 and len(changed.findings) == 4
    store.close()


def test_the_content_cache_is_keyed_by_rules_and_by_externals_when_rules_read_them(
        tmp_path: Path, rules_dir: Path, store_path: Path) -> None:
    from csirt_kit.store.db import open_store

    store = open_store(str(store_path))
    root = tmp_path / "w"
    write(root / "a.php", MARK)
    write(root / "a.txt", MARK)
    plain = load_rules(extra=[rules_dir], include_bundled=False, use_cache=False)
    assert not plain.uses_externals
    assert len(scan_files(plain, [(root, None)], store=store).findings) == 2
    write(rules_dir / "ext.yar", 'rule php_only { strings: $a = "CSIRT-TEST" condition: $a and '
                                 'extension == ".php" }\n')
    ext = load_rules(extra=[rules_dir], include_bundled=False, use_cache=False)
    assert ext.uses_externals and ext.rules_hash != plain.rules_hash
    report = scan_files(ext, [(root, None)], store=store)
    assert report.stats["scanned"] == 2
    assert sorted((Path(f.evidence["path"]).name, f.rule.split(":")[1]) for f in report.findings) == [
        ("a.php", "php_only"), ("a.php", "test_shell"), ("a.txt", "test_shell")]
    store.close()
