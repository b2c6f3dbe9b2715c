"""`csirt playbooks export --thehive`: one TheHive 5 case template per playbook, checked field by field."""

from __future__ import annotations

import json
import re
from pathlib import Path

from thehive4py import TheHiveApi

from csirt_kit.config import load_config
from csirt_kit.playbooks.loader import load_playbooks
from tests.emulators.thehive import TheHiveEmulator
from tests.thehive_templates.conftest import KEY, ORG, write_config

# TheHive's numbers, written out here rather than imported: the test must not share the code's table.
SEVERITY = {"info": 1, "low": 1, "medium": 2, "high": 3, "critical": 4}
TLP = {"clear": 0, "white": 0, "green": 1, "amber": 2, "amber+strict": 3, "red": 4}
PAP = {"clear": 0, "white": 0, "green": 1, "amber": 2, "red": 3}

EXTRA = """\
id: cctv-exposed
title: "Camera {asset.name} open to the internet"
title_id: "Kamera {asset.name} terbuka ke internet"
description: "{asset.name} answers on {finding.evidence.url}; literal {{braces}} stay."
description_id: "{asset.name} menjawab di {finding.evidence.url}."
match: {kinds: [intel.asset], asset_kinds: [cctv]}
severity: critical
tlp: red
pap: green
tags: [cctv, exposure]
tasks:
  - group: containment
    title: "Close the port of {asset.name}"
    title_id: "Tutup port {asset.name}"
    description: "Ask {asset.owner} to block it at the firewall"
    description_id: "Minta {asset.owner} memblokirnya di firewall"
  - title: "Record what was exposed"
"""


def shown(text: str) -> str:
    """What a template shows for a playbook text: placeholders as [name], {{ }} as braces."""
    text = re.sub(r"(?<!\{)\{([a-z_][a-z0-9_.-]*)\}(?!\})", r"[\1]", text)
    return text.replace("{{", "{").replace("}}", "}").strip()


def test_export_writes_one_template_per_playbook_field_by_field(cli, config_path: Path,
                                                                extra_playbooks: Path, tmp_path: Path) -> None:
    (extra_playbooks / "cctv.yaml").write_text(EXTRA, encoding="utf-8")
    out = tmp_path / "templates.json"
    doc = cli(["--json", "playbooks", "export", "--thehive", out]).json
    templates = json.loads(out.read_text(encoding="utf-8"))
    books = {p.id: p for p in load_playbooks(load_config(str(config_path)))}
    assert isinstance(templates, list) and len(templates) == len(books) >= 10
    assert doc["templates"] == [t["name"] for t in templates] and doc["lang"] == "en"
    by_name = {t["name"]: t for t in templates}
    assert set(by_name) == {f"csirt-kit-{i}" for i in books}
    for pid, pb in books.items():
        t = by_name[f"csirt-kit-{pid}"]
        assert t["displayName"] == shown(pb.title)
        assert t["titlePrefix"] == f"[{pid}] "
        assert t["description"].startswith(shown(pb.description)) and f"`{pid}`" in t["description"]
        assert (t["severity"], t["tlp"], t["pap"]) == (SEVERITY[pb.severity], TLP[pb.tlp], PAP[pb.pap])
        assert set(t["tags"]) == {*pb.tags, "csirt-kit"}
        assert [(x["order"], x["group"], x["title"], x.get("description", "")) for x in t["tasks"]] == [
            (i, task.group, shown(task.title), shown(task.description)) for i, task in enumerate(pb.tasks)]
        assert t["customFields"] == [{"name": "csirt-case-key", "value": None, "order": 0}]
        texts = [t["displayName"], *(x["title"] for x in t["tasks"]), *(x.get("description", "") for x in t["tasks"])]
        assert not any("{" in text for text in texts)  # no unfilled placeholder left
    cctv = by_name["csirt-kit-cctv-exposed"]
    assert cctv["displayName"] == "Camera [asset.name] open to the internet"
    assert cctv["description"].startswith("[asset.name] answers on [finding.evidence.url]; literal {braces} stay.")
    assert (cctv["severity"], cctv["tlp"], cctv["pap"]) == (4, 4, 1)
    assert cctv["tasks"][1] == {"title": "Record what was exposed", "group": "default", "order": 1}


