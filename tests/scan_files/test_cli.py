"""`csirt rules list|check` and `csirt scan files` end to end, in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.scan_files.conftest import SAMPLES, write

SHELL = SAMPLES / "files" / "webshell_php" / "php_one_line_backdoor.match"
BROKEN = 'rule fine { condition: false }\nrule bad\n{\n    condition: tru\n}\n'


def _webroot(tmp_path: Path, name: str = "www") -> Path:
    root = tmp_path / name
    write(root / "index.html", "<html><title>Kota</title></html>")
    write(root / "uploads" / "x.php", SHELL.read_bytes())
    return root


def _inventory(tmp_path: Path, cli: Any, rows: str) -> None:
    path = write(tmp_path / "inv.csv", "id,name,kind,owner,status,webroot\n" + rows)
    cli(["assets", "import", path])


def test_rules_list_shows_namespaces_counts_and_tags(cli: Any) -> None:
    doc = cli(["--json", "rules", "list"]).json
    names = {item["namespace"]: item for item in doc["items"]}
    assert doc["count"] == len(doc["items"]) and doc["rules"] >= 30
    php = names["files/webshell_php.yar"]
    assert php["count"] == len(php["rules"]) >= 5
    assert any("webshell" in r["tags"] for r in php["rules"])
    text = cli(["rules", "list", "--scope", "logs"]).stdout
    assert "logs/web_attacks.yar" in text and "files/webshell_php.yar" not in text


def test_rules_check_lists_file_line_message_and_exits_2(cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "r"
    bad = write(folder / "bad.yar", BROKEN)
    write(folder / "good.yar", 'rule good { strings: $a = "zzz" condition: $a }\n')
    write(folder / "slow.yar", 'rule slow { strings: $a = /a.*b/ condition: $a }\n')
    result = cli(["rules", "check", folder], expect=2)
    assert f"{bad}:4: undefined identifier \"tru\"" in result.stdout
    assert "slow.yar:1:" in result.stdout and "(warning)" in result.stdout
    assert "2 rule files loaded" in result.stdout
    doc = cli(["--json", "rules", "check", folder], expect=2).json
    assert doc["ok"] is False and doc["loaded"] == 2
    assert [e["text"] for e in doc["errors"]] == [f"{bad}:4: undefined identifier \"tru\""]


def test_rules_check_of_the_bundled_set_is_clean(cli: Any) -> None:
    doc = cli(["--json", "rules", "check"]).json
    assert doc["ok"] is True and doc["errors"] == [] and doc["warnings"] == []


def test_scan_files_json_shape_and_no_duplicates_on_rescan(cli: Any, tmp_path: Path) -> None:
    root = _webroot(tmp_path)
    doc = cli(["--json", "scan", "files", root]).json
    rules = sorted(f["rule"] for f in doc["findings"])
    assert rules == ["files/webshell_php.yar:php_one_line_backdoor",
                     "files/webshell_php.yar:php_request_to_exec"]
    finding = next(f for f in doc["findings"] if f["rule"].endswith(":php_one_line_backdoor"))
    assert finding["kind"] == "yara.file" and finding["asset_id"] is None
    assert finding["rule"] == "files/webshell_php.yar:php_one_line_backdoor"
    assert finding["severity"] == "critical" and finding["status"] == "new"
    for key in ("path", "offset", "snippet", "sha256", "size", "mtime"):
        assert key in finding["evidence"]
    assert "$_POST" in finding["evidence"]["snippet"]
    assert doc["errors"] == [] and doc["stats"]["files"] == 2
    cli(["scan", "files", root])
    listed = cli(["--json", "findings", "list"]).json
    assert listed["count"] == 2 and [i["seen_count"] for i in listed["items"]] == [2, 2]


def test_scan_files_fail_on_exits_3_only_at_or_above(cli: Any, tmp_path: Path) -> None:
    root = _webroot(tmp_path)
    cli(["scan", "files", root, "--fail-on", "critical"], expect=3)
    clean = tmp_path / "clean"
    write(clean / "a.txt", "nothing here")
    cli(["scan", "files", clean, "--fail-on", "low"])
    cli(["scan", "files", clean, "--fail-on", "bogus"], expect=2)


def test_scan_files_maps_paths_to_the_asset_whose_webroot_holds_them(cli: Any, tmp_path: Path) -> None:
    root = _webroot(tmp_path)
    _inventory(tmp_path, cli, f"web-1,Portal,website,Diskominfo,active,{root}\n")
    doc = cli(["--json", "scan", "files", root / "uploads"]).json
    assert {f["asset_id"] for f in doc["findings"]} == {"web-1"}
    doc = cli(["--json", "scan", "files", root, "--asset", "web-1"]).json
    assert {f["asset_id"] for f in doc["findings"]} == {"web-1"}
    result = cli(["scan", "files", root, "--asset", "nope"], expect=2)
    assert "nope" in result.stderr


def test_scan_files_webroots_scans_active_assets_and_reports_missing_ones(cli: Any, tmp_path: Path) -> None:
    a = _webroot(tmp_path, "a")
    b = _webroot(tmp_path, "b")
    _inventory(tmp_path, cli, f"web-a,A,website,Dinas A,active,{a}\n"
                              f"web-b,B,website,Dinas B,suspended,{b}\n"
                              f"web-c,C,website,Dinas C,active,{tmp_path / 'missing'}\n")
    doc = cli(["--json", "scan", "files", "--webroots"]).json
    assert {f["asset_id"] for f in doc["findings"]} == {"web-a"}
    assert [e["target"] for e in doc["errors"]] == [str(tmp_path / "missing")]
    assert doc["stats"]["targets"] == 2


def test_scan_files_bad_input_is_reported_and_the_run_continues(cli: Any, tmp_path: Path) -> None:
    root = _webroot(tmp_path)
    write(root / "big.bin", b"x" * 3000)
    rules = write(tmp_path / "extra" / "bad.yar", BROKEN).parent
    result = cli(["--json", "scan", "files", root, tmp_path / "nowhere", "--max-size", "2000",
                  "--rules", rules])
    doc = result.json
    errors = {e["target"]: e["error"] for e in doc["errors"]}
    assert "size cap" in errors[str(root / "big.bin")]
    assert errors[str(tmp_path / "nowhere")] == "vanished or does not exist"
    assert len(doc["findings"]) == 2
    assert "bad.yar:4: undefined identifier" in result.stderr


def test_scan_files_needs_a_path_or_webroots(cli: Any) -> None:
    result = cli(["scan", "files"], expect=2)
    assert "--webroots" in result.stderr


def test_a_cli_rescan_takes_unchanged_content_from_the_store_cache(cli: Any, tmp_path: Path) -> None:
    root = _webroot(tmp_path)
    first = cli(["--json", "scan", "files", root]).json
    again = cli(["--json", "scan", "files", root]).json
    assert first["stats"]["scanned"] == 2 and again["stats"]["scanned"] == 0
    assert sorted(f["fingerprint"] for f in again["findings"]) == sorted(
        f["fingerprint"] for f in first["findings"])


def test_scan_webroots_library_entry_returns_a_report(cli: Any, tmp_path: Path) -> None:
    from csirt_kit.config import load_config
    from csirt_kit.scan.webroots import scan_webroots
    from csirt_kit.store.db import open_store

    root = _webroot(tmp_path)
    _inventory(tmp_path, cli, f"web-1,Portal,website,Diskominfo,active,{root}\n")
    config = load_config()
    store = open_store(str(config.store_path))
    calls: list[int] = []
    report = scan_webroots(store, config, progress=lambda _l, done, _t: calls.append(done))
    store.close()
    assert {f.asset_id for f in report.findings} == {"web-1"} and report.errors == ()
    assert report.stats["targets"] == 1 and calls and calls[-1] == 2
