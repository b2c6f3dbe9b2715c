"""Load and validate playbook YAML files; every problem names file, key path and line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from csirt_kit.config import Config
from csirt_kit.errors import InputError, Problem
from csirt_kit.models import ASSET_KINDS, FINDING_KINDS, SEVERITIES
from csirt_kit.playbooks.model import (
    GROUP_BY,
    PAP_LEVELS,
    TLP_LEVELS,
    MatchSpec,
    Playbook,
    TaskSpec,
)
from csirt_kit.playbooks.template import template_problems
from csirt_kit.resources import bundled_playbooks

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_TOP_KEYS = {"id", "title", "title_id", "description", "description_id", "match", "severity",
             "tlp", "pap", "group_by", "priority", "tags", "tasks"}
_MATCH_KEYS = {"kinds", "tags_any", "rules_any", "asset_kinds", "min_severity"}
_TASK_KEYS = {"title", "group", "description", "title_id", "description_id"}
_TEXT_KEYS = ("title", "title_id", "description", "description_id")


@dataclass(frozen=True)
class CheckResult:
    """Playbooks that loaded, and the problems of those that did not."""

    playbooks: tuple[Playbook, ...]
    problems: tuple[Problem, ...]
    files: int


def _lines(node: yaml.Node, path: str, out: dict[str, int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = f"{path}.{key.value}" if path else str(key.value)
            out[sub] = key.start_mark.line + 1
            _lines(value, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, f"{path}[{i}]", out)


class _Checker:
    """Collects problems for one file, each at the line of its key path."""

    def __init__(self, file: str, lines: dict[str, int]) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        line = self.lines.get(key)
        if line is None and "." in key:
            line = self.lines.get(key.rsplit(".", 1)[0])
        where = f"{self.file}:{line}" if line else self.file
        self.problems.append(Problem(where, key, message))

    def text(self, data: dict[str, Any], key: str, path: str, required: bool = False) -> str:
        value = data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(path, "must be text")
            return ""
        if required and not value.strip():
            self.add(path, "is required")
        for problem in template_problems(value):
            self.add(path, problem)
        return value

    def strings(self, data: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.add(path, "must be a list of non-empty strings")
            return ()
        return tuple(value)

    def choice(self, data: dict[str, Any], key: str, path: str, allowed: Sequence[str],
               default: str) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or value.lower() not in allowed:
            self.add(path, f"{value!r} is not one of: {', '.join(allowed)}")
            return default
        return value.lower()

    def unknown(self, data: dict[str, Any], allowed: set[str], prefix: str) -> None:
        for key in data:
            if key not in allowed:
                self.add(f"{prefix}{key}", f"unknown key (known: {', '.join(sorted(allowed))})")


def _kind_ok(kind: str) -> bool:
    if kind.endswith(".*"):
        return any(k.startswith(kind[:-1]) for k in FINDING_KINDS)
    return kind in FINDING_KINDS


def _one_match(c: _Checker, data: Any, path: str) -> MatchSpec:
    if not isinstance(data, dict):
        c.add(path, "must be a mapping with kinds, tags_any, rules_any or min_severity")
        return MatchSpec()
    c.unknown(data, _MATCH_KEYS, f"{path}.")
    kinds = c.strings(data, "kinds", f"{path}.kinds")
    for i, kind in enumerate(kinds):
        if not _kind_ok(kind):
            c.add(f"{path}.kinds[{i}]", f"unknown finding kind {kind!r} (known: {', '.join(FINDING_KINDS)})")
    asset_kinds = c.strings(data, "asset_kinds", f"{path}.asset_kinds")
    for i, kind in enumerate(asset_kinds):
        if kind not in ASSET_KINDS:
            c.add(f"{path}.asset_kinds[{i}]", f"unknown asset kind {kind!r}")
    spec = MatchSpec(
        kinds=kinds, tags_any=tuple(t.lower() for t in c.strings(data, "tags_any", f"{path}.tags_any")),
        rules_any=c.strings(data, "rules_any", f"{path}.rules_any"), asset_kinds=asset_kinds,
        min_severity=c.choice(data, "min_severity", f"{path}.min_severity", SEVERITIES, "info")
        if "min_severity" in data else "",
    )
    if not (spec.kinds or spec.tags_any or spec.rules_any):
        c.add(path, "needs at least one of kinds, tags_any or rules_any")
    return spec


def _match(c: _Checker, data: Any) -> tuple[MatchSpec, ...]:
    """A mapping, or a list of mappings of which any one may match."""
    if isinstance(data, list) and data:
        return tuple(_one_match(c, item, f"match[{i}]") for i, item in enumerate(data))
    return (_one_match(c, data, "match"),)


def _tasks(c: _Checker, data: Any) -> tuple[TaskSpec, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        c.add("tasks", "must be a list of {group, title} mappings")
        return ()
    tasks: list[TaskSpec] = []
    for i, item in enumerate(data):
        path = f"tasks[{i}]"
        if not isinstance(item, dict):
            c.add(path, "must be a mapping with at least a title")
            continue
        c.unknown(item, _TASK_KEYS, f"{path}.")
        group = item.get("group", "default")
        if not isinstance(group, str) or not group.strip():
            c.add(f"{path}.group", "must be text")
            group = "default"
        texts = {k: c.text(item, k, f"{path}.{k}", required=(k == "title")) for k in _TASK_KEYS - {"group"}}
        tasks.append(TaskSpec(group=group, **texts))
    return tuple(tasks)


def parse_playbook(text: str, file: str) -> tuple[Playbook | None, list[Problem]]:
    """Parse one playbook document; returns the playbook or the problems found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark else file
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(where, "", f"invalid YAML: {reason}")]
    lines: dict[str, int] = {}
    if node is not None:
        _lines(node, "", lines)
    c = _Checker(file, lines)
    if not isinstance(data, dict):
        return None, [Problem(f"{file}:1", "", "a playbook is a YAML mapping (id, title, match, ...)")]
    c.unknown(data, _TOP_KEYS, "")
    pid = data.get("id")
    if not isinstance(pid, str) or not _ID.match(pid):
        c.add("id", "is required: lower-case letters, digits, - and _ (e.g. webshell)")
        pid = ""
    texts: dict[str, Any] = {k: c.text(data, k, k, required=(k == "title")) for k in _TEXT_KEYS}
    priority = data.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        c.add("priority", "must be a whole number (higher wins)")
        priority = 0
    playbook = Playbook(
        id=pid, match=_match(c, data.get("match")),
        severity=c.choice(data, "severity", "severity", SEVERITIES, "medium"),
        tlp=c.choice(data, "tlp", "tlp", TLP_LEVELS, "amber"),
        pap=c.choice(data, "pap", "pap", PAP_LEVELS, "amber"),
        group_by=c.choice(data, "group_by", "group_by", GROUP_BY, "asset"),
        priority=priority, tags=c.strings(data, "tags", "tags"),
        tasks=_tasks(c, data.get("tasks")), source=file, **texts,
    )
    return (None, c.problems) if c.problems else (playbook, [])


