"""Alerts: create, identity, find by sourceRef, update, observables, merge, promote (contract 1.10.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Desc
from thehive4py.session import DEFAULT_RETRY

from tests.emulators.thehive import TheHiveEmulator
from tests.emulators_check.conftest import KEY, ORG, make_api

ALERT = {
    "type": "misp",
    "source": "csirt-kit",
    "sourceRef": "evt-42",
    "title": "IoC sighted on portal",
    "description": "d",
    "severity": 3,
    "tags": ["misp:event=42"],
    "observables": [
        {"dataType": "ip", "data": "203.0.113.7"},
        {"dataType": "domain", "data": "evil.example"},
    ],
}


def test_create_counts_inline_observables_without_echoing_them(
    hive: TheHiveEmulator, api: TheHiveApi
) -> None:
    alert = api.alert.create(ALERT)  # type: ignore[arg-type]
    assert hive.requests[-1].body == ALERT
    assert alert["observableCount"] == 2 and "observables" not in alert
    assert (alert["status"], alert["stage"], alert["follow"]) == ("New", "New", True)
    assert (alert["severityLabel"], alert["date"]) == ("HIGH", alert["_createdAt"])
    assert "caseId" not in alert
    assert sorted(o["data"] for o in api.alert.find_observables(alert["_id"])) == [
        "203.0.113.7",
        "evil.example",
    ]
    assert api.alert.get(alert["_id"]) == alert


@pytest.mark.parametrize("missing", ["type", "source", "sourceRef", "title", "description"])
def test_create_requires_identity_and_text(hive: TheHiveEmulator, api: TheHiveApi, missing: str) -> None:
    with pytest.raises(TheHiveError) as err:
        api.alert.create({k: v for k, v in ALERT.items() if k != missing})  # type: ignore[arg-type]
    assert err.value.response.status_code == 400
    assert hive.alerts == {} and hive.observables == {}


def test_duplicate_identity_is_the_theHive4_create_error(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    api.alert.create(ALERT)  # type: ignore[arg-type]
    with pytest.raises(TheHiveError) as err:
        api.alert.create({**ALERT, "title": "again"})  # type: ignore[arg-type]
    assert err.value.response.status_code == 400
    assert (
        str(err.value) == "CreateError - Alert misp:csirt-kit:evt-42 already exist in organisation csirt-kota"
    )
    assert len(hive.alerts) == 1 and len(hive.observables) == 2
    api.alert.create({**ALERT, "sourceRef": "evt-43"})  # type: ignore[arg-type]
    make_api(hive, organisation="admin").alert.create(ALERT)  # type: ignore[arg-type]  # per organisation
    assert len(hive.alerts) == 3


def test_500_after_with_default_retry_surfaces_the_duplicate(
    hive: TheHiveEmulator, sleeps: list[float]
) -> None:
    api = TheHiveApi(hive.url, apikey=KEY, organisation=ORG, max_retries=DEFAULT_RETRY)
    hive.fault("POST", "/api/v1/alert", "500-after")
    with pytest.raises(TheHiveError) as err:
        api.alert.create(ALERT)  # type: ignore[arg-type]
    assert err.value.response.status_code == 400 and "already exist" in str(err.value)
    assert hive.count("POST", "/api/v1/alert") == 2 and len(hive.alerts) == 1


def test_find_by_source_ref_with_the_recorded_query(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    alert = api.alert.create(ALERT)  # type: ignore[arg-type]
    api.alert.create({**ALERT, "sourceRef": "evt-7"})  # type: ignore[arg-type]
    filters = Eq("sourceRef", "evt-42") & Eq("source", "csirt-kit") & Eq("type", "misp")
    found = api.alert.find(filters=filters, sortby=Desc("_createdAt"), paginate=Paginate(0, 5))
    assert [a["_id"] for a in found] == [alert["_id"]]
    assert hive.requests[-1].query == {"name": "alerts"}
    assert api.alert.count(filters=Eq("tags", "misp:event=42")) == 2


def test_update_and_custom_status(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    alert = api.alert.create(ALERT)  # type: ignore[arg-type]
    assert api.alert.update(alert["_id"], {"status": "Ignored", "addTags": ["x"]}) == ""
    updated = api.alert.get(alert["_id"])
    assert (updated["status"], updated["stage"], updated["tags"]) == (
        "Ignored",
        "Closed",
        ["misp:event=42", "x"],
    )
    with pytest.raises(TheHiveError) as err:
        api.alert.update(alert["_id"], {"colour": "red"})  # type: ignore[typeddict-unknown-key]
    assert err.value.response.status_code == 400


def test_alert_observables_and_duplicates(hive: TheHiveEmulator, api: TheHiveApi, tmp_path: Path) -> None:
    alert = api.alert.create({**ALERT, "observables": []})  # type: ignore[arg-type]
    created = api.alert.create_observable(
        alert["_id"], {"dataType": "domain", "data": "x.example", "ioc": True}
    )
    assert created == api.alert.find_observables(alert["_id"])
    with pytest.raises(TheHiveError) as err:
        api.observable.create_in_alert(alert["_id"], {"dataType": "domain", "data": "x.example"})
    assert str(err.value) == "CreateError - Observable already exists"
    sample = tmp_path / "dropper.bin"
    sample.write_bytes(b"harmless")
    (file_obs,) = api.alert.create_observable(alert["_id"], {"dataType": "file"}, observable_path=str(sample))
    assert file_obs["attachment"]["name"] == "dropper.bin"
    assert api.alert.get(alert["_id"])["observableCount"] == 2


def test_multipart_create_with_an_attachment_map(
    hive: TheHiveEmulator, api: TheHiveApi, tmp_path: Path
) -> None:
    sample = tmp_path / "shell.txt"
    sample.write_text("harmless sample")
    alert = api.alert.create(
        {**ALERT, "observables": [*ALERT["observables"], {"dataType": "file", "attachment": "obs1"}]},  # type: ignore[list-item, arg-type]
        attachment_map={"obs1": str(sample)},
    )
    request = hive.requests[-1]
    assert [(p.name, p.filename) for p in request.body] == [("obs1", "shell.txt"), ("_json", "_json")]
    assert alert["observableCount"] == 3
    (file_obs,) = [o for o in hive.observables_of(alert["_id"]) if o["dataType"] == "file"]
    assert hive.blobs[file_obs["attachment"]["id"]] == b"harmless sample"


def test_merge_into_case_copies_observables_and_links(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    case = api.case.create({"title": "Portal compromise", "description": "d"})
    api.case.create_observable(case["_id"], {"dataType": "ip", "data": "203.0.113.7"})
    alert = api.alert.create(ALERT)  # type: ignore[arg-type]
    merged = api.alert.merge_into_case(alert["_id"], case["_id"])
    assert hive.requests[-1].body == b"" and hive.requests[-1].header("Content-Type") is None
    assert merged["_id"] == case["_id"] and "misp:event=42" in merged["tags"]
    linked = api.alert.get(alert["_id"])
    assert (linked["caseId"], linked["status"], linked["stage"]) == (case["_id"], "Imported", "Imported")
    assert sorted(o["data"] for o in api.case.find_observables(case["_id"])) == [
        "203.0.113.7",
        "evil.example",
    ]
    with pytest.raises(TheHiveError) as err:
        api.alert.merge_into_case(alert["_id"], case["_id"])
    assert err.value.response.status_code == 400


def test_promote_creates_a_case_with_overrides_and_template(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    api.case_template.create(
        {"name": "misp-ioc", "titlePrefix": "[IOC] ", "tasks": [{"title": "Check logs"}]}
    )
    alert = api.alert.create({**ALERT, "caseTemplate": "misp-ioc"})  # type: ignore[arg-type]
    case = api.alert.promote_to_case(alert["_id"], {"title": "Portal IoC"})
    assert hive.requests[-1].body == {"title": "Portal IoC"}
    assert case["title"] == "[IOC] Portal IoC" and case["severity"] == 3 and case["tags"] == ["misp:event=42"]
    assert [t["title"] for t in api.case.find_tasks(case["_id"])] == ["Check logs"]
    assert len(api.case.find_observables(case["_id"])) == 2
    assert api.alert.get(alert["_id"])["caseId"] == case["_id"]
    plain = api.alert.create({**ALERT, "sourceRef": "evt-9"})  # type: ignore[arg-type]
    assert api.alert.promote_to_case(plain["_id"])["title"] == ALERT["title"]


def test_promote_with_an_unknown_template_is_404_and_links_nothing(
    hive: TheHiveEmulator, api: TheHiveApi
) -> None:
    alert = api.alert.create(ALERT)  # type: ignore[arg-type]
    with pytest.raises(TheHiveError) as err:
        api.alert.promote_to_case(alert["_id"], {"caseTemplate": "nope"})
    assert err.value.response.status_code == 404
    assert hive.cases == {} and "caseId" not in hive.alerts[alert["_id"]]


def test_follow_bulk_and_delete(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    a = api.alert.create(ALERT)  # type: ignore[arg-type]
    b = api.alert.create({**ALERT, "sourceRef": "evt-2"})  # type: ignore[arg-type]
    api.alert.unfollow(a["_id"])
    assert hive.alerts[a["_id"]]["follow"] is False
    api.alert.bulk_update({"ids": [a["_id"], b["_id"]], "status": "InProgress"})  # type: ignore[typeddict-item]
    assert {x["stage"] for x in hive.alerts.values()} == {"InProgress"}
    case = api.case.create({"title": "t", "description": "d"})
    api.alert.bulk_merge_into_case(case["_id"], [a["_id"], b["_id"]])
    assert {x["caseId"] for x in hive.alerts.values()} == {case["_id"]}
    api.alert.delete(a["_id"])
    api.alert.bulk_delete([b["_id"]])
    assert hive.alerts == {}


def test_analyst_promote_and_merge_helpers(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    alert = api.alert.create(ALERT)  # type: ignore[arg-type]
    case = hive.promote_alert(alert["_id"])
    assert api.alert.get(alert["_id"])["caseId"] == case["_id"] and case["_createdBy"] == hive.analyst
    other = api.alert.create({**ALERT, "sourceRef": "evt-2"})  # type: ignore[arg-type]
    hive.merge_alert(other["_id"], case["_id"])
    assert api.alert.get(other["_id"])["caseId"] == case["_id"]
