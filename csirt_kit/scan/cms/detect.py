"""Detect the CMS of a webroot and its version, reading only a few small files."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csirt_kit.scan.cms.profiles import BY_NAME, PLAIN_PHP, PROFILES, STATIC, Profile, is_php_name

_HEAD = 256 * 1024  # version files are small; never read more than this


@dataclass(frozen=True)
class Detection:
    """The CMS found in a webroot, its version ('' if unknown) and where the version came from."""

    root: str
    cms: str
    version: str = ""
    version_source: str = ""

    @property
    def profile(self) -> Profile:
        """The profile of the detected CMS."""
        return BY_NAME[self.cms]

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `csirt cms detect`."""
        p = self.profile
        return {"path": self.root, "cms": self.cms, "label": p.label, "version": self.version,
                "version_source": self.version_source,
                "profile": {"uploads": list(p.upload_folders()), "core": list(p.core)}}


def _exists(root: str, rel: str) -> bool:
    path = os.path.normpath(os.path.join(root, rel))
    return os.path.isdir(path) if rel.endswith("/") else os.path.isfile(path)


def _read_head(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read(_HEAD).decode("utf-8", "replace")
    except OSError:
        return ""


def _composer_version(root: str, package: str) -> tuple[str, str]:
    for rel in ("composer.lock", "../composer.lock"):
        path = os.path.normpath(os.path.join(root, rel))
        if not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            continue
        for pkg in data.get("packages", []) if isinstance(data, dict) else []:
            if isinstance(pkg, dict) and pkg.get("name") == package:
                return str(pkg.get("version", "")).lstrip("v"), rel
    return "", ""


def _version(root: str, profile: Profile) -> tuple[str, str]:
    for source in profile.versions:
        text = _read_head(os.path.normpath(os.path.join(root, source.path)))
        match = re.search(source.pattern, text, re.DOTALL) if text else None
        if match:
            return ".".join(g.strip() for g in match.groups()), source.path
    if profile.composer_package:
        return _composer_version(root, profile.composer_package)
    return "", ""


def _has_php(root: str) -> bool:
    try:
        with os.scandir(root) as it:
            return any(is_php_name(e.name) and e.is_file(follow_symlinks=False) for e in it)
    except OSError:
        return False


def detect_cms(root: str | Path) -> Detection:
    """Detect the CMS of one webroot (plain PHP or static files when no profile fits)."""
    root_s = os.path.abspath(os.path.expanduser(root))
    for profile in PROFILES:
        if any(all(_exists(root_s, rel) for rel in group) for group in profile.markers):
            version, source = _version(root_s, profile)
            return Detection(root_s, profile.name, version, source)
    return Detection(root_s, (PLAIN_PHP if _has_php(root_s) else STATIC).name)
