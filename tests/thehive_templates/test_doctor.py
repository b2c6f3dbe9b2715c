"""`csirt doctor` on TheHive: version, the key custom field (with the admin's fix), templates current."""

from __future__ import annotations

from pathlib import Path

from tests.emulators.thehive import TheHiveEmulator
from tests.thehive_templates.conftest import write_config


def checks(result) -> dict[str, tuple[str, str]]:
    """check name -> (status, detail); names that repeat keep the worst line."""
    out: dict[str, tuple[str, str]] = {}
    rank = {"ok": 0, "warn": 1, "fail": 2}
    for item in result.json["items"]:
        old = out.get(item["check"])
        if old is None or rank[item["status"]] > rank[old[0]]:
            out[item["check"]] = (item["status"], item["detail"])
    return out


def test_missing_key_field_is_reported_with_the_fix(cli, config_path: Path, hive: TheHiveEmulator) -> None:
    found = checks(cli(["--json", "doctor"], expect=0))
    assert found["thehive version"] == ("ok", f"TheHive {hive.thehive_version} (GET /api/v1/status)")
    status, detail = found["thehive key field"]
    assert status == "warn" and "csirt-case-key is not defined" in detail
    assert "Entities management > Custom fields" in detail and "type String" in detail
    assert f"{hive.url}/api/v1/customField" in detail and '"name": "csirt-case-key"' in detail
    assert "X-Organisation: admin" in detail


def test_present_field_ok_and_templates_pushed_and_current(cli, config_path: Path,
                                                           hive: TheHiveEmulator) -> None:
    hive.add_custom_field("csirt-case-key", "string")
    before = checks(cli(["--json", "doctor"], expect=0))
    assert before["thehive key field"] == ("ok", "custom field csirt-case-key exists (type string)")
    assert before["thehive templates"][0] == "warn" and "9 of 9 case templates not in TheHive" in \
        before["thehive templates"][1] and "csirt playbooks push" in before["thehive templates"][1]
    cli(["playbooks", "push", "--lang", "id"])  # either language counts as current
    after = checks(cli(["--json", "doctor"], expect=0))
    assert after["thehive templates"] == ("ok", "9 case templates pushed and current")
    judol = next(t for t in hive.case_templates.values() if t["name"] == "csirt-kit-judol")
    judol["tasks"] = judol["tasks"][:1]
    stale = checks(cli(["--json", "doctor"], expect=0))
    assert stale["thehive templates"][0] == "warn" and "(csirt-kit-judol)" in stale["thehive templates"][1]


def test_missing_templates_fail_when_cases_use_them(cli, hive: TheHiveEmulator, tmp_path: Path,
                                                    config_path: Path, monkeypatch) -> None:
    hive.add_custom_field("csirt-case-key", "string")
    config = write_config(tmp_path / "tpl.toml", hive.url, "use_templates = true\n")
    monkeypatch.setenv("CSIRT_KIT_CONFIG", str(config))
    found = checks(cli(["--json", "doctor"], expect=2))
    assert found["thehive templates"][0] == "fail" and "needed" in found["thehive templates"][1]


def test_key_field_of_the_wrong_type_fails(cli, config_path: Path, hive: TheHiveEmulator) -> None:
    hive.add_custom_field("csirt-case-key", "integer")
    found = checks(cli(["--json", "doctor"], expect=2))
    assert found["thehive key field"][0] == "fail" and "type integer" in found["thehive key field"][1]


def test_doctor_text_names_each_thehive_check(cli, config_path: Path, hive: TheHiveEmulator) -> None:
    hive.add_custom_field("csirt-case-key", "string")
    text = cli(["doctor"], expect=0).stdout
    assert "ok   thehive version: TheHive 5.5.7-1" in text
    assert "ok   thehive key field: custom field csirt-case-key exists" in text


def test_a_server_that_is_not_thehive_5_and_unreadable_definitions_are_warnings(cli, config_path: Path,
                                                                                hive: TheHiveEmulator) -> None:
    hive.thehive_version = "4.1.24-1"
    hive.fault("GET", "/api/v1/customField", "403", times=None)
    found = checks(cli(["--json", "doctor"], expect=0))
    assert found["thehive version"][0] == "warn" and "TheHive 4.1.24-1" in found["thehive version"][1]
    assert found["thehive key field"][0] == "warn" and "not readable" in found["thehive key field"][1]
