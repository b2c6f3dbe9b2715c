"""Evidence bundles attached to the TheHive case once per content (sha256), within the size cap."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from csirt_kit.cases import list_events
from csirt_kit.cases.records import get_case
from csirt_kit.findings import upsert_findings
from tests.cases.helpers import NOW, asset, seed, webshell, write_config
from tests.cases.hive_setup import set_thehive

KEY = "webshell:web-001"
ATTACH = r"/api/v1/case/[^/]+/attachments"


def attachments(hive, key_case: str) -> list[dict]:
    return [a for a in hive.attachments.values() if hive.parent[a["_id"]] == key_case]


def test_bundle_attached_once_across_reruns_and_once_more_per_new_content(
        cli, file_store, hive, hive_config) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    case_id = get_case(file_store.conn, KEY).backend_id
    (att,) = attachments(hive, case_id)
    blob = hive.blobs[att["id"]]
    sha = hashlib.sha256(blob).hexdigest()
    assert att["name"] == f"evidence-{sha[:16]}.zip" and att["hashes"][0] == sha
    with zipfile.ZipFile(Path(file_store.folder) / "case-evidence" / "webshell_web-001" / att["name"]) as zf:
        assert "manifest.json" in zf.namelist()
    (event,) = [e for e in list_events(file_store.conn, KEY) if e.kind == "evidence"]
    assert event.data["sha256"] == sha and event.data["attachment"] == att["_id"]
    cli(["cases", "sync"])
    cli(["cases", "open"])
    assert len(attachments(hive, case_id)) == 1
    # a new finding changes the bundle: one more attachment, then none on reruns
    with file_store.write() as conn:
        upsert_findings(conn, [webshell("web-001", 1)], NOW)
    cli(["cases", "open"])
    cli(["cases", "sync"])
    names = sorted(a["name"] for a in attachments(hive, case_id))
    assert len(names) == 2 and len(set(names)) == 2


def test_attachment_stored_then_500_is_not_sent_again(cli, file_store, hive, hive_config) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    hive.fault("POST", ATTACH, "500-after")
    assert cli(["--json", "cases", "open"], expect=4).json["sync"]["queued"] == 1
    assert cli(["--json", "cases", "sync"]).json["queued"] == 0
    case_id = get_case(file_store.conn, KEY).backend_id
    assert len(attachments(hive, case_id)) == 1 and hive.count("POST", f"/api/v1/case/{case_id}/attachments") == 1
    assert len(hive.cases) == 1 and len(hive.tasks) == 5


def test_bundle_over_the_cap_is_not_attached(cli, file_store, hive, hive_config_path) -> None:
    set_thehive(hive_config_path, attachment_max_mb=0.0001)  # about 100 bytes
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    assert not hive.attachments
    (event,) = [e for e in list_events(file_store.conn, KEY) if e.kind == "evidence"]
    assert "over the attachment cap" in event.text and Path(event.data["path"]).is_file()


def test_local_backend_records_the_bundle_as_a_case_event(cli, file_store, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CSIRT_KIT_CONFIG", str(write_config(tmp_path, "local")))
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    (event,) = [e for e in list_events(file_store.conn, KEY) if e.kind == "evidence"]
    path = Path(event.data["path"])
    assert path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == event.data["sha256"]
    timeline = cli(["--json", "timeline", KEY]).json
    assert any(e["kind"] == "evidence" and str(path) in e["text"] for e in timeline["entries"])
