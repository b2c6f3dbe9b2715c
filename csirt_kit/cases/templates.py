"""The names TheHive case templates and the cases/alerts that use them agree on.

The templates themselves are built in ``template_build`` and pushed by ``template_push``.
"""

from __future__ import annotations

from csirt_kit.config import Config

KEY_FIELD_DEFAULT = "csirt-case-key"
TEMPLATE_PREFIX = "csirt-kit-"


def key_field(config: Config | None) -> str:
    """Name of the TheHive custom field that carries the case key ([cases.thehive] key_field)."""
    value = str(config.get("cases.thehive.key_field", "") or "") if config else ""
    return value or KEY_FIELD_DEFAULT


def template_name(playbook_id: str) -> str:
    """The TheHive case template name of a playbook: stable, so pushes update in place."""
    return TEMPLATE_PREFIX + playbook_id
