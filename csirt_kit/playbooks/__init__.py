"""Playbooks: load and validate YAML, match findings, plan cases, fill templates."""

from csirt_kit.playbooks.loader import check_paths, load_playbooks
from csirt_kit.playbooks.match import choose_playbook, ranked
from csirt_kit.playbooks.model import MatchSpec, Playbook, TaskSpec

__all__ = ["MatchSpec", "Playbook", "TaskSpec", "check_paths", "choose_playbook", "load_playbooks",
           "ranked"]
