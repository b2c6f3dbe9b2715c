"""`scan files` and `csirt run` with the stat cache: the summary, --json stats, --full."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.scan_files.conftest import SAMPLES, write

SHELL = SAMPLES / "files" / "webshell_php" / "php_one_line_backdoor.match"


def _settled_webroot(tmp_path: Path, cli: Any) -> Path:
    root = tmp_path / "www"
    write(root / "index.html", "<html><title>Kota</title></html>")
    write(root / "uploads" / "x.php", SHELL.read_bytes())
    write(root / "js" / "app.js", "console.log('ok');\n")
    inv = write(tmp_path / "inv.csv", f"id,name,kind,owner,status,webroot\n"
                                      f"web-1,Portal,website,Diskominfo,active,{root}\n")
    cli(["assets", "import", inv])
    # Files changed within a second of a scan are read again next time (racy ctime): let
    # these settle so the second scan can trust them.
    time.sleep(1.1)
    return root


def test_a_nightly_rescan_reads_only_what_changed_and_says_so(cli: Any, tmp_path: Path) -> None:
    root = _settled_webroot(tmp_path, cli)
    first = cli(["--json", "scan", "files", "--webroots"]).json
    assert (first["stats"]["read"], first["stats"]["unchanged"]) == (3, 0)
    text = cli(["scan", "files", "--webroots"]).stdout
    assert "files: 3 unchanged (not read), 0 read (0 B)" in text
    write(root / "new.php", SHELL.read_bytes())
    again = cli(["--json", "scan", "files", "--webroots"]).json["stats"]
    assert (again["unchanged"], again["read"], again["bytes_read"]) == (
        3, 1, (root / "new.php").stat().st_size)
    assert again["stat_cache"] == "used"
    full = cli(["--json", "scan", "files", "--webroots", "--full"]).json
    assert (full["stats"]["unchanged"], full["stats"]["read"]) == (0, 4)
    assert full["stats"]["stat_cache"] == "full"
    assert sorted(f["fingerprint"] for f in full["findings"]) == sorted(
        f["fingerprint"] for f in cli(["--json", "scan", "files", root]).json["findings"])
    assert "--full: the stat cache was not used" in cli(
        ["scan", "files", root, "--full"]).stdout


def test_the_run_files_step_uses_the_cache_and_the_setting_turns_it_off(
        cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled_webroot(tmp_path, cli)
    cli(["--json", "run", "--only", "files"])
    step = cli(["--json", "run", "--only", "files"]).json["stats"]["steps"][0]
    assert (step["name"], step["counts"]["unchanged"], step["counts"]["read"]) == ("files", 3, 0)
    assert step["counts"]["findings"] >= 1  # the shell is still reported from the cache
    step = cli(["--json", "run", "--only", "files", "--full"]).json["stats"]["steps"][0]
    assert (step["counts"]["unchanged"], step["counts"]["read"]) == (0, 3)
    monkeypatch.setenv("CSIRT_KIT_SCAN__STAT_CACHE", "false")
    step = cli(["--json", "run", "--only", "files"]).json["stats"]["steps"][0]
    assert (step["counts"]["unchanged"], step["counts"]["read"]) == (0, 3)
