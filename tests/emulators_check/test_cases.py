"""Cases: create, get, update, close, delete (contract 1.5, 1.6, 1.9)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError

from tests.emulators.thehive import TheHiveEmulator


def test_create_answers_201_with_a_full_case(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    before = int(time.time() * 1000)
    case = api.case.create({"title": "Defacement", "description": "d", "tags": ["misp:event=1", "web"]})
    response_status = hive.requests[-1]
    assert response_status.body == {
        "title": "Defacement",
        "description": "d",
        "tags": ["misp:event=1", "web"],
    }
    assert re.fullmatch(r"~\d+", case["_id"])
    assert case["number"] == 1
    assert case["_createdAt"] >= before and case["startDate"] == case["_createdAt"]
    assert (case["status"], case["stage"], case["severity"], case["tlp"], case["pap"]) == (
        "New",
        "New",
        2,
        2,
        2,
    )
    assert (case["severityLabel"], case["tlpLabel"], case["papLabel"]) == ("MEDIUM", "AMBER", "AMBER")
    assert case["tags"] == ["misp:event=1", "web"]
    assert case["flag"] is False and case["customFields"] == []
    assert hive.cases[case["_id"]] == case
    assert api.case.create({"title": "second", "description": "d"})["number"] == 2


def test_create_status_code_is_201(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    response = api.session.post(f"{hive.url}/api/v1/case", json={"title": "t", "description": "d"})
    assert response.status_code == 201


@pytest.mark.parametrize("body", [{"title": "t"}, {"description": "d"}, {"title": None, "description": "d"}])
def test_create_without_title_or_description_is_400_bad_request(
    hive: TheHiveEmulator, api: TheHiveApi, body: dict
) -> None:
    with pytest.raises(TheHiveError) as err:
        api.case.create(body)  # type: ignore[arg-type]
    assert err.value.response.status_code == 400
    assert str(err.value).startswith("BadRequest - ")
    assert hive.cases == {}


def test_create_with_a_bad_severity_is_400_attribute_error(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    with pytest.raises(TheHiveError) as err:
        api.case.create({"title": "t", "description": "d", "severity": 7})
    assert err.value.response.status_code == 400
    assert err.value.response.json()["type"] == "AttributeCheckingError"
    assert err.value.response.json()["errors"][0]["name"] == "severity"


def test_get_by_id_and_by_number_and_unknown_is_404(api: TheHiveApi, new_case: Callable[..., dict]) -> None:
    case = new_case()
    assert api.case.get(case["_id"]) == case
    assert api.case.get(str(case["number"]))["_id"] == case["_id"]
    with pytest.raises(TheHiveError) as err:
        api.case.get("~999999")
    assert err.value.response.status_code == 404
    assert str(err.value) == "NotFoundError - Case ~999999 not found"


def test_update_answers_204_and_the_client_returns_empty_string(
    hive: TheHiveEmulator, api: TheHiveApi, new_case: Callable[..., dict]
) -> None:
    case = new_case(tags=["a", "b"])
    result = api.case.update(case["_id"], {"status": "InProgress", "addTags": ["x"], "removeTags": ["a"]})
    assert result == ""
    stored = api.case.get(case["_id"])
    assert stored["status"] == stored["stage"] == "InProgress"
    assert stored["tags"] == ["b", "x"]
    assert stored["_updatedBy"] == hive.user and stored["_updatedAt"] >= case["_createdAt"]
    response = api.session.patch(f"{hive.url}/api/v1/case/{case['_id']}", json={"severity": 3})
    assert (response.status_code, response.content) == (204, b"")
    assert api.case.get(case["_id"])["severityLabel"] == "HIGH"


def test_update_with_an_unknown_attribute_is_refused(
    hive: TheHiveEmulator, api: TheHiveApi, new_case: Callable[..., dict]
) -> None:
    case = new_case()
    with pytest.raises(TheHiveError) as err:
        api.case.update(case["_id"], {"impact": "WithImpact"})  # type: ignore[typeddict-unknown-key]
    assert err.value.response.status_code == 400
    assert "impact" in str(err.value)


def test_close_sets_closing_fields(
    hive: TheHiveEmulator, api: TheHiveApi, new_case: Callable[..., dict]
) -> None:
    case = new_case()
    assert api.case.close(case["_id"], "TruePositive", "web shell removed", "WithImpact") == ""
    assert hive.requests[-1].body == {
        "status": "TruePositive",
        "impactStatus": "WithImpact",
        "summary": "web shell removed",
    }
    closed = api.case.get(case["_id"])
    assert (closed["status"], closed["stage"], closed["impactStatus"]) == (
        "TruePositive",
        "Closed",
        "WithImpact",
    )
    assert closed["summary"] == "web shell removed"
    assert closed["endDate"] >= closed["_createdAt"]
    api.case.update(case["_id"], {"status": "InProgress"})
    reopened = api.case.get(case["_id"])
    assert reopened["stage"] == "InProgress" and "endDate" not in reopened


def test_closing_without_summary_and_with_an_unknown_status_fail(
    api: TheHiveApi, new_case: Callable[..., dict]
) -> None:
    case = new_case()
    with pytest.raises(TheHiveError) as err:
        api.case.update(case["_id"], {"status": "Duplicated"})
    assert err.value.response.status_code == 400
    with pytest.raises(TheHiveError) as err:
        api.case.update(case["_id"], {"status": "Duplicate", "summary": "s"})  # type: ignore[typeddict-item]
    assert err.value.response.status_code == 400
    assert api.case.get(case["_id"])["status"] == "New"


def test_delete_removes_the_case_and_its_children(
    hive: TheHiveEmulator, api: TheHiveApi, new_case: Callable[..., dict]
) -> None:
    case = new_case()
    task = api.case.create_task(case["_id"], {"title": "Triage"})
    api.task.create_log(task["_id"], {"message": "started"})
    api.case.create_observable(case["_id"], {"dataType": "ip", "data": "203.0.113.7"})
    assert api.case.delete(case["_id"]) is None
    assert hive.cases == hive.tasks == hive.task_logs == hive.observables == {}


def test_bulk_update(api: TheHiveApi, new_case: Callable[..., dict]) -> None:
    a, b = new_case("a"), new_case("b")
    assert api.case.bulk_update({"ids": [a["_id"], b["_id"]], "flag": True}) == ""
    assert api.case.get(a["_id"])["flag"] and api.case.get(b["_id"])["flag"]


def test_concurrent_creates_get_distinct_ids_and_numbers(hive: TheHiveEmulator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.emulators_check.conftest import make_api

    def create(i: int) -> dict:
        return make_api(hive).case.create({"title": f"c{i}", "description": "d"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        cases = list(pool.map(create, range(40)))
    assert len({c["_id"] for c in cases}) == 40
    assert sorted(c["number"] for c in cases) == list(range(1, 41))
    assert hive.count("POST", "/api/v1/case") == 40


def test_chunked_request_body_is_read(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    def body():  # a generator makes requests send Transfer-Encoding: chunked
        yield b'{"title": "chunked",'
        yield b' "description": "d"}'

    response = api.session.post(
        f"{hive.url}/api/v1/case", data=body(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201 and response.json()["title"] == "chunked"
    assert hive.requests[-1].header("Transfer-Encoding") == "chunked"
    assert api.case.count() == 1  # the keep-alive connection is still in step
