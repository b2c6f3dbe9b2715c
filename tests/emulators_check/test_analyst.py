"""Analyst actions made "in the UI" (no HTTP) are what the client then reads back."""

from __future__ import annotations

import pytest
from thehive4py import TheHiveApi
from thehive4py.query.filters import Eq

from tests.emulators.thehive import TheHiveEmulator


def test_close_case_is_seen_by_the_client(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    case = api.case.create({"title": "t", "description": "d", "tags": ["csirt-kit:key=1"]})
    closed = hive.close_case(case["_id"], status="FalsePositive", summary="scanner noise", impact="NoImpact")
    seen = api.case.get(case["_id"])
    assert seen == closed
    assert (seen["status"], seen["stage"], seen["impactStatus"], seen["summary"]) == (
        "FalsePositive", "Closed", "NoImpact", "scanner noise",
    )  # fmt: skip
    assert seen["_updatedBy"] == hive.analyst and "endDate" in seen
    assert api.case.count(filters=Eq("stage", "Closed")) == 1
    assert hive.requests[-1].path == "/api/v1/query"  # the UI action made no request


def test_task_status_log_and_comment_helpers(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    case = api.case.create({"title": "t", "description": "d"})
    task = api.case.create_task(case["_id"], {"title": "Contain"})
    hive.set_task_status(task["_id"], "InProgress")
    assert api.task.get(task["_id"])["startDate"] > 0
    hive.set_task_status(task["_id"], "Completed")
    hive.add_task_log(task["_id"], "blocked at the WAF")
    hive.add_comment(case["_id"], "owner informed")
    assert api.task.get(task["_id"])["status"] == "Completed"
    assert [log["message"] for log in api.task.find_logs(task["_id"])] == ["blocked at the WAF"]
    assert [c["message"] for c in api.case.find_comments(case["_id"])] == ["owner informed"]
    assert hive.logs_of(task["_id"])[0]["owner"] == hive.analyst


def test_helpers_refuse_bad_input_like_the_api(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    case = hive.create_case({"title": "seeded", "description": "d", "tags": ["x"]})
    assert api.case.get(case["_id"])["_createdBy"] == hive.analyst
    assert hive.cases_with_tag("x") == [case]
    with pytest.raises(Exception, match="unknown status"):
        hive.set_case_status(case["_id"], "Solved")
    with pytest.raises(KeyError):
        hive.set_task_status("~1", "Completed")
    assert api.case.get(case["_id"])["status"] == "New"


def test_stop_and_start_are_idempotent(hive: TheHiveEmulator) -> None:
    hive.stop()
    hive.stop()
    assert not hive.running
    hive.start()
    hive.start()
    assert hive.running
