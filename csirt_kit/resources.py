"""Where the bundled rules and playbooks are, in a wheel or in a source checkout."""

from __future__ import annotations

from pathlib import Path

from csirt_kit.errors import CsirtError

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The bundled ``rules`` or ``playbooks`` folder.

    A wheel carries them as ``csirt_kit/bundled/<name>``; an editable install or a
    source checkout has them at the repository top, beside the package.
    """
    for candidate in (_PACKAGE / "bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise CsirtError(f"bundled {name}/ folder not found next to {_PACKAGE}",
                     fix="reinstall csirt-kit; the package is incomplete")


def bundled_rules() -> Path:
    """The bundled YARA rules folder (web/, files/, logs/)."""
    return bundled_dir("rules")


def bundled_playbooks() -> Path:
    """The bundled playbooks folder."""
    return bundled_dir("playbooks")
