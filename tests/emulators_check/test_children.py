"""Tasks, task logs, observables and comments of a case (contract 1.5, 1.6)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq
from thehive4py.query.sort import Asc

from tests.emulators.thehive import TheHiveEmulator


def test_task_create_get_update_and_find(
    hive: TheHiveEmulator, api: TheHiveApi, new_case: Callable[..., dict]
) -> None:
    case = new_case()
    task = api.case.create_task(case["_id"], {"title": "Contain", "group": "web", "order": 1})
    assert hive.requests[-1].path == f"/api/v1/case/{case['_id']}/task"
    assert (task["title"], task["group"], task["status"], task["order"], task["flag"]) == (
        "Contain", "web", "Waiting", 1, False,
    )  # fmt: skip
    first = api.task.create(case["_id"], {"title": "Triage", "order": 0})
    assert first["group"] == "default"
    assert api.task.get(task["_id"]) == task
    assert [t["title"] for t in api.case.find_tasks(case["_id"], sortby=Asc("order"))] == [
        "Triage",
        "Contain",
    ]
    assert api.task.update(task["_id"], {"status": "Completed"}) == ""
    done = api.task.get(task["_id"])
    assert done["status"] == "Completed" and done["endDate"] >= done["_createdAt"]
    assert [t["_id"] for t in api.task.find(filters=Eq("status", "Completed"))] == [task["_id"]]
    assert api.task.count() == 2
    assert hive.tasks_of(case["_id"]) == [hive.tasks[task["_id"]], hive.tasks[first["_id"]]]


def test_task_errors(api: TheHiveApi, new_case: Callable[..., dict]) -> None:
    case = new_case()
    with pytest.raises(TheHiveError) as err:
        api.case.create_task(case["_id"], {"group": "g"})  # type: ignore[typeddict-item]
    assert err.value.response.status_code == 400
    with pytest.raises(TheHiveError) as err:
        api.case.create_task("~1", {"title": "t"})
    assert err.value.response.status_code == 404
    task = api.case.create_task(case["_id"], {"title": "t"})
    with pytest.raises(TheHiveError) as err:
        api.task.update(task["_id"], {"status": "Done"})
    assert err.value.response.status_code == 400


def test_task_logs_json_and_multipart(
    hive: TheHiveEmulator, api: TheHiveApi, new_case: Callable[..., dict], tmp_path: Path
) -> None:
    task = api.case.create_task(new_case()["_id"], {"title": "Triage"})
    log = api.task_log.create(task["_id"], {"message": "web shell found"})
    assert hive.requests[-1].path == f"/api/v1/task/{task['_id']}/log"
    assert (log["message"], log["owner"], log["_type"]) == ("web shell found", hive.user, "Log")
    assert log["date"] == log["_createdAt"]
    evidence = tmp_path / "access.log"
    evidence.write_text("GET /shell.php 200\n")
    with_file = api.task_log.create(task["_id"], {"message": "evidence", "attachments": [str(evidence)]})
    assert sorted(p.name for p in hive.requests[-1].body) == ["_json", "attachments"]
    assert with_file["attachments"][0]["name"] == "access.log"
    assert with_file["attachments"][0]["size"] == evidence.stat().st_size
    assert [entry["message"] for entry in api.task.find_logs(task["_id"])] == ["web shell found", "evidence"]
    assert api.task_log.get(log["_id"])["_id"] == log["_id"]
    assert api.task_log.update(log["_id"], {"message": "edited"}) == ""
    assert hive.task_logs[log["_id"]]["message"] == "edited"


def test_observables_list_values_and_duplicates(
    hive: TheHiveEmulator, api: TheHiveApi, new_case: Callable[..., dict]
) -> None:
    case = new_case()
    created = api.case.create_observable(
        case["_id"], {"dataType": "ip", "data": ["203.0.113.7", "203.0.113.8"], "ioc": True, "tags": ["t"]}
    )
    assert isinstance(created, list) and [o["data"] for o in created] == ["203.0.113.7", "203.0.113.8"]
    assert all(o["ioc"] is True and o["sighted"] is False and o["tlp"] == 2 for o in created)
    with pytest.raises(TheHiveError) as err:
        api.observable.create_in_case(case["_id"], {"dataType": "ip", "data": "203.0.113.7"})
    assert err.value.response.status_code == 400
    assert str(err.value) == "CreateError - Observable already exists"
    assert err.value.response.json()["object"] == {"dataType": "ip", "data": "203.0.113.7"}
    # same value, other type or other case: allowed
    api.observable.create_in_case(case["_id"], {"dataType": "other", "data": "203.0.113.7"})
    api.observable.create_in_case(new_case("other")["_id"], {"dataType": "ip", "data": "203.0.113.7"})
    found = api.case.find_observables(case["_id"], filters=Eq("dataType", "ip"))
    assert sorted(o["data"] for o in found) == ["203.0.113.7", "203.0.113.8"]
    assert len(hive.observables) == 4


def test_observable_unknown_type_get_update_delete(api: TheHiveApi, new_case: Callable[..., dict]) -> None:
    case = new_case()
    with pytest.raises(TheHiveError) as err:
        api.observable.create_in_case(case["_id"], {"dataType": "ipv9", "data": "x"})
    assert err.value.response.status_code == 404
    (obs,) = api.observable.create_in_case(case["_id"], {"dataType": "domain", "data": "evil.example"})
    assert api.observable.get(obs["_id"]) == obs
    assert api.observable.update(obs["_id"], {"ioc": True, "addTags": ["c2"]}) == ""
    assert api.observable.get(obs["_id"])["tags"] == ["c2"]
    api.observable.delete(obs["_id"])
    assert api.observable.count() == 0


def test_file_observable_is_multipart_with_an_attachment(
    hive: TheHiveEmulator, api: TheHiveApi, new_case: Callable[..., dict], tmp_path: Path
) -> None:
    sample = tmp_path / "shell.php.txt"
    sample.write_bytes(b"<?php harmless sample ?>\r\n\x00\xff")
    (obs,) = api.observable.create_in_case(new_case()["_id"], {"dataType": "file", "ioc": True}, str(sample))
    request = hive.requests[-1]
    assert [p.name for p in request.body] == ["_json", "attachment"]
    assert request.parts("_json")[0].filename is None
    assert "data" not in obs
    assert obs["attachment"]["name"] == "shell.php.txt"
    assert obs["attachment"]["size"] == len(sample.read_bytes())
    assert hive.blobs[obs["attachment"]["id"]] == sample.read_bytes()


def test_comments_have_unprefixed_created_fields(
    hive: TheHiveEmulator, api: TheHiveApi, new_case: Callable[..., dict]
) -> None:
    case = new_case()
    comment = api.comment.create_in_case(case["_id"], {"message": "called the OPD contact"})
    assert comment["createdBy"] == hive.user and isinstance(comment["createdAt"], int)
    assert "_createdBy" not in comment and comment["isEdited"] is False
    assert api.case.find_comments(case["_id"]) == [comment]
    assert api.comment.get(comment["_id"]) == comment
    assert api.comment.update(comment["_id"], {"message": "edited"}) == ""
    edited = api.comment.get(comment["_id"])
    assert edited["isEdited"] is True and "updatedAt" in edited
    api.comment.delete(comment["_id"])
    assert hive.comments == {}
