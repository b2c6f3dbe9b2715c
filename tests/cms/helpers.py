"""Helpers of the CMS scanner tests: small generated webroots and checksum manifests.

Every sample is a harmless text file written here; nothing executes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from csirt_kit.scan.report import ScanReport

WP_FILES = {
    "index.php": "<?php\ndefine('WP_USE_THEMES', true);\nrequire __DIR__ . '/wp-blog-header.php';\n",
    "wp-load.php": "<?php\n// Bootstrap file for setting the ABSPATH constant.\n",
    "wp-blog-header.php": "<?php\nrequire_once __DIR__ . '/wp-load.php';\n",
    "wp-admin/index.php": "<?php\n// Dashboard administration screen.\n",
    "wp-admin/css/common.css": "body { color: #333; }\n",
    "wp-includes/functions.php": "<?php\nfunction wp_fake_helper() { return 1; }\n",
    "wp-includes/js/wp-embed.js": "(function(){ /* embed */ })();\n",
    "wp-content/index.php": "<?php\n// Silence is golden.\n",
    "wp-content/themes/kota/header.php": "<html><head><title><?php wp_title(); ?></title></head>\n",
    "wp-content/uploads/2024/01/photo.jpg": "\xff\xd8\xff not really a jpeg",
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write relative path -> text under root and return root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def make_wordpress(root: Path, version: str = "6.4.2", extra: dict[str, str] | None = None) -> Path:
    """A small fake WordPress webroot of the given version."""
    files = {**WP_FILES, "wp-includes/version.php": f"<?php\n$wp_version = '{version}';\n"}
    return write_tree(root, {**files, **(extra or {})})


def manifest_of(root: Path, skip: tuple[str, ...] = ("wp-content/uploads/", "wp-config.php")
                ) -> dict[str, str]:
    """md5 of every regular file under root (symlinks skipped), as a release manifest does."""
    out = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        for name in names:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if os.path.islink(path) or rel.startswith(skip):
                continue
            with open(path, "rb") as fh:
                out[rel] = hashlib.md5(fh.read(), usedforsecurity=False).hexdigest()
    return out


def write_manifest(path: Path, version: str, files: dict[str, str], flat: bool = False) -> Path:
    """A manifest file in the WordPress checksums API shape."""
    doc = {"checksums": files} if flat else {"checksums": {version: files}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def kinds(report: ScanReport) -> list[tuple[str, str]]:
    """(kind, relative path) of each finding, sorted."""
    return sorted((f.kind, str(f.evidence["relative_path"])) for f in report.findings)
