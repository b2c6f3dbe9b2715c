"""Core integrity: release manifests for a webroot, and 'is this file pristine core?' for others.

Other scanners can drop heuristic hits on unmodified core files::

    pristine = PristineCore(store)
    if pristine.is_pristine(path): ...   # an untouched file of an imported release
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from csirt_kit.errors import InputError, ServerError
from csirt_kit.redaction import redact
from csirt_kit.scan.cms.checksums import parse_manifest, release_files, store_releases
from csirt_kit.scan.cms.detect import Detection, detect_cms
from csirt_kit.scan.cms.options import CmsOptions
from csirt_kit.scan.cms.profiles import BY_NAME
from csirt_kit.store.db import Store

_MAX_LEVELS = 12  # how far up from a file PristineCore looks for its CMS root


def md5_of(path: str) -> str:
    """md5 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def fetch_release(store: Store, options: CmsOptions, cms: str, version: str) -> dict[str, str]:
    """Fetch and store one WordPress release manifest (only when scan.cms.fetch_checksums is on)."""
    import requests  # only when fetching is on: keeps the CLI's start-up light

    url = options.checksums_url.format(version=version)
    try:
        resp = requests.get(url, timeout=options.fetch_timeout)
    except requests.RequestException as exc:
        raise ServerError(f"checksum fetch failed: {redact(str(exc))}", where=url,
                          fix="check the network or import the manifest with"
                              " `csirt cms checksums import FILE`") from None
    if resp.status_code != 200:
        raise ServerError(f"checksum fetch answered HTTP {resp.status_code}", where=url,
                          fix="check scan.cms.checksums_url")
    try:
        releases = parse_manifest(resp.text, url, version)
    except InputError as exc:
        raise ServerError(f"checksum fetch gave no usable manifest: {exc.what}", where=url,
                          fix="check scan.cms.checksums_url") from None
    store_releases(store, releases, cms, url)
    return dict(releases.get(version, {}))


def manifest_for(store: Store, detection: Detection, options: CmsOptions) -> dict[str, str] | None:
    """The stored release manifest of a detected CMS (fetched first when configured), or None."""
    if not detection.version or not BY_NAME[detection.cms].core:
        return None
    files = release_files(store.conn, detection.cms, detection.version)
    if files is None and options.fetch_checksums and detection.cms == "wordpress":
        files = fetch_release(store, options, detection.cms, detection.version)
    return files


class PristineCore:
    """Answers whether a file is an unmodified core file of an imported CMS release."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._roots: dict[str, tuple[str, dict[str, str]] | None] = {}

    def _release_at(self, folder: str) -> tuple[str, dict[str, str]] | None:
        if folder not in self._roots:
            found = None
            detection = detect_cms(folder)
            if detection.version and BY_NAME[detection.cms].markers:
                files = release_files(self._store.conn, detection.cms, detection.version)
                if files:
                    found = (folder, files)
            self._roots[folder] = found
        return self._roots[folder]

    def is_pristine(self, path: str | Path) -> bool:
        """True when path is in its CMS release manifest and its md5 matches."""
        target = os.path.abspath(path)
        folder = os.path.dirname(target)
        for _ in range(_MAX_LEVELS):
            release = self._release_at(folder)
            if release:
                expected = release[1].get(os.path.relpath(target, folder).replace(os.sep, "/"))
                try:
                    return expected is not None and not os.path.islink(target) and \
                        md5_of(target) == expected
                except OSError:
                    return False
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        return False


def is_pristine_core(store: Store, path: str | Path) -> bool:
    """One-off form of PristineCore(store).is_pristine(path)."""
    return PristineCore(store).is_pristine(path)
