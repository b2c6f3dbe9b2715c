"""Core integrity against imported release manifests, and PristineCore for other scanners."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.errors import InputError, UsageError
from csirt_kit.scan.cms import PristineCore, import_manifest, is_pristine_core, list_releases
from csirt_kit.scan.cms.checksums import release_files
from csirt_kit.store.db import Store
from tests.cms.helpers import kinds, make_wordpress, manifest_of, write_manifest


@pytest.fixture
def wp(tmp_path: Path, store: Store) -> Path:
    """A fake WordPress 6.4.2 whose manifest is imported."""
    root = make_wordpress(tmp_path / "site")
    import_manifest(store, write_manifest(tmp_path / "sums.json", "6.4.2", manifest_of(root)))
    return root


def test_pristine_core_gives_no_finding(wp: Path, run_scan) -> None:
    report = run_scan(wp)
    assert report.findings == () and report.errors == ()
    assert report.stats["core_checked"] == report.stats["core_pristine"] >= 8


def test_modified_and_unknown_core_files_are_findings(wp: Path, run_scan) -> None:
    (wp / "wp-includes/functions.php").write_text("<?php\n// tampered\n", encoding="utf-8")
    (wp / "wp-admin/css/common.css").write_text("body{}\n", encoding="utf-8")
    (wp / "wp-includes/class-wp-cache-helper.php").write_text("<?php\n", encoding="utf-8")
    (wp / "wp-content/themes/kota/functions.php").write_text("<?php\n", encoding="utf-8")  # not core
    report = run_scan(wp)
    assert kinds(report) == [("cms.core_modified", "wp-admin/css/common.css"),
                             ("cms.core_modified", "wp-includes/functions.php"),
                             ("cms.core_unknown", "wp-includes/class-wp-cache-helper.php")]
    modified = next(f for f in report.findings if f.evidence["relative_path"] == "wp-includes/functions.php")
    assert modified.severity == "high" and "webshell" in modified.tags
    assert modified.evidence["expected_md5"] != modified.evidence["md5"]
    assert modified.evidence["cms_version"] == "6.4.2"


def test_without_a_manifest_core_is_unverified_not_reported(tmp_path: Path, run_scan) -> None:
    root = make_wordpress(tmp_path / "site", "6.6.2", {"wp-includes/extra.php": "<?php\n"})
    report = run_scan(root)
    assert report.findings == ()
    assert report.stats["core_unverified"] == 1


def test_other_version_manifest_does_not_apply(wp: Path, tmp_path: Path, store: Store, run_scan) -> None:
    make_wordpress(tmp_path / "other", "6.5.5")
    assert run_scan(tmp_path / "other").stats["core_unverified"] == 1


def test_pristine_core_lookup(wp: Path, store: Store) -> None:
    pristine = PristineCore(store)
    assert pristine.is_pristine(wp / "wp-includes/functions.php")
    assert pristine.is_pristine(wp / "wp-admin/index.php")
    assert not pristine.is_pristine(wp / "wp-content/uploads/2024/01/photo.jpg")  # not in release
    (wp / "wp-includes/functions.php").write_text("<?php // changed\n", encoding="utf-8")
    assert not is_pristine_core(store, wp / "wp-includes/functions.php")


def test_reimport_replaces_the_release(wp: Path, tmp_path: Path, store: Store) -> None:
    smaller = {"index.php": manifest_of(wp)["index.php"]}
    import_manifest(store, write_manifest(tmp_path / "s2.json", "6.4.2", smaller))
    assert release_files(store.conn, "wordpress", "6.4.2") == smaller
    assert [(r.version, r.files) for r in list_releases(store.conn)] == [("6.4.2", 1)]


def test_flat_manifest_needs_a_version(tmp_path: Path, store: Store) -> None:
    flat = write_manifest(tmp_path / "flat.json", "", {"index.php": "0" * 32}, flat=True)
    with pytest.raises(UsageError, match="--version"):
        import_manifest(store, flat)
    assert import_manifest(store, flat, version="6.1.9")[0].files == 1


@pytest.mark.parametrize(("text", "needle"), [
    ('{"checksums": {"6.4.2": {"index.php": "nothex"}}}', "index.php"),
    ('{"checksums": {"6.4.2": {"../etc/passwd": "' + "a" * 32 + '"}}}', "relative"),
    ('{"checksums": false}', "no checksums"),
    ('{"checksums": {"6.4.2": {"index.php": "', ":1"),
])
def test_bad_manifest_names_the_file_and_stores_nothing(tmp_path: Path, store: Store, text: str,
                                                         needle: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_manifest(store, bad)
    assert str(bad) in err.value.message and needle in err.value.message
    assert list_releases(store.conn) == []


def test_other_cms_manifests_apply_to_their_core(tmp_path: Path, store: Store, run_scan) -> None:
    root = tmp_path / "joomla"
    root.mkdir()
    (root / "administrator/manifests/files").mkdir(parents=True)
    (root / "administrator/manifests/files/joomla.xml").write_text("<version>4.4.5</version>")
    (root / "libraries/src").mkdir(parents=True)
    (root / "libraries/src/Factory.php").write_text("<?php\nclass Factory {}\n")
    import_manifest(store, write_manifest(tmp_path / "j.json", "4.4.5", manifest_of(root)), cms="joomla")
    assert run_scan(root).findings == ()
    (root / "libraries/src/Factory.php").write_text("<?php\nclass Factory {} // changed\n")
    (root / "libraries/src/Helper.php").write_text("<?php\n")
    assert kinds(run_scan(root)) == [("cms.core_modified", "libraries/src/Factory.php"),
                                     ("cms.core_unknown", "libraries/src/Helper.php")]
