"""Config switches and server-side setup for the TheHive mode tests (alerts, templates, key field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from csirt_kit.cases.templates import KEY_FIELD_DEFAULT, template_name
from csirt_kit.config import load_config
from csirt_kit.playbooks.loader import load_playbooks
from tests.emulators.thehive import TheHiveEmulator


def set_thehive(config_path: Path, **keys: Any) -> None:
    """Add keys to the [cases.thehive] table (the config's last table)."""
    text = config_path.read_text(encoding="utf-8")
    for name, value in keys.items():
        literal = ("true" if value else "false") if isinstance(value, bool) else (
            repr(value) if isinstance(value, int | float) else f'"{value}"')
        text += f"{name} = {literal}\n"
    config_path.write_text(text, encoding="utf-8")


def define_key_field(hive: TheHiveEmulator) -> None:
    """An administrator created the key custom field."""
    hive.add_custom_field(KEY_FIELD_DEFAULT, "string", description="csirt-kit case key")


def push_template(hive: TheHiveEmulator, config_path: Path, playbook_id: str) -> dict[str, Any]:
    """The playbook's case template as a push would leave it (task titles not yet rendered)."""
    pb = next(p for p in load_playbooks(load_config(str(config_path))) if p.id == playbook_id)
    return hive.add_case_template({
        "name": template_name(pb.id), "titlePrefix": "[csirt] ", "description": pb.description or pb.title,
        "tasks": [{"title": t.title, "group": t.group, "order": i} for i, t in enumerate(pb.tasks)]})


def remote_tasks(hive: TheHiveEmulator, case_id: str) -> list[dict[str, Any]]:
    """The case's tasks in order."""
    return sorted(hive.tasks_of(case_id), key=lambda t: (t["order"], t["_createdAt"]))
