"""Bad playbooks get a message naming the file, the line and the key path; nothing is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.config import load_config
from csirt_kit.errors import InputError
from csirt_kit.playbooks.loader import check_paths, load_playbooks, parse_playbook

GOOD = """\
id: test-pb
title: "Thing on {asset.name}"
match:
  kinds: [yara.web]
tasks:
  - {group: identification, title: "Look at {finding.evidence.url}"}
"""


def problems(text: str) -> list[str]:
    playbook, found = parse_playbook(text, "pb.yaml")
    assert playbook is None
    return [str(p) for p in found]


def test_good_playbook_loads_with_defaults() -> None:
    playbook, found = parse_playbook(GOOD, "pb.yaml")
    assert found == [] and playbook is not None
    assert (playbook.severity, playbook.tlp, playbook.group_by, playbook.priority) == (
        "medium", "amber", "asset", 0)
    assert playbook.tasks[0].group == "identification"


@pytest.mark.parametrize(("text", "expected"), [
    (GOOD.replace("kinds: [yara.web]", "kinds: [yara.webb]"),
     "pb.yaml:4: match.kinds[0]: unknown finding kind 'yara.webb'"),
    (GOOD.replace('title: "Thing on {asset.name}"', 'title: "Thing on {asset.nme}"'),
     "pb.yaml:2: title: {asset.nme}: asset has no field 'nme'"),
    (GOOD.replace("{finding.evidence.url}", "{findin.x}"),
     "pb.yaml:6: tasks[0].title: {findin.x}: unknown name 'findin'"),
    (GOOD + "severity: urgent\n", "pb.yaml:7: severity: 'urgent' is not one of"),
    (GOOD + "colour: red\n", "pb.yaml:7: colour: unknown key"),
    (GOOD.replace("id: test-pb", "id: Test PB"), "pb.yaml:1: id: is required"),
    (GOOD.replace("  kinds: [yara.web]", "  min_severity: high"),
     "pb.yaml:3: match: needs at least one of kinds, tags_any or rules_any"),
    (GOOD + "group_by: planet\n", "pb.yaml:7: group_by: 'planet' is not one of"),
    (GOOD.replace('title: "Look', 'titel: "Look'), "pb.yaml:6: tasks[0].title: is required"),
    ("id: x\ntitle: [unclosed\n", "pb.yaml:3: invalid YAML"),
    ("- just\n- a list\n", "pb.yaml:1: a playbook is a YAML mapping"),
    (GOOD.replace('"Thing on {asset.name}"', '"Thing on {asset.name"'), "pb.yaml:2: title: unbalanced brace"),
], ids=["kind", "asset-field", "root", "severity", "unknown-key", "id", "no-criteria", "group-by",
        "task-title", "yaml", "not-mapping", "brace"])
def test_problem_names_file_line_and_key(text: str, expected: str) -> None:
    assert any(p.startswith(expected) for p in problems(text)), problems(text)


def test_duplicate_ids_in_one_folder_and_override_from_another(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "a.yaml").write_text(GOOD)
    (one / "b.yaml").write_text(GOOD)
    result = check_paths([one])
    assert [p.field for p in result.problems] == ["id"]
    assert "also used by" in result.problems[0].message
    (two / "a.yaml").write_text(GOOD.replace("Thing on", "Local thing on"))
    result = check_paths([one / "a.yaml", two])
    assert result.problems == ()
    assert result.playbooks[0].title.startswith("Local thing")


def test_a_bad_configured_playbook_rejects_the_set(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(GOOD + "priority: high\n")
    config = tmp_path / "c.toml"
    config.write_text(f'[playbooks]\npaths = ["{tmp_path}"]\n')
    with pytest.raises(InputError) as err:
        load_playbooks(load_config(str(config)))
    assert f"{tmp_path / 'bad.yaml'}:7: priority: must be a whole number" in err.value.message


def test_cli_check_reports_lines_and_exits_2(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("yara.web", "yara.webb"))
    result = cli(["playbooks", "check", bad], expect=2)
    assert f"{bad}:4: match.kinds[0]: unknown finding kind" in result.stderr
    doc = cli(["--json", "playbooks", "check", bad], expect=2).json
    assert doc["error"]["problems"][0]["where"] == f"{bad}:4"
    ok = cli(["--json", "playbooks", "check"]).json
    assert ok["problems"] == [] and "webshell" in ok["playbooks"]


def test_cli_list_and_show(cli) -> None:
    listed = cli(["--json", "playbooks", "list"]).json
    assert listed["count"] == len(listed["items"]) >= 7
    assert listed["items"][0]["id"] == "webshell"  # highest priority is tried first
    shown = cli(["--json", "playbooks", "show", "judol"]).json
    assert shown["title_id"].startswith("Injeksi SEO judi online")
    assert len(shown["match"]) == 4
    text = cli(["playbooks", "show", "webshell"]).stdout
    assert "Amankan berkas" in text
    assert "known playbooks" in cli(["playbooks", "show", "nope"], expect=2).stderr
