"""Task logs both ways: joined findings are logged on the playbook's task; responders' logs come back."""

from __future__ import annotations

from csirt_kit.cases.records import get_case, tasks_of
from csirt_kit.findings import upsert_findings
from tests.cases.helpers import NOW, asset, ioc_hit, seed, webshell


def entries(cli, key: str, kind: str) -> list[dict]:
    doc = cli(["--json", "timeline", key]).json
    return [e for e in doc["entries"] if e["kind"] == kind]


def test_joined_findings_are_logged_on_the_identification_task(cli, file_store, hive, hive_config) -> None:
    seed(file_store, [asset(2)], [ioc_hit("web-002", "203.0.113.9")])
    cli(["cases", "open"])
    key = "log-activity:web-002"
    with file_store.write() as conn:
        upsert_findings(conn, [ioc_hit("web-002", "198.51.100.4")], NOW)
    cli(["cases", "open"])
    first, *others = tasks_of(file_store.conn, key)
    (log,) = hive.logs_of(first.backend_id)
    assert first.group == "identification"
    assert "198.51.100.4" in log["message"] and "1 new finding" in log["message"]
    assert not any(hive.logs_of(t.backend_id) for t in others)
    assert not hive.comments_of(get_case(file_store.conn, key).backend_id)  # a log, not a comment
    # our own log is not pulled back as a responder's
    cli(["cases", "sync"])
    assert entries(cli, key, "task_log") == []


def test_responders_logs_and_task_status_reach_the_timeline_once(cli, file_store, hive, hive_config) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    key = "webshell:web-001"
    first, second = tasks_of(file_store.conn, key)[:2]
    hive.add_task_log(first.backend_id, "Berkas shell diamankan, hash dicatat")
    hive.add_task_log(second.backend_id, "Situs dinonaktifkan sementara")
    hive.set_task_status(second.backend_id, "Completed")
    assert cli(["--json", "cases", "sync"]).json["pulled"] == 3
    logs = entries(cli, key, "task_log")
    assert [(e["data"]["task"], e["data"]["author"]) for e in logs] == [(0, hive.analyst), (1, hive.analyst)]
    assert "Berkas shell diamankan" in logs[0]["text"] and first.title in logs[0]["text"]
    (status,) = entries(cli, key, "task_status")
    assert status["data"]["to"] == "Completed" and status["ref"] == "1"
    # pulled again, and after one more log: each log once
    cli(["cases", "sync"])
    hive.add_task_log(first.backend_id, "Akar masalah: plugin unggah lama")
    cli(["cases", "sync"])
    texts = [e["data"]["message"] for e in entries(cli, key, "task_log")]
    assert texts == ["Berkas shell diamankan, hash dicatat", "Situs dinonaktifkan sementara",
                     "Akar masalah: plugin unggah lama"]


def test_log_stored_then_500_is_neither_repeated_nor_pulled_back(cli, file_store, hive, hive_config) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    key = "webshell:web-001"
    with file_store.write() as conn:
        upsert_findings(conn, [webshell("web-001", 1)], NOW)
    hive.fault("POST", r"/api/v1/task/[^/]+/log", "500-after")
    assert cli(["--json", "cases", "open"], expect=4).json["sync"]["queued"] == 1
    assert cli(["--json", "cases", "sync"]).json["queued"] == 0
    identification = tasks_of(file_store.conn, key)[0]
    assert len(hive.logs_of(identification.backend_id)) == 1
    cli(["cases", "sync"])
    assert entries(cli, key, "task_log") == []
