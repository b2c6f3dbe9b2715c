"""`csirt cms ...` end to end: JSON shapes, exit codes, storage, suppression bound to content."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cms.helpers import make_wordpress, manifest_of, write_manifest

SHELL = "wp-content/uploads/2026/11/wp-cache.php"


def _inventory(tmp_path: Path, webroot: Path, missing: Path) -> Path:
    inv = tmp_path / "inv.csv"
    inv.write_text("id,name,kind,owner,urls,webroot,tags\n"
                   f"web-kel,Kelurahan,website,Kecamatan,https://kel.kotademo.go.id/,{webroot},gsv:abc\n"
                   f"web-gone,Gone,website,Dinas,https://gone.kotademo.go.id/,{missing},\n",
                   encoding="utf-8")
    return inv


def test_scan_every_webroot_stores_findings_and_reports_missing_ones(cli, tmp_path: Path) -> None:
    site = make_wordpress(tmp_path / "kel", extra={SHELL: "<?php echo 'sample';\n"})
    cli(["assets", "import", _inventory(tmp_path, site, tmp_path / "nope")])
    doc = cli(["--json", "cms", "scan"]).json
    assert [(f["kind"], f["asset_id"], f["evidence"]["relative_path"], f["status"])
            for f in doc["findings"]] == [("cms.upload_php", "web-kel", SHELL, "new")]
    assert doc["errors"] == [{"target": str(tmp_path / "nope"),
                              "error": "webroot of asset web-gone is not a folder or does not exist"}]
    assert doc["stats"]["targets"] == 2 and doc["stats"]["by_severity"]["high"] == 1
    cli(["cms", "scan", "--fail-on", "high"], expect=3)
    stored = cli(["--json", "findings", "list", "--kind", "cms"]).json
    assert stored["count"] == 1 and stored["items"][0]["seen_count"] == 2


def test_suppression_holds_until_the_file_changes(cli, tmp_path: Path) -> None:
    site = make_wordpress(tmp_path / "kel", extra={SHELL: "<?php echo 'sample';\n"})
    fp = cli(["--json", "cms", "scan", site]).json["findings"][0]["fingerprint"]
    cli(["findings", "suppress", fp[:12], "--reason", "test sample"])
    assert cli(["--json", "cms", "scan", site, "--fail-on", "high"]).json["findings"][0]["status"] \
        == "suppressed"
    (site / SHELL).write_text("<?php echo 'changed sample';\n", encoding="utf-8")
    assert cli(["--json", "cms", "scan", site]).json["findings"][0]["status"] == "new"


def test_scan_path_without_inventory_and_with_asset(cli, tmp_path: Path) -> None:
    site = make_wordpress(tmp_path / "kel", extra={"wp-content/uploads/x.php": "<?php\necho 1;\n"})
    assert cli(["--json", "cms", "scan", site]).json["findings"][0]["asset_id"] is None
    cli(["assets", "import", _inventory(tmp_path, tmp_path / "elsewhere", tmp_path / "nope")])
    doc = cli(["--json", "cms", "scan", site, "--asset", "web-kel"]).json
    assert doc["findings"][0]["asset_id"] == "web-kel"
    result = cli(["cms", "scan", site, "--asset", "no-such"], expect=2)
    assert "no-such" in result.stderr


def test_detect(cli, tmp_path: Path) -> None:
    site = make_wordpress(tmp_path / "kel", "6.4.3")
    doc = cli(["--json", "cms", "detect", site]).json
    assert (doc["cms"], doc["version"]) == ("wordpress", "6.4.3")
    assert "WordPress" in cli(["cms", "detect", site]).stdout
    cli(["cms", "detect", tmp_path / "missing"], expect=2)


def test_checksums_import_list_and_scan(cli, tmp_path: Path) -> None:
    site = make_wordpress(tmp_path / "kel", "6.4.3")
    flat = write_manifest(tmp_path / "flat.json", "", manifest_of(site), flat=True)
    result = cli(["cms", "checksums", "import", flat], expect=2)
    assert "--version" in result.stderr and "Traceback" not in result.stderr
    doc = cli(["--json", "cms", "checksums", "import", flat, "--version", "6.4.3"]).json
    assert doc["count"] == 1 and doc["items"][0]["files"] == len(manifest_of(site))
    listed = cli(["--json", "cms", "checksums", "list"]).json
    assert [(i["cms"], i["version"]) for i in listed["items"]] == [("wordpress", "6.4.3")]
    assert "6.4.3" in cli(["cms", "checksums", "list"]).stdout
    (site / "wp-load.php").write_text("<?php // injected\n", encoding="utf-8")
    found = cli(["--json", "cms", "scan", site]).json["findings"]
    assert [(f["kind"], f["evidence"]["relative_path"]) for f in found] == [
        ("cms.core_modified", "wp-load.php")]


def test_bad_manifest_is_exit_2_naming_the_file(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"checksums": {"6.4.3": {"wp-load.php": 42}}}', encoding="utf-8")
    result = cli(["--json", "cms", "checksums", "import", bad], expect=2)
    error = json.loads(result.stdout)["error"]
    assert str(bad) in error["where"] + error["message"]
    assert cli(["--json", "cms", "checksums", "list"]).json["count"] == 0


def test_scan_with_no_webroots_says_so(cli) -> None:
    result = cli(["--json", "cms", "scan"])
    assert result.json["stats"]["targets"] == 0 and "no active asset has a webroot" in result.stderr
