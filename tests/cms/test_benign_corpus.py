"""Pristine WordPress core from Debian's `wordpress` package gives no finding; tampering does.

The corpus comes from `.ci/fetch-corpus` (which prints `export CSIRT_KIT_TEST_CORPUS=...`).
The release manifest is generated here from the package's own tree (md5 of every regular
file), the same shape WordPress's checksums API publishes. Locally the tests skip when the
variable is unset; in CI (``CI`` set) or with a missing or incomplete folder they fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from csirt_kit.scan.cms import PristineCore, detect_cms, import_manifest
from csirt_kit.store.db import Store
from tests.cms.helpers import kinds, manifest_of, write_manifest

ENV = "CSIRT_KIT_TEST_CORPUS"
# Read at import: the autouse isolation fixture clears CSIRT_KIT_* variables for each test.
CORPUS = os.environ.get(ENV, "")
IN_CI = bool(os.environ.get("CI"))


@pytest.fixture
def wordpress() -> Path:
    """The unpacked Debian WordPress tree."""
    if not CORPUS:
        if IN_CI:
            pytest.fail(f"{ENV} is not set in CI: run `eval $(.ci/fetch-corpus)` before pytest")
        pytest.skip(f"benign corpus not available: run `eval $(.ci/fetch-corpus)` to set {ENV}")
    root = Path(CORPUS) / "usr" / "share" / "wordpress"
    if not (root / "wp-includes" / "version.php").is_file():
        pytest.fail(f"{ENV}={CORPUS} holds no WordPress core: rerun .ci/fetch-corpus")
    return root


def _import(store: Store, root: Path, dest: Path) -> str:
    version = detect_cms(root).version
    assert version
    import_manifest(store, write_manifest(dest / "checksums.json", version, manifest_of(root)))
    return version


def test_pristine_core_without_a_manifest_gives_nothing(wordpress: Path, run_scan) -> None:
    report = run_scan(wordpress)
    assert report.stats["detected"] == {"wordpress": 1}
    assert report.findings == () and report.errors == ()


def test_pristine_core_with_its_manifest_gives_nothing(wordpress: Path, tmp_path: Path,
                                                       store: Store, run_scan) -> None:
    _import(store, wordpress, tmp_path)
    report = run_scan(wordpress)
    hits = [f"{f.kind} {f.evidence['relative_path']}" for f in report.findings]
    assert hits == [], "false positives on pristine WordPress core:\n" + "\n".join(hits)
    assert report.errors == ()
    assert report.stats["core_checked"] == report.stats["core_pristine"] > 1000
    assert PristineCore(store).is_pristine(wordpress / "wp-includes" / "functions.php")


def test_tampered_copy_gives_exactly_the_tampering(wordpress: Path, tmp_path: Path, store: Store,
                                                   run_scan) -> None:
    _import(store, wordpress, tmp_path)
    site = tmp_path / "site"
    shutil.copytree(wordpress, site, symlinks=True)
    with (site / "wp-includes" / "functions.php").open("a", encoding="utf-8") as fh:
        fh.write("\n// csirt-kit test: one appended comment line\n")
    (site / "wp-admin" / "includes" / "class-wp-cache-admin.php").write_text("<?php\n", encoding="utf-8")
    (site / "wp-content" / "uploads" / "2026").mkdir(parents=True)
    (site / "wp-content" / "uploads" / "2026" / "thumb.phtml").write_text("<?php\n// sample\necho 1;\n",
                                                                          encoding="utf-8")
    report = run_scan(site)
    assert kinds(report) == [("cms.core_modified", "wp-includes/functions.php"),
                             ("cms.core_unknown", "wp-admin/includes/class-wp-cache-admin.php"),
                             ("cms.upload_php", "wp-content/uploads/2026/thumb.phtml")]
    assert not PristineCore(store).is_pristine(site / "wp-includes" / "functions.php")
    assert PristineCore(store).is_pristine(site / "wp-includes" / "formatting.php")


def test_the_whole_corpus_as_one_webroot_gives_nothing(wordpress: Path, run_scan) -> None:
    # Debian's htaccess examples, Akismet's .htaccess, jQuery and Bootstrap included.
    report = run_scan(Path(CORPUS))
    hits = [f"{f.kind} {f.evidence['relative_path']}: {f.title}" for f in report.findings]
    assert hits == [], "false positives in the benign corpus:\n" + "\n".join(hits)
    assert report.stats["files"] > 2000
