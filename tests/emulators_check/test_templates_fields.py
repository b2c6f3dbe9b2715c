"""Case templates and custom fields (contract 1.10.2, 1.10.3)."""

from __future__ import annotations

import pytest
from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq

from tests.emulators.thehive import TheHiveEmulator

TEMPLATE = {
    "name": "phishing",
    "displayName": "Phishing",
    "titlePrefix": "[PHISH] ",
    "description": "template description",
    "severity": 3,
    "tags": ["phishing"],
    "tlp": 3,
    "tasks": [{"title": "Triage", "group": "g", "order": 0}, {"title": "Contain", "order": 1}],
    "customFields": [{"name": "incident-category", "value": None}],
}


@pytest.fixture
def category(hive: TheHiveEmulator) -> dict:
    return hive.add_custom_field("incident-category", "string", options=["web", "phishing", "cctv"])


def test_template_create_get_by_id_and_name_find(api: TheHiveApi, category: dict) -> None:
    template = api.case_template.create(TEMPLATE)  # type: ignore[arg-type]
    assert template["_type"] == "CaseTemplate" and template["titlePrefix"] == "[PHISH] "
    assert [t["title"] for t in template["tasks"]] == ["Triage", "Contain"]
    assert template["customFields"][0]["name"] == "incident-category"
    assert api.case_template.get(template["_id"]) == template
    assert api.case_template.get("phishing") == template
    assert api.case_template.find(filters=Eq("name", "phishing")) == [template]
    with pytest.raises(TheHiveError) as err:
        api.case_template.create(TEMPLATE)  # type: ignore[arg-type]
    assert str(err.value).startswith("CreateError - ")


def test_template_name_with_spaces_is_percent_encoded(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    created = api.case_template.create({"name": "my first template"})
    assert created["displayName"] == "" and created["tasks"] == []
    assert api.case_template.get("my first template")["_id"] == created["_id"]
    assert hive.requests[-1].path == "/api/v1/caseTemplate/my first template"


def test_template_update_replaces_tasks_and_delete(api: TheHiveApi, category: dict) -> None:
    template = api.case_template.create(TEMPLATE)  # type: ignore[arg-type]
    assert (
        api.case_template.update(
            template["_id"], {"name": "phishing", "description": "d2", "tasks": [{"title": "Only"}]}
        )
        == ""
    )
    updated = api.case_template.get(template["_id"])
    assert updated["description"] == "d2" and [t["title"] for t in updated["tasks"]] == ["Only"]
    api.case_template.delete(template["_id"])
    with pytest.raises(TheHiveError) as err:
        api.case_template.get(template["_id"])
    assert err.value.response.status_code == 404


def test_case_from_template_gets_prefix_defaults_tasks_and_fields(api: TheHiveApi, category: dict) -> None:
    api.case_template.create(TEMPLATE)  # type: ignore[arg-type]
    case = api.case.create(
        {
            "title": "Mail to the mayor's office",
            "description": "d",
            "tlp": 1,
            "tags": ["mail"],
            "caseTemplate": "phishing",
            "customFields": [{"name": "incident-category", "value": "phishing"}],
        }
    )
    assert case["title"] == "[PHISH] Mail to the mayor's office"
    assert (case["severity"], case["tlp"], case["pap"]) == (3, 1, 2)  # template fills, request wins
    assert case["tags"] == ["mail", "phishing"] and case["caseTemplate"] == "phishing"
    assert [(c["name"], c["type"], c["value"]) for c in case["customFields"]] == [
        ("incident-category", "string", "phishing")
    ]
    assert [t["title"] for t in api.case.find_tasks(case["_id"])] == ["Triage", "Contain"]
    with pytest.raises(TheHiveError) as err:
        api.case.create({"title": "t", "description": "d", "caseTemplate": "missing"})
    assert err.value.response.status_code == 404


def test_apply_case_template_to_existing_cases(
    hive: TheHiveEmulator, api: TheHiveApi, category: dict
) -> None:
    api.case_template.create(TEMPLATE)  # type: ignore[arg-type]
    case = api.case.create({"title": "t", "description": "d"})
    result = api.case.apply_case_template(
        {"ids": [case["_id"]], "caseTemplate": "phishing", "updateTags": True, "importTasks": ["Triage"]}
    )
    assert result == ""
    assert api.case.get(case["_id"])["tags"] == ["phishing"]
    assert [t["title"] for t in api.case.find_tasks(case["_id"])] == ["Triage"]


def test_custom_field_definitions_need_the_admin_organisation(api: TheHiveApi, admin_api: TheHiveApi) -> None:
    body = {"name": "asset-id", "group": "csirt", "description": "inventory id", "type": "string"}
    with pytest.raises(TheHiveError) as err:
        api.custom_field.create(body)  # type: ignore[arg-type]
    assert err.value.response.status_code == 403 and str(err.value).startswith("AuthorizationError - ")
    created = admin_api.custom_field.create(body)  # type: ignore[arg-type]
    assert (created["name"], created["type"], created["mandatory"]) == ("asset-id", "string", False)
    assert api.custom_field.list() == [created]
    admin_api.custom_field.update(created["_id"], {"description": "changed"})  # type: ignore[typeddict-item]
    assert api.custom_field.list()[0]["description"] == "changed"
    admin_api.custom_field.delete(created["_id"])
    assert api.custom_field.list() == []


def test_custom_field_values_list_and_dict_forms(
    api: TheHiveApi, hive: TheHiveEmulator, category: dict
) -> None:
    hive.add_custom_field("affected-hosts", "integer")
    listed = api.case.create(
        {"title": "a", "description": "d", "customFields": [{"name": "incident-category", "value": "web"}]}
    )
    flat = api.case.create(
        {"title": "b", "description": "d", "customFields": {"affected-hosts": 3, "incident-category": "cctv"}}
    )
    assert [(c["name"], c["value"], c["order"]) for c in flat["customFields"]] == [
        ("affected-hosts", 3, 0),
        ("incident-category", "cctv", 1),
    ]
    assert all(c["_id"].startswith("~") for c in listed["customFields"] + flat["customFields"])
    assert [c["title"] for c in api.case.find(filters=Eq("customFields.incident-category", "web"))] == ["a"]
    assert [c["title"] for c in api.case.find(filters=Eq("customFields.affected-hosts.integer", 3))] == ["b"]
    api.case.update(listed["_id"], {"customFields": [{"name": "affected-hosts", "value": 5}]})
    merged = api.case.get(listed["_id"])["customFields"]
    assert sorted((c["name"], c["value"]) for c in merged) == [
        ("affected-hosts", 5),
        ("incident-category", "web"),
    ]


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ([{"name": "nope", "value": "x"}], 404),
        ([{"name": "incident-category", "value": 7}], 400),
        ([{"name": "incident-category", "value": "not-an-option"}], 400),
    ],
)
def test_bad_custom_field_values_store_nothing(
    hive: TheHiveEmulator, api: TheHiveApi, category: dict, values: list, status: int
) -> None:
    with pytest.raises(TheHiveError) as err:
        api.case.create({"title": "t", "description": "d", "customFields": values})
    assert err.value.response.status_code == status
    assert hive.cases == {}


def test_delete_one_custom_field_value_from_a_case(api: TheHiveApi, category: dict) -> None:
    case = api.case.create(
        {"title": "t", "description": "d", "customFields": [{"name": "incident-category", "value": "web"}]}
    )
    api.case.delete_custom_field(case["customFields"][0]["_id"])
    assert api.case.get(case["_id"])["customFields"] == []
