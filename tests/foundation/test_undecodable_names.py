"""A file whose name is not UTF-8 (bytes from another system) is reported, not a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

from csirt_kit.findings import fs_path, make_finding

SAMPLE = Path(__file__).resolve().parents[1] / "data/samples/files/webshell_php/php_eval_decoded_payload.match"


def test_scan_files_reports_a_web_shell_with_an_undecodable_name(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    os.makedirs(tmp_path / "www")
    with open(os.path.join(os.fsencode(tmp_path / "www"), b"sh\xff.php"), "wb") as fh:
        fh.write(SAMPLE.read_bytes())
    result = cli(["--json", "scan", "files", str(tmp_path / "www")])
    found = result.json["findings"]
    assert [f["kind"] for f in found] == ["yara.file"]
    assert found[0]["evidence"]["path"].endswith("sh\\xff.php")
    again = cli(["--json", "findings", "list"])
    assert again.json["count"] == 1
    shown = cli(["findings", "show", found[0]["fingerprint"][:12]])  # printable on a terminal
    assert "sh\\xff.php" in shown.stdout
    bundle = tmp_path / "b.zip"
    cli(["findings", "export", found[0]["fingerprint"], "--out", str(bundle)])
    import zipfile
    with zipfile.ZipFile(bundle) as zf:  # the file itself was captured through its raw name
        manifest = json.loads(zf.read("manifest.json"))
    roles = [f.get("role") for doc in manifest["findings"] for f in doc["files"]]
    assert "file" in roles, manifest


def test_fingerprint_keeps_the_raw_name_while_stored_text_is_escaped() -> None:
    raw = os.fsdecode(b"/www/sh\xff.php")
    a = make_finding("yara.file", "high", f"shell {raw}", asset_id=None, ref="r", locus=raw,
                     evidence={"path": raw, "lines": [raw]})
    b = make_finding("yara.file", "high", "x", asset_id=None, ref="r", locus=os.fsdecode(b"/www/sh\xfe.php"))
    assert a.fingerprint != b.fingerprint
    assert a.title == "shell /www/sh\\xff.php"
    assert a.evidence == {"path": "/www/sh\\xff.php", "path_fs_hex": b"/www/sh\xff.php".hex(),
                          "lines": ["/www/sh\\xff.php"]}
    assert fs_path(a.evidence) == raw and fs_path({"path": "/plain"}) == "/plain"