def test_indonesian_texts_by_flag_or_config_and_the_configured_key_field(cli, hive: TheHiveEmulator,
                                                                         tmp_path: Path,
                                                                         extra_playbooks: Path,
                                                                         monkeypatch) -> None:
    (extra_playbooks / "cctv.yaml").write_text(EXTRA, encoding="utf-8")
    config = write_config(tmp_path / "id.toml", hive.url, 'key_field = "kunci-kasus"\n',
                          playbooks=extra_playbooks, general='lang = "id"')
    monkeypatch.setenv("CSIRT_KIT_CONFIG", str(config))
    out = tmp_path / "id.json"
    cli(["playbooks", "export", "--thehive", out])
    cctv = next(t for t in json.loads(out.read_text()) if t["name"] == "csirt-kit-cctv-exposed")
    assert cctv["displayName"] == "Kamera [asset.name] terbuka ke internet"
    assert cctv["description"].startswith("[asset.name] menjawab di [finding.evidence.url].")
    assert "Dibuat oleh csirt-kit" in cctv["description"]
    assert cctv["tasks"][0]["title"] == "Tutup port [asset.name]"
    assert cctv["tasks"][0]["description"] == "Minta [asset.owner] memblokirnya di firewall"
    assert cctv["tasks"][1]["title"] == "Record what was exposed"  # no Indonesian text: English stays
    assert cctv["customFields"][0]["name"] == "kunci-kasus"
    cli(["playbooks", "export", "--thehive", out, "--lang", "en"])
    cctv = next(t for t in json.loads(out.read_text()) if t["name"] == "csirt-kit-cctv-exposed")
    assert cctv["tasks"][0]["title"] == "Close the port of [asset.name]"
    bad = cli(["playbooks", "export", "--thehive", out, "--lang", "fr"], expect=2)
    assert "unknown language 'fr'" in bad.stderr


def test_folder_export_is_one_file_each_and_thehive_accepts_every_one(cli, config_path: Path,
                                                                      hive: TheHiveEmulator,
                                                                      tmp_path: Path) -> None:
    folder = tmp_path / "out"
    cli(["playbooks", "export", "--thehive", f"{folder}/"])
    files = sorted(folder.glob("*.json"))
    assert len(files) == 9 and all(f.name.startswith("csirt-kit-") for f in files)
    hive.add_custom_field("csirt-case-key", "string")
    api = TheHiveApi(hive.url, apikey=KEY, organisation=ORG, max_retries=0)
    for file in files:
        template = json.loads(file.read_text(encoding="utf-8"))
        assert isinstance(template, dict) and file.name == f"{template['name']}.json"
        created = api.case_template.create(template)  # what an admin's import sends
        stored = api.case_template.get(created["_id"])
        assert stored["name"] == template["name"] and stored["titlePrefix"] == template["titlePrefix"]
        assert [(t["title"], t["group"], t["order"]) for t in stored["tasks"]] == [
            (t["title"], t["group"], t["order"]) for t in template["tasks"]]
        assert [(c["name"], c["value"]) for c in stored["customFields"]] == [("csirt-case-key", None)]
    assert len(hive.case_templates) == 9 and hive.errors == []


def test_export_to_a_missing_folder_names_it(cli, config_path: Path, tmp_path: Path) -> None:
    result = cli(["playbooks", "export", "--thehive", tmp_path / "nowhere" / "t.json"], expect=2)
    assert str(tmp_path / "nowhere") in result.stderr and "does not exist" in result.stderr
    assert not (tmp_path / "nowhere").exists()
