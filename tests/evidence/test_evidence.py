"""Evidence capture at scan time, `csirt findings export` bundles, and the timeline's list."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.evidence.blobs import blob_path
from csirt_kit.evidence.bundle import build_bundle
from csirt_kit.evidence.collect import capture
from csirt_kit.evidence.settings import EvidenceSettings
from csirt_kit.findings import fs_path, make_finding
from csirt_kit.store.db import open_store

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SHELL = SAMPLES / "files" / "webshell_php" / "php_one_line_backdoor.match"
ATTACK = (SAMPLES / "logs" / "web_attacks" / "log_sql_injection.match").read_text().strip()
TRAVERSAL = (SAMPLES / "logs" / "web_attacks" /
             "log_path_traversal_file_inclusion.match").read_text().strip()


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data)
    return path


def webroot(tmp_path: Path, shell: bytes | None = None) -> Path:
    root = tmp_path / "www"
    write(root / "index.html", "<html><title>Kota</title></html>")
    write(root / "uploads" / "x.php", shell if shell is not None else SHELL.read_bytes())
    return root


def rows(store_path: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(store_path)
    try:
        return [tuple(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def evidence_root(store_path: Path) -> Path:
    return store_path.with_suffix(".d") / "evidence"


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def read_tar(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def scan_shell(cli: Any, tmp_path: Path, shell: bytes | None = None) -> tuple[Path, str]:
    root = webroot(tmp_path, shell)
    doc = cli(["--json", "scan", "files", root]).json
    found = sorted((f for f in doc["findings"] if f["evidence"]["path"].endswith("x.php")),
                   key=lambda f: f["rule"])
    assert found, doc
    return root, found[0]["fingerprint"]


def test_scan_captures_a_defanged_copy_and_the_bundle_holds_it(cli: Any, tmp_path: Path,
                                                                 store_path: Path) -> None:
    root, fp = scan_shell(cli, tmp_path)
    original = (root / "uploads" / "x.php").read_bytes()
    sha = hashlib.sha256(original).hexdigest()
    linked = rows(store_path, "SELECT role, name, sha256, size FROM finding_evidence"
                  " WHERE fingerprint = ? ORDER BY role", fp)
    assert [r[0] for r in linked] == ["evidence", "file"]
    assert linked[1] == ("file", "x.php", sha, len(original))
    stored = blob_path(evidence_root(store_path), sha)
    # defanged: only gzip data in the store folder, no .php file anywhere under it
    assert stored.name.endswith(".gz") and stored.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(stored.read_bytes()) == original
    assert not [p for p in store_path.with_suffix(".d").rglob("*") if p.suffix == ".php"]

    out = tmp_path / "out" / "bundle.zip"
    doc = cli(["--json", "findings", "export", fp[:10], "--out", out]).json
    assert doc["path"] == str(out) and doc["findings"] == 1 and doc["missing"] == 0
    assert doc["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    members = read_zip(out)
    assert doc["files"] == len(members)
    manifest = json.loads(members["manifest.json"])
    entry = manifest["findings"][0]
    assert entry["finding"]["fingerprint"] == fp and entry["finding"]["kind"] == "yara.file"
    copy = next(f for f in entry["files"] if f["role"] == "file")
    assert (copy["name"], copy["sha256"], copy["size"], copy["status"]) == ("x.php", sha,
                                                                            len(original), "ok")
    assert copy["path"].endswith(".gz") and gzip.decompress(members[copy["path"]]) == original
    assert not [n for n in members if n.endswith(".php")]
    evidence = json.loads(members[entry["evidence"]])
    assert evidence["path"] == str(root / "uploads" / "x.php") and evidence["sha256"] == sha


def test_same_evidence_gives_the_same_bundle_sha256(cli: Any, tmp_path: Path,
                                                     store_path: Path) -> None:
    root, fp = scan_shell(cli, tmp_path)
    first = cli(["--json", "findings", "export", fp, "--out", tmp_path / "a.zip"]).json
    cli(["scan", "files", root])  # a rescan: last_seen and seen_count change, evidence does not
    second = cli(["--json", "findings", "export", fp, "--out", tmp_path / "b.zip"]).json
    assert first["sha256"] == second["sha256"]
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    tars = [cli(["--json", "findings", "export", fp, "--format", "tar.gz", "--out",
                 tmp_path / f"{n}.tar.gz"]).json["sha256"] for n in "cd"]
    assert tars[0] == tars[1] and tars[0] != first["sha256"]
    assert set(read_tar(tmp_path / "c.tar.gz")) == set(read_zip(tmp_path / "a.zip"))
    # a changed file is new evidence: a different bundle, which keeps both versions
    write(root / "uploads" / "x.php", SHELL.read_bytes() + b"\n// changed\n")
    cli(["scan", "files", root])
    third = cli(["--json", "findings", "export", fp, "--out", tmp_path / "e.zip"]).json
    assert third["sha256"] != first["sha256"]
    manifest = json.loads(read_zip(tmp_path / "e.zip")["manifest.json"])
    assert len([f for f in manifest["findings"][0]["files"] if f["role"] == "file"]) == 2


def test_build_bundle_names_the_file_by_its_sha256(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    shell = write(tmp_path / "www" / "x.php", SHELL.read_bytes())
    f = make_finding("yara.file", "high", "shell", asset_id=None, ref="r", locus=str(shell),
                     evidence={"path": str(shell)})
    from csirt_kit.scan.report import ScanReport, persist

    persist(store, ScanReport((f,)))
    a = build_bundle(store, [f.fingerprint], tmp_path / "dest")
    b = build_bundle(store, [f.fingerprint, f.fingerprint], tmp_path / "dest")
    assert a == b and a.path.name == f"evidence-{a.sha256[:16]}.zip"
    assert a.size == a.path.stat().st_size and a.files == 3
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == [a.path.name]
    store.close()


def test_caps_cut_a_big_file_and_the_manifest_says_so(cli: Any, tmp_path: Path, store_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_KIT_EVIDENCE__MAX_BLOB_BYTES", "1000")
    big = SHELL.read_bytes() + b"\n" + b"/* padding */\n" * 400
    _, fp = scan_shell(cli, tmp_path, big)
    out = tmp_path / "big.zip"
    cli(["findings", "export", fp, "--out", out])
    members = read_zip(out)
    copy = next(f for f in json.loads(members["manifest.json"])["findings"][0]["files"]
                if f["role"] == "file")
    assert copy["truncated"] is True and copy["size"] == 1000 and copy["original_size"] == len(big)
    assert "max_blob_bytes" in copy["note"]
    assert gzip.decompress(members[copy["path"]]) == big[:1000]


def test_per_finding_cap_stops_storing_but_keeps_the_evidence_json(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    page = {"url": "https://x.example/", "identity": "googlebot", "body": "slot gacor " * 300,
            "response_headers": {"Server": "nginx", "X-Powered-By": "PHP/5.6"}}
    f = make_finding("web.cloaking", "high", "cloaked", asset_id=None, ref="c", locus="u",
                     evidence=page)
    settings = EvidenceSettings(max_blob_bytes=1 << 20, max_finding_bytes=100)
    result = capture(store, [f], settings, "2026-11-23T00:00:00Z")
    got = {r[0]: r[1:] for r in store.conn.execute(
        "SELECT role, size, sha256, truncated, note FROM finding_evidence")}
    assert set(got) == {"evidence", "body", "headers"}
    assert got["evidence"][0] > 100 and got["evidence"][1]  # never cut by the finding cap
    assert got["body"][0] == 100 and got["body"][2] == 1 and "max_finding_bytes" in got["body"][3]
    assert got["headers"][1] == "" and got["headers"][0] == 0 and "not stored" in got["headers"][3]
    assert result.skipped == 1
    store.close()


def test_web_bodies_and_headers_are_kept_per_identity(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    ev = {"url": "https://dinkes.kota.example/", "bodies": {
        "browser": "<html>Dinas Kesehatan</html>", "googlebot": "<html>slot gacor maxwin</html>"},
          "headers": {"Content-Type": "text/html"}}
    f = make_finding("web.cloaking", "high", "cloaked", asset_id=None, ref="c", locus="u",
                     evidence=ev)
    from csirt_kit.scan.report import ScanReport, persist

    persist(store, ScanReport((f,)))
    bundle = build_bundle(store, [f.fingerprint], tmp_path / "b")
    members = read_zip(bundle.path)
    files = json.loads(members["manifest.json"])["findings"][0]["files"]
    by_name = {x["name"]: x for x in files}
    assert {"bodies.browser.txt", "bodies.googlebot.txt", "headers.headers.txt"} <= set(by_name)
    body = by_name["bodies.googlebot.txt"]
    assert body["role"] == "body" and body["path"].endswith(".gz")
    assert gzip.decompress(members[body["path"]]) == b"<html>slot gacor maxwin</html>"
    assert members[by_name["headers.headers.txt"]["path"]] == b"Content-Type: text/html\n"
    # the web scan's per-identity shape: hashes and URLs stay in the JSON, copies become blobs
    copies = {"url": "https://a.example/", "copies": {
        "googlebot": {"status": 200, "final_url": "https://a.example/", "sha256": "b" * 64,
                      "size": 9000, "copy": "<a href=//slot.example>slot gacor</a>"},
        "browser": {"status": 200, "final_url": "https://a.example/", "sha256": "c" * 64,
                    "size": 800, "copy": "<p>Dinas</p>"}}}
    g = make_finding("web.cloaking", "high", "cloaked", asset_id=None, ref="c2", locus="u",
                     evidence=copies)
    capture(store, [g], EvidenceSettings(), "2026-11-23T00:00:00Z")
    names = {r[0]: r[1] for r in store.conn.execute(
        "SELECT name, role FROM finding_evidence WHERE fingerprint = ?", (g.fingerprint,))}
    assert names == {"evidence.json": "evidence", "copies.googlebot.copy.txt": "body",
                     "copies.browser.copy.txt": "body"}
    store.close()


def _log(tmp_path: Path) -> Path:
    lines = [f'198.51.100.{i} - - [23/Nov/2026:09:{i:02d}:00 +0700] "GET /page-{i}.html HTTP/1.1"'
             f' 200 512 "-" "Mozilla/5.0"' for i in range(1, 41)]
    lines[19] = ATTACK  # line 20
    lines[29] = TRAVERSAL  # line 30: another rule, another finding in the same log
    return write(tmp_path / "logs" / "access.log", "\n".join(lines) + "\n")


def test_log_findings_keep_the_lines_around_the_hit(cli: Any, tmp_path: Path,
                                                    store_path: Path) -> None:
    log = _log(tmp_path)
    doc = cli(["--json", "scan", "logs", log]).json
    hit = next(f for f in doc["findings"] if f["evidence"].get("line") == 20)
    out = tmp_path / "log.zip"
    cli(["findings", "export", hit["fingerprint"], "--out", out])
    members = read_zip(out)
    files = json.loads(members["manifest.json"])["findings"][0]["files"]
    lines = next(f for f in files if f["role"] == "log_lines")
    assert lines["name"] == "access.log.lines.txt" and lines["path"].endswith(".txt")
    text = members[lines["path"]].decode()
    numbered = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert [int(ln[1:].split(":")[0]) for ln in numbered] == list(range(15, 26))
    assert numbered[5].startswith(">") and ATTACK in numbered[5]
    assert "/page-15.html" in numbered[0] and "/page-25.html" in numbered[-1]
    other = next(f for f in doc["findings"] if f["evidence"].get("line") == 30)
    shown = cli(["--json", "findings", "show", other["fingerprint"]]).json
    piece = next(c for c in shown["captured"] if c["role"] == "log_lines")
    text = gzip.decompress(blob_path(evidence_root(store_path), piece["sha256"]).read_bytes())
    assert b">       30: " + TRAVERSAL.encode() in text and b"       25: " in text


def test_log_gone_keeps_the_snippets(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    ev = {"path": str(tmp_path / "gone.log"), "line": 7, "snippet": "GET /x.php?cmd=id",
          "log_set": "gone.log", "samples": [{"path": str(tmp_path / "gone.log"), "line": 9,
                                               "snippet": "GET /x.php?cmd=ls"}]}
    f = make_finding("yara.log", "high", "shell use", asset_id=None, ref="r", locus="l",
                     evidence=ev)
    capture(store, [f], EvidenceSettings(), "2026-11-23T00:00:00Z")
    got = {r[0]: r[1] for r in store.conn.execute(
        "SELECT role, sha256 FROM finding_evidence WHERE role != 'evidence'")}
    assert set(got) == {"snippets", "log_lines"} and got["log_lines"] == ""
    data = gzip.decompress(blob_path(evidence_root(Path(store.path)), got["snippets"]).read_bytes())
    assert b"7: GET /x.php?cmd=id" in data and b"9: GET /x.php?cmd=ls" in data
    store.close()


def test_missing_blob_is_named_in_the_manifest(cli: Any, tmp_path: Path, store_path: Path) -> None:
    root, fp = scan_shell(cli, tmp_path)
    sha = hashlib.sha256((root / "uploads" / "x.php").read_bytes()).hexdigest()
    blob_path(evidence_root(store_path), sha).unlink()
    out = tmp_path / "m.zip"
    result = cli(["--json", "findings", "export", fp, "--out", out])
    assert result.json["missing"] == 1 and "missing" in result.stderr
    files = json.loads(read_zip(out)["manifest.json"])["findings"][0]["files"]
    copy = next(f for f in files if f["role"] == "file")
    assert copy["status"] == "missing" and copy["path"] is None and copy["sha256"] == sha


def test_unknown_fingerprint_and_bad_options_exit_2(cli: Any, tmp_path: Path) -> None:
    _, fp = scan_shell(cli, tmp_path)
    result = cli(["findings", "export", "abcdef0123", "--out", tmp_path / "x.zip"], expect=2)
    assert "no finding with fingerprint abcdef0123" in result.stderr
    assert "unknown bundle format" in cli(["findings", "export", fp, "--format", "rar"],
                                          expect=2).stderr
    assert "nothing to export" in cli(["findings", "export"], expect=2).stderr
    assert "no case with key" in cli(["findings", "export", "--case", "nope:x"], expect=2).stderr
    assert not (tmp_path / "x.zip").exists()


def test_failed_export_changes_nothing(cli: Any, tmp_path: Path, store_path: Path) -> None:
    _, fp = scan_shell(cli, tmp_path)
    before = rows(store_path, "SELECT * FROM finding_evidence ORDER BY 1, 2, 3, 4")
    findings = rows(store_path, "SELECT * FROM findings ORDER BY fingerprint")
    blobs = sorted(p for p in evidence_root(store_path).rglob("*") if p.is_file())
    blocker = write(tmp_path / "blocker", "a file, not a folder")
    result = cli(["findings", "export", fp, "--out", blocker / "x.zip"], expect=2)
    assert "cannot write the bundle" in result.stderr and str(blocker) in result.stderr
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert "is a folder" in cli(["findings", "export", fp, "--out", folder], expect=2).stderr
    assert rows(store_path, "SELECT * FROM finding_evidence ORDER BY 1, 2, 3, 4") == before
    assert rows(store_path, "SELECT * FROM findings ORDER BY fingerprint") == findings
    assert sorted(p for p in evidence_root(store_path).rglob("*") if p.is_file()) == blobs
    assert not [p for p in tmp_path.rglob(".evidence-*")]


def _case(cli: Any, tmp_path: Path) -> tuple[str, list[str]]:
    root = webroot(tmp_path)
    inv = write(tmp_path / "inv.csv", "id,name,kind,owner,status,webroot\n"
                                      f"web-1,Portal,website,Diskominfo,active,{root}\n")
    cli(["assets", "import", inv])
    doc = cli(["--json", "scan", "files", "--webroots"]).json
    cli(["cases", "open"])
    cases = cli(["--json", "cases", "list"]).json["items"]
    assert len(cases) == 1, cases
    return cases[0]["key"], sorted(f["fingerprint"] for f in doc["findings"])


def test_export_of_a_case_and_its_timeline_lists_the_evidence(cli: Any, tmp_path: Path) -> None:
    key, fps = _case(cli, tmp_path)
    out = tmp_path / "case.tar.gz"
    doc = cli(["--json", "findings", "export", "--case", key, "--format", "tar.gz",
               "--out", out]).json
    manifest = json.loads(read_tar(out)["manifest.json"])
    assert doc["findings"] == manifest["count"] == len(fps)
    assert sorted(f["finding"]["fingerprint"] for f in manifest["findings"]) == fps
    assert {f["asset"]["id"] for f in manifest["findings"]} == {"web-1"}
    sha = hashlib.sha256((tmp_path / "www" / "uploads" / "x.php").read_bytes()).hexdigest()
    md = cli(["timeline", key, "--format", "md"]).stdout
    assert f"csirt findings export --case {key}" in md and sha in md and "x.php" in md
    page = cli(["timeline", key, "--format", "html"]).stdout
    assert 'id="evidence"' in page and sha in page
    tl = cli(["--json", "timeline", key, "--format", "json"]).json
    assert {e["fingerprint"] for e in tl["evidence"]} == set(fps)
    assert tl["export"] == f"csirt findings export --case {key}"


def test_bad_evidence_config_is_named_and_the_findings_are_kept(
        cli: Any, tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_KIT_EVIDENCE__MAX_BLOB_BYTES", "lots")
    result = cli(["scan", "files", webroot(tmp_path)], expect=2)
    assert "evidence.max_blob_bytes" in result.stderr and "lots" in result.stderr
    assert rows(store_path, "SELECT COUNT(*) FROM findings")[0][0] >= 1
    assert rows(store_path, "SELECT COUNT(*) FROM finding_evidence") == [(0,)]


def test_capture_off_stores_findings_without_evidence(cli: Any, tmp_path: Path, store_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_KIT_EVIDENCE__CAPTURE", "false")
    _, fp = scan_shell(cli, tmp_path)
    assert rows(store_path, "SELECT COUNT(*) FROM finding_evidence") == [(0,)]
    out = tmp_path / "plain.zip"
    cli(["findings", "export", fp, "--out", out])
    members = read_zip(out)
    assert json.loads(members["manifest.json"])["findings"][0]["files"] == []
    assert f"findings/{fp}/evidence.json" in members


def test_in_memory_store_captures_nothing_and_bundles_the_evidence_json(store: Any,
                                                                      tmp_path: Path) -> None:
    f = make_finding("yara.file", "high", "shell", asset_id=None, ref="r", locus="p",
                     evidence={"path": str(SHELL)})
    assert capture(store, [f], EvidenceSettings(), "2026-11-23T00:00:00Z").blobs == 0
    with store.write() as conn:
        from csirt_kit.findings import upsert_findings

        upsert_findings(conn, [f], "2026-11-23T00:00:00Z")
    members = read_zip(build_bundle(store, [f.fingerprint], tmp_path).path)
    assert json.loads(members[f"findings/{f.fingerprint}/evidence.json"]) == {"path": str(SHELL)}
    assert isinstance(io.BytesIO(members["manifest.json"]).read(), bytes)


def test_prune_drops_old_closed_evidence_and_keeps_what_open_findings_share(
        cli: Any, tmp_path: Path, store_path: Path) -> None:
    root, fp = scan_shell(cli, tmp_path)
    others = [r[0] for r in rows(store_path, "SELECT fingerprint FROM findings WHERE fingerprint != ?",
                                 fp)]
    assert others  # a second rule on the same file: the copy is shared
    sha = hashlib.sha256((root / "uploads" / "x.php").read_bytes()).hexdigest()
    conn = sqlite3.connect(store_path)
    with conn:
        conn.execute("UPDATE findings SET status = 'resolved', last_seen = '2020-01-01T00:00:00Z'"
                     " WHERE fingerprint = ?", (fp,))
    conn.close()
    stray = write(evidence_root(store_path) / "ff" / ("0" * 62 + ".gz"), gzip.compress(b"x"))
    os.utime(stray, (1, 1))
    before = rows(store_path, "SELECT * FROM finding_evidence ORDER BY 1, 2, 3, 4")
    dry = cli(["--json", "findings", "prune-evidence", "--older-than", "30", "--dry-run"]).json
    assert dry["findings"] == 1 and dry["rows"] == 2 and dry["dry_run"] is True
    assert rows(store_path, "SELECT * FROM finding_evidence ORDER BY 1, 2, 3, 4") == before
    assert stray.exists()
    done = cli(["--json", "findings", "prune-evidence", "--older-than", "30"]).json
    assert done["findings"] == 1 and done["rows"] == 2
    assert done["blobs"] == 2  # the closed finding's evidence JSON and the stray blob
    assert rows(store_path, "SELECT COUNT(*) FROM finding_evidence WHERE fingerprint = ?",
                fp) == [(0,)]
    assert not stray.exists() and blob_path(evidence_root(store_path), sha).exists()
    assert cli(["--json", "findings", "prune-evidence", "--older-than", "30"]).json["rows"] == 0
    cli(["findings", "prune-evidence", "--older-than", "0"], expect=2)


def test_an_undecodable_file_name_is_captured(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/sh\xffell.php"))
    odd.write_bytes(SHELL.read_bytes())
    f = make_finding("yara.file", "high", "shell", asset_id=None, ref="r", locus="odd",
                     evidence={"path": str(odd)})
    assert capture(store, [f], EvidenceSettings(), "2026-11-23T00:00:00Z").blobs == 2
    got = dict(store.conn.execute("SELECT role, sha256 FROM finding_evidence").fetchall())
    assert got["file"] == hashlib.sha256(SHELL.read_bytes()).hexdigest()
    data = gzip.decompress(blob_path(evidence_root(Path(store.path)), got["evidence"]).read_bytes())
    stored = json.loads(data)
    assert stored["path"].endswith("/sh\\xffell.php")  # shown escaped, safe to print
    assert fs_path(stored) == str(odd)  # and the raw name is kept to open the file
    store.close()
