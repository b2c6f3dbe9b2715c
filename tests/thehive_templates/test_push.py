"""`csirt playbooks push` with the real thehive4py against the emulator: create, no-op rerun, PATCH in place."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.emulators.thehive import TheHiveEmulator
from tests.thehive_templates.conftest import KEY

BUNDLED = 9
TEMPLATE = "/api/v1/caseTemplate"

WEBSHELL = """\
id: webshell
title: "Web shell on {asset.name}"
description: "Our own web shell playbook."
match: {kinds: [yara.file], tags_any: [webshell]}
severity: high
tags: [webshell]
tasks:
  - {group: identification, title: "Preserve the file"}
  - {group: containment, title: "%s"}
"""


def writes(hive: TheHiveEmulator) -> list[tuple[str, str]]:
    """Requests that can change the server (queries are reads, even as POST)."""
    return [(r.method, r.path) for r in hive.requests
            if r.method in ("POST", "PATCH", "PUT", "DELETE") and r.path != "/api/v1/query"]


def names_on_server(hive: TheHiveEmulator) -> Counter[str]:
    return Counter(t["name"] for t in hive.case_templates.values())


def test_push_creates_then_a_rerun_sends_no_write(cli, config_path: Path, hive: TheHiveEmulator) -> None:
    hive.add_custom_field("csirt-case-key", "string")
    first = cli(["--json", "playbooks", "push"]).json
    assert len(first["created"]) == BUNDLED and first["updated"] == [] and first["unchanged"] == []
    assert hive.count("POST", TEMPLATE) == BUNDLED and len(writes(hive)) == BUNDLED
    assert names_on_server(hive) == Counter({name: 1 for name in first["created"]})
    webshell = next(t for t in hive.case_templates.values() if t["name"] == "csirt-kit-webshell")
    assert webshell["titlePrefix"] == "[webshell] " and webshell["severity"] == 3
    assert [t["group"] for t in webshell["tasks"]][:2] == ["identification", "containment"]
    assert [(c["name"], c["value"]) for c in webshell["customFields"]] == [("csirt-case-key", None)]
    hive.requests.clear()
    again = cli(["--json", "playbooks", "push"]).json
    assert again["created"] == [] and again["updated"] == [] and sorted(again["unchanged"]) == sorted(first["created"])
    assert writes(hive) == [] and Counter(r.method for r in hive.requests) == Counter({"GET": 1, "POST": 1})
    text = cli(["playbooks", "push"]).stdout
    assert f"0 created, 0 updated, {BUNDLED} unchanged" in text


def test_a_changed_playbook_task_updates_its_template_in_place(cli, config_path: Path, hive: TheHiveEmulator,
                                                               extra_playbooks: Path) -> None:
    hive.add_custom_field("csirt-case-key", "string")
    (extra_playbooks / "webshell.yaml").write_text(WEBSHELL % "Block the shell's path", encoding="utf-8")
    cli(["playbooks", "push"])
    (tid,) = [i for i, t in hive.case_templates.items() if t["name"] == "csirt-kit-webshell"]
    assert [t["title"] for t in hive.case_templates[tid]["tasks"]] == ["Preserve the file", "Block the shell's path"]
    (extra_playbooks / "webshell.yaml").write_text(WEBSHELL % "Take the site offline", encoding="utf-8")
    hive.requests.clear()
    preview = cli(["--json", "playbooks", "push", "--dry-run"]).json
    assert preview["updated"] == ["csirt-kit-webshell"] and preview["changes"] == {"csirt-kit-webshell": ["tasks"]}
    assert preview["dry_run"] is True and writes(hive) == []
    done = cli(["--json", "playbooks", "push"]).json
    assert done["updated"] == ["csirt-kit-webshell"] and done["created"] == [] and done["unsettled"] == {}
    assert writes(hive) == [("PATCH", f"{TEMPLATE}/{tid}")]
    assert [t["title"] for t in hive.case_templates[tid]["tasks"]] == ["Preserve the file", "Take the site offline"]
    assert names_on_server(hive)["csirt-kit-webshell"] == 1 and len(hive.case_templates) == BUNDLED
    hive.requests.clear()
    cli(["playbooks", "push"])
    assert writes(hive) == []


def test_an_edit_made_in_thehive_is_put_back(cli, config_path: Path, hive: TheHiveEmulator) -> None:
    hive.add_custom_field("csirt-case-key", "string")
    cli(["playbooks", "push"])
    judol = next(t for t in hive.case_templates.values() if t["name"] == "csirt-kit-judol")
    original = (judol["description"], judol["tags"])
    judol["description"], judol["tags"] = "edited in the UI", ["csirt-kit"]
    result = cli(["--json", "playbooks", "push"]).json
    assert result["updated"] == ["csirt-kit-judol"] and result["changes"]["csirt-kit-judol"] == ["description", "tags"]
    assert (judol["description"], sorted(judol["tags"])) == (original[0], sorted(original[1]))


def test_a_500_in_the_middle_then_a_rerun_completes_without_duplicates(cli, config_path: Path,
                                                                       hive: TheHiveEmulator) -> None:
    hive.add_custom_field("csirt-case-key", "string")
    # the 4th template (by name) is stored, then answered 500: the ambiguous failure
    hive.fault("POST", TEMPLATE, "500-after",
               when=lambda r: isinstance(r.body, dict) and r.body.get("name") == "csirt-kit-judol")
    failed = cli(["--json", "playbooks", "push"], expect=4)
    assert failed.json["error"]["type"] == "ServerError"
    assert hive.url in failed.stderr and "3 created" in failed.stderr and "rerun" in failed.stderr
    assert hive.count("POST", TEMPLATE) == 4 and len(hive.case_templates) == 4
    rerun = cli(["--json", "playbooks", "push"]).json
    assert len(rerun["created"]) == BUNDLED - 4 and sorted(rerun["unchanged"])[-1:] == ["csirt-kit-judol"]
    assert len(rerun["unchanged"]) == 4 and rerun["updated"] == []
    assert names_on_server(hive) == Counter({n: 1 for n in [*rerun["created"], *rerun["unchanged"]]})
    assert hive.count("POST", TEMPLATE) == BUNDLED and hive.errors == []


def test_a_500_before_the_write_then_rerun(cli, config_path: Path, hive: TheHiveEmulator) -> None:
    hive.add_custom_field("csirt-case-key", "string")
    hive.fault("POST", TEMPLATE, "500-before", when=lambda r: r.body.get("name") == "csirt-kit-defacement")
    cli(["playbooks", "push"], expect=4)
    assert len(hive.case_templates) == 1  # cms-integrity only; nothing after the failure was sent
    cli(["playbooks", "push"])
    assert len(hive.case_templates) == BUNDLED and max(names_on_server(hive).values()) == 1


def test_a_name_taken_between_listing_and_create_is_updated_not_duplicated(cli, config_path: Path,
                                                                            hive: TheHiveEmulator) -> None:
    hive.add_custom_field("csirt-case-key", "string")
    sneaked: list[str] = []

    def someone_else_creates_it_first(request) -> bool:  # runs as our POST arrives; injects no fault
        if request.body.get("name") == "csirt-kit-webshell" and not sneaked:
            sneaked.append(hive.add_case_template({"name": "csirt-kit-webshell", "description": "older"})["_id"])
        return False

    hive.fault("POST", TEMPLATE, "500", times=None, when=someone_else_creates_it_first)
    result = cli(["--json", "playbooks", "push"]).json
    assert "csirt-kit-webshell" in result["updated"] and len(result["created"]) == BUNDLED - 1
    assert names_on_server(hive)["csirt-kit-webshell"] == 1 and len(hive.case_templates) == BUNDLED
    assert hive.case_templates[sneaked[0]]["description"].startswith("A file or page on [asset.name]")
    assert ("PATCH", f"{TEMPLATE}/{sneaked[0]}") in writes(hive)


def test_auth_error_exits_2_naming_the_server_never_the_key(cli, config_path: Path, hive: TheHiveEmulator,
                                                            monkeypatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_THEHIVE_KEY", "wrong-" + KEY)
    result = cli(["--json", "playbooks", "push"], expect=2)
    assert result.json["error"]["type"] == "AuthError" and hive.url in result.stderr
    assert KEY not in result.stdout + result.stderr and writes(hive) == []


def test_server_down_exits_4(cli, config_path: Path, hive: TheHiveEmulator) -> None:
    hive.stop()
    result = cli(["playbooks", "push"], expect=4)
    assert hive.url in result.stderr and "rerun `csirt playbooks push`" in result.stderr
    assert "cases sync" not in result.stderr


def test_a_listing_that_is_not_json_exits_4_and_writes_nothing(cli, config_path: Path,
                                                               hive: TheHiveEmulator) -> None:
    hive.fault("POST", "/api/v1/query", "non-json", when=lambda r: r.query.get("name") == "caseTemplate")
    result = cli(["--json", "playbooks", "push"], expect=4)
    assert "list case templates: unexpected answer" in result.stderr and writes(hive) == []


def test_push_without_thehive_configured_says_what_to_set(cli, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "local.toml"
    config.write_text('[cases]\nbackend = "local"\n', encoding="utf-8")
    monkeypatch.setenv("CSIRT_KIT_CONFIG", str(config))
    result = cli(["playbooks", "push"], expect=2)
    assert "cases.thehive.url is not set" in result.stderr


def test_without_the_key_field_templates_go_without_it_then_gain_it(cli, config_path: Path,
                                                                    hive: TheHiveEmulator) -> None:
    first = cli(["--json", "playbooks", "push"])
    assert len(first.json["created"]) == BUNDLED and first.json["key_field"]["exists"] is False
    assert "custom field 'csirt-case-key' is not defined" in first.stderr
    assert all(t["customFields"] == [] for t in hive.case_templates.values())
    hive.add_custom_field("csirt-case-key", "string")
    hive.requests.clear()
    second = cli(["--json", "playbooks", "push"]).json
    assert len(second["updated"]) == BUNDLED
    assert second["changes"] == {name: ["customFields"] for name in second["updated"]}
    assert Counter(m for m, _ in writes(hive)) == Counter({"PATCH": BUNDLED})
    assert all([c["name"] for c in t["customFields"]] == ["csirt-case-key"] for t in hive.case_templates.values())


def test_a_template_no_playbook_makes_is_reported_and_left_alone(cli, config_path: Path,
                                                                 hive: TheHiveEmulator) -> None:
    old = hive.add_case_template({"name": "csirt-kit-retired", "description": "from a removed playbook"})
    hive.add_case_template({"name": "phishing", "description": "the team's own"})
    result = cli(["--json", "playbooks", "push"])
    assert result.json["stale"] == ["csirt-kit-retired"] and "csirt-kit-retired" in result.stderr
    assert hive.case_templates[old["_id"]]["description"] == "from a removed playbook"
    assert len(hive.case_templates) == BUNDLED + 2


def test_dry_run_on_an_empty_server_lists_every_template_and_writes_nothing(cli, config_path: Path,
                                                                            hive: TheHiveEmulator) -> None:
    text = cli(["playbooks", "push", "--dry-run"]).stdout
    assert "would be created: csirt-kit-webshell" in text and f"{BUNDLED} would be created" in text
    assert writes(hive) == [] and hive.case_templates == {}


def test_unreadable_field_definitions_count_as_unknown_and_the_field_is_kept(cli, config_path: Path,
                                                                             hive: TheHiveEmulator) -> None:
    hive.add_custom_field("csirt-case-key", "string")
    hive.fault("GET", "/api/v1/customField", "403", times=None)
    result = cli(["--json", "playbooks", "push"])
    assert result.json["key_field"]["exists"] is None and "is not defined" not in result.stderr
    assert all([c["name"] for c in t["customFields"]] == ["csirt-case-key"] for t in hive.case_templates.values())
