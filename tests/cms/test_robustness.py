"""Walk safety and failure handling: symlinks are not followed, a crash is a scan error for one webroot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from csirt_kit.scan.cms import checks
from tests.cms.helpers import kinds, make_wordpress, write_tree


def test_symlinks_are_never_followed(tmp_path: Path, run_scan) -> None:
    outside = write_tree(tmp_path / "outside", {"shell.php": "<?php echo 1;\n",
                                                ".htaccess": "AddType application/x-httpd-php .jpg\n"})
    root = make_wordpress(tmp_path / "wp")
    os.symlink(outside, root / "wp-content" / "uploads" / "linked")
    os.symlink(outside / "shell.php", root / "wp-content" / "uploads" / "x.php")
    report = run_scan(root)
    assert report.findings == ()
    assert report.stats["symlinks_skipped"] == 2


def test_a_crashing_check_is_a_scan_error_for_that_webroot_only(tmp_path: Path, run_scan,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 store) -> None:
    from csirt_kit.scan.cms.options import CmsOptions
    from csirt_kit.scan.cms.scanner import Webroot, scan_webroot_list

    def boom(rel: str, data: bytes) -> list[checks.Spec]:
        raise RuntimeError("parser bug")

    monkeypatch.setattr(checks, "config_tricks", boom)
    broken = write_tree(tmp_path / "broken", {"index.php": "<?php\n", ".htaccess": "x\n"})
    fine = make_wordpress(tmp_path / "fine", extra={"wp-content/uploads/a.php": "<?php echo 1;\n"})
    report = scan_webroot_list(store, [Webroot(broken), Webroot(fine), Webroot(tmp_path / "gone")],
                               CmsOptions(workers=2))
    assert kinds(report) == [("cms.upload_php", "wp-content/uploads/a.php")]
    assert [(e.target, e.error) for e in report.errors] == [
        (str(broken), "CMS scan failed: RuntimeError: parser bug"),
        (str(tmp_path / "gone"), "webroot is not a folder or does not exist")]