def playbook_files(paths: Iterable[Path]) -> list[Path]:
    """YAML files under the given files or folders, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def check_paths(paths: Iterable[Path]) -> CheckResult:
    """Load every playbook under paths; later files override earlier ids from other folders."""
    loaded: dict[str, Playbook] = {}
    problems: list[Problem] = []
    files = playbook_files(paths)
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(file), "", f"cannot read: {exc}"))
            continue
        playbook, found = parse_playbook(text, str(file))
        problems.extend(found)
        if playbook is None:
            continue
        earlier = loaded.get(playbook.id)
        if earlier and Path(earlier.source).parent == file.parent:
            problems.append(Problem(str(file), "id", f"id {playbook.id!r} is also used by {earlier.source}"))
            continue
        loaded[playbook.id] = playbook
    return CheckResult(tuple(loaded.values()), tuple(problems), len(files))


def configured_paths(config: Config) -> list[Path]:
    """The bundled folder, then the folders and files of ``[playbooks] paths``."""
    return [bundled_playbooks(), *(Path(p).expanduser() for p in config.get("playbooks.paths", []))]


def load_playbooks(config: Config) -> list[Playbook]:
    """All playbooks in effect; any problem rejects the set (no half-applied playbooks)."""
    paths = configured_paths(config)
    for path in paths[1:]:
        if not path.exists():
            raise InputError("playbook path does not exist", where=str(path),
                             fix="correct [playbooks] paths in the config")
    result = check_paths(paths)
    if result.problems:
        raise InputError(f"{len(result.problems)} problem(s) in playbooks", problems=result.problems,
                         fix="correct them (see `csirt playbooks check`)")
    return list(result.playbooks)
