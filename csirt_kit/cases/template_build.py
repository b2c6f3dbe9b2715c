"""Build TheHive 5 case templates from playbooks, compare them with the server's, write them out.

A template is the body of ``POST /api/v1/caseTemplate`` (API-CONTRACTS 1.10.2): name,
displayName, titlePrefix, description, severity, tlp, pap, tags, tasks (group, title,
description, order) and the key custom field with an empty value. Playbook texts hold
placeholders such as ``{asset.name}`` that csirt-kit fills per case; a template is shared by
every case, so they are written as ``[asset.name]`` for the analyst to read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from csirt_kit.cases.backend import PRODUCT_TAG
from csirt_kit.cases.templates import key_field, template_name
from csirt_kit.cases.thehive import PAP, SEVERITY, TLP
from csirt_kit.config import Config
from csirt_kit.errors import InputError, UsageError
from csirt_kit.playbooks.model import Playbook

LANGS = ("en", "id")
# What push compares and PATCHes; anything else the server adds (_id, flag, ...) is ignored.
FIELDS = ("displayName", "titlePrefix", "description", "severity", "tlp", "pap", "tags", "tasks",
          "customFields")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_FOOTER = {
    "en": "Made by csirt-kit from playbook `{id}`; fields in [brackets] are filled per case.",
    "id": "Dibuat oleh csirt-kit dari playbook `{id}`; isian dalam [kurung] diisi per kasus.",
}


def pick_lang(config: Config, lang: str = "") -> str:
    """``--lang``, else general.lang, else English; anything else is a usage error."""
    chosen = lang or str(config.get("general.lang") or "en")
    if chosen not in LANGS:
        raise UsageError(f"--lang: unknown language {chosen!r}", fix=f"use one of: {', '.join(LANGS)}")
    return chosen


def neutral(text: str) -> str:
    """A playbook text with each placeholder shown as ``[name]`` and ``{{``/``}}`` as braces."""

    def repl(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return f"[{match.group(1)}]"

    return _PLACEHOLDER.sub(repl, text).strip()


def _text(english: str, indonesian: str, lang: str) -> str:
    return neutral(indonesian if lang == "id" and indonesian.strip() else english)


def build_template(playbook: Playbook, config: Config | None, lang: str = "en",
                   with_key_field: bool = True) -> dict[str, Any]:
    """The case template of one playbook, as TheHive 5 accepts it on create."""
    description = _text(playbook.description, playbook.description_id, lang)
    footer = _FOOTER[lang].format(id=playbook.id)
    tasks = []
    for order, task in enumerate(playbook.tasks):
        item: dict[str, Any] = {"title": _text(task.title, task.title_id, lang), "group": task.group}
        task_text = _text(task.description, task.description_id, lang)
        if task_text:  # an empty description is left out: servers may drop or keep it
            item["description"] = task_text
        item["order"] = order
        tasks.append(item)
    body: dict[str, Any] = {
        "name": template_name(playbook.id),
        "displayName": _text(playbook.title, playbook.title_id, lang),
        "titlePrefix": f"[{playbook.id}] ",
        "description": f"{description}\n\n{footer}" if description else footer,
        "severity": SEVERITY.get(playbook.severity, 2),
        "tlp": TLP.get(playbook.tlp, 2),
        "pap": PAP.get(playbook.pap, 2),
        "tags": sorted({*playbook.tags, PRODUCT_TAG}),
        "tasks": tasks,
        "customFields": [{"name": key_field(config), "value": None, "order": 0}] if with_key_field else [],
    }
    return body


def build_templates(playbooks: Sequence[Playbook], config: Config | None, lang: str = "en",
                    with_key_field: bool = True) -> list[dict[str, Any]]:
    """One template per playbook, ordered by template name."""
    return sorted((build_template(p, config, lang, with_key_field) for p in playbooks),
                  key=lambda t: str(t["name"]))


def _tasks_key(tasks: Any) -> list[tuple[int, str, str, str]]:
    out = []
    for task in tasks if isinstance(tasks, list) else []:
        if isinstance(task, Mapping):
            order = task.get("order")
            out.append((order if isinstance(order, int) else -1, str(task.get("title") or ""),
                        str(task.get("group") or "default"), str(task.get("description") or "")))
    return sorted(out)


def _fields_key(values: Any) -> list[tuple[str, str]]:
    if isinstance(values, Mapping):  # the flat {name: value} form
        values = [{"name": k, "value": v} for k, v in values.items()]
    out = []
    for cf in values if isinstance(values, list) else []:
        if isinstance(cf, Mapping):
            value = cf.get("value")
            out.append((str(cf.get("name")), "" if value is None else json.dumps(value)))
    return sorted(out)


def _normal(name: str, value: Any) -> Any:
    if name == "tasks":
        return _tasks_key(value)
    if name == "customFields":
        return _fields_key(value)
    if name == "tags":
        return sorted({str(t) for t in value}) if isinstance(value, list) else []
    if name in ("displayName", "titlePrefix", "description"):
        return str(value or "")
    return value


def differences(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[str]:
    """The template fields whose server value is not ours (order-free for tags and fields)."""
    return [name for name in FIELDS if _normal(name, ours.get(name)) != _normal(name, theirs.get(name))]


def export_templates(templates: Sequence[Mapping[str, Any]], where: str | Path) -> list[Path]:
    """Write a JSON list to a file, or one ``<name>.json`` per template into a folder.

    A target that is an existing folder or is written with a trailing slash is a folder
    (created if missing); anything else is one file holding the list.
    """
    target = Path(where).expanduser()
    as_folder = target.is_dir() or str(where).endswith(("/", "\\"))
    try:
        if as_folder:
            target.mkdir(parents=True, exist_ok=True)
            written = []
            for template in templates:
                path = target / f"{template['name']}.json"
                _write(path, template)
                written.append(path)
            return written
        if not target.parent.is_dir():
            raise InputError("the folder for the export file does not exist", where=str(target.parent),
                             fix="create it, or name a file in an existing folder")
        _write(target, list(templates))
        return [target]
    except OSError as exc:
        raise InputError(f"cannot write the templates: {exc.strerror or exc}", where=str(target),
                         fix="choose a writable file or folder") from None


def _write(path: Path, document: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
