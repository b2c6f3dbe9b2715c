"""Attachments on cases and alerts: multipart layouts, reply shape, download (contract 1.10.4)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError

from tests.emulators.thehive import TheHiveEmulator


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4 harmless\r\n\x00\x01")
    notes = tmp_path / "NOTES"  # no extension: no Content-Type header on the part
    notes.write_text("analyst notes")
    return [report, notes]


def test_case_attachments_round_trip(
    hive: TheHiveEmulator, api: TheHiveApi, files: list[Path], tmp_path: Path
) -> None:
    case = api.case.create({"title": "t", "description": "d"})
    created = api.case.add_attachment(case["_id"], [str(f) for f in files])
    request = hive.requests[-1]
    assert [(p.name, p.filename, p.content_type) for p in request.body] == [
        ("attachments", "report.pdf", "application/pdf"),
        ("attachments", "NOTES", None),
    ]
    assert [a["name"] for a in created] == ["report.pdf", "NOTES"]
    data = files[0].read_bytes()
    assert created[0]["hashes"] == [
        hashlib.sha256(data).hexdigest(), hashlib.sha1(data).hexdigest(), hashlib.md5(data).hexdigest(),
    ]  # fmt: skip
    assert created[0]["size"] == len(data) and created[0]["contentType"] == "application/pdf"
    assert api.case.find_attachments(case["_id"]) == created
    target = tmp_path / "download.pdf"
    api.organisation.download_attachment(created[0]["_id"], str(target))
    assert target.read_bytes() == data
    with pytest.warns(DeprecationWarning):
        api.case.download_attachment(case["_id"], created[1]["_id"], str(tmp_path / "n"))
    assert (tmp_path / "n").read_text() == "analyst notes"
    api.case.delete_attachment(case["_id"], created[0]["_id"])
    assert [a["name"] for a in api.case.find_attachments(case["_id"])] == ["NOTES"]


def test_a_broken_attachment_reply_raises_type_error_in_the_client(
    hive: TheHiveEmulator, api: TheHiveApi, files: list[Path]
) -> None:
    case = api.case.create({"title": "t", "description": "d"})
    hive.fault("POST", r"/api/v1/case/[^/]+/attachments", "non-json")
    with pytest.raises(TypeError):  # the contract's pitfall: not a TheHiveError
        api.case.add_attachment(case["_id"], [str(files[0])])


def test_alert_attachments_send_can_rename(hive: TheHiveEmulator, api: TheHiveApi, files: list[Path]) -> None:
    alert = api.alert.create({"type": "t", "source": "s", "sourceRef": "r", "title": "t", "description": "d"})
    first = api.alert.add_attachment(alert["_id"], [str(files[0])])
    assert [(p.name, p.text) for p in hive.requests[-1].parts("canRename")] == [("canRename", "True")]
    again = api.alert.add_attachment(alert["_id"], [str(files[0])])
    assert first[0]["name"] == "report.pdf" and again[0]["name"] == "report_1.pdf"
    with pytest.raises(TheHiveError) as err:
        api.alert.add_attachment(alert["_id"], [str(files[0])], can_rename=False)
    assert err.value.response.status_code == 400 and "already exists" in str(err.value)
    assert len(hive.attachments) == 2
