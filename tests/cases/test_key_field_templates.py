"""Case mode: the key custom field (found by tag or field; a missing field only warns) and case templates."""

from __future__ import annotations

from pathlib import Path

from csirt_kit.cases.backend import dedup_tag
from csirt_kit.cases.records import get_case, list_cases, tasks_of
from csirt_kit.store.db import open_store
from tests.cases.helpers import asset, seed, webshell
from tests.cases.hive_setup import define_key_field, push_template, remote_tasks, set_thehive

CASE = "/api/v1/case"
MISSING = "has no custom field 'csirt-case-key'"


def test_case_carries_the_key_field_and_is_found_by_it_after_the_tag_was_removed(
        cli, file_store, hive, hive_config_path: Path, store_path: Path) -> None:
    define_key_field(hive)
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    (case,) = hive.cases.values()
    assert [(c["name"], c["value"]) for c in case["customFields"]] == [("csirt-case-key", "webshell:web-001")]
    hive.set_case_fields(case["_id"], {"removeTags": [dedup_tag("webshell:web-001")]})  # an analyst retags
    file_store.close()
    for suffix in ("", "-wal", "-shm"):  # the local store is lost: only the server can say
        store_path.with_name(store_path.name + suffix).unlink(missing_ok=True)
    fresh = open_store(store_path)
    try:
        seed(fresh, [asset(1)], [webshell("web-001", 0)])
        result = cli(["--json", "cases", "open"]).json
        assert result["sync"]["created"] == [] and hive.count("POST", CASE) == 1
        assert [c.backend_id for c in list_cases(fresh.conn)] == [case["_id"]]
    finally:
        fresh.close()


def test_missing_key_field_only_warns_once(cli, file_store, hive, hive_config_path: Path) -> None:
    seed(file_store, [asset(1), asset(2)], [webshell("web-001", 0), webshell("web-002", 0)])
    result = cli(["--json", "cases", "open"])
    assert result.json["sync"]["sent"] == 2 and result.json["sync"]["failed"] == 0
    assert result.stderr.count(MISSING) == 1 and "administrator" in result.stderr
    assert hive.count("POST", CASE) == 2  # the field was checked first: no refused create
    for case in hive.cases.values():
        assert case["customFields"] == [] and any(t.startswith("csirt-kit:key=") for t in case["tags"])


def test_field_refused_on_create_is_retried_without_it(cli, file_store, hive, hive_config_path: Path) -> None:
    hive.fault("GET", "/api/v1/customField", "403")  # this key may not read the definitions
    seed(file_store, [asset(1), asset(2)], [webshell("web-001", 0), webshell("web-002", 0)])
    result = cli(["--json", "cases", "open"])
    assert result.json["sync"]["sent"] == 2 and result.json["sync"]["failed"] == 0
    assert result.stderr.count(MISSING) == 1
    # the first create named the field and was refused (404), then sent without; the second never named it
    creates = [r.body for r in hive.requests if (r.method, r.path) == ("POST", CASE)]
    assert ["customFields" in b for b in creates] == [True, False, False]
    assert len(hive.cases) == 2


def test_use_templates_opens_from_the_template_without_duplicate_tasks(
        cli, file_store, hive, hive_config_path: Path) -> None:
    set_thehive(hive_config_path, use_templates=True)
    push_template(hive, hive_config_path, "webshell")
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    (case,) = hive.cases.values()
    assert case["caseTemplate"] == "csirt-kit-webshell" and case["title"] == "[csirt] Web shell on Situs 1"
    tasks = remote_tasks(hive, case["_id"])
    assert len(tasks) == 5 and hive.count("POST", f"{CASE}/{case['_id']}/task") == 0
    local = tasks_of(file_store.conn, "webshell:web-001")
    assert [t.backend_id for t in local] == [t["_id"] for t in tasks]


def test_unknown_template_is_retried_once_without_it(cli, file_store, hive, hive_config_path: Path) -> None:
    set_thehive(hive_config_path, use_templates=True)
    seed(file_store, [asset(1), asset(2)], [webshell("web-001", 0), webshell("web-002", 0)])
    result = cli(["--json", "cases", "open"])
    assert result.json["sync"]["failed"] == 0 and "csirt playbooks push" in result.stderr
    creates = [r.body for r in hive.requests if (r.method, r.path) == ("POST", CASE)]
    assert ["caseTemplate" in b for b in creates] == [True, False, False]
    assert len(hive.cases) == 2 and all(len(hive.tasks_of(c)) == 5 for c in hive.cases)
    assert get_case(file_store.conn, "webshell:web-001").backend_id in hive.cases
