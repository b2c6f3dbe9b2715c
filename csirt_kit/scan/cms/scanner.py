"""The CMS webroot scanner: one walk per webroot, cheap checks by path, content read only when needed.

Walks never follow symlinks. An unreadable file or folder is a scan error for it and the
walk goes on; a webroot that is missing is a scan error for its asset.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from csirt_kit.config import Config
from csirt_kit.errors import CsirtError
from csirt_kit.findings import make_finding
from csirt_kit.models import Asset, Finding
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.scan.cms import checks
from csirt_kit.scan.cms.detect import Detection, detect_cms
from csirt_kit.scan.cms.integrity import manifest_for
from csirt_kit.scan.cms.options import CmsOptions
from csirt_kit.scan.cms.persistence import CONFIG_NAMES
from csirt_kit.scan.cms.profiles import is_php_name, under
from csirt_kit.scan.cms.traces import TEMPLATE_EXTENSIONS
from csirt_kit.scan.report import ScanError, ScanReport
from csirt_kit.scan.webroots import asset_for_path, webroot_assets
from csirt_kit.store.assets import get_asset
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso


@dataclass(frozen=True)
class Webroot:
    """One webroot to scan and the asset it belongs to (None for a bare path)."""

    root: Path
    asset: Asset | None = None


def _walk(root: str, errors: list[ScanError], stats: Counter[str]) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(relative path with '/', entry) of each regular file; symlinks are skipped, never followed."""
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        folder = os.path.join(root, rel_dir) if rel_dir else root
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            errors.append(ScanError(folder, f"cannot list folder: {exc.strerror or exc}"))
            continue
        subdirs = []
        for entry in entries:
            rel = f"{rel_dir}{entry.name}"
            try:
                if entry.is_symlink():
                    stats["symlinks_skipped"] += 1
                elif entry.is_dir(follow_symlinks=False):
                    subdirs.append(rel + "/")
                elif entry.is_file(follow_symlinks=False):
                    yield rel, entry
            except OSError as exc:
                errors.append(ScanError(entry.path, exc.strerror or str(exc)))
        stack.extend(reversed(subdirs))


class _WebrootScan:
    """State of one webroot's scan: its detection, manifest, known tokens and results."""

    def __init__(self, store: Store, webroot: Webroot, options: CmsOptions) -> None:
        self.root = os.path.abspath(os.path.expanduser(webroot.root))
        self.asset = webroot.asset
        self.asset_id = webroot.asset.id if webroot.asset else None
        self.options = options
        self.detection: Detection = detect_cms(self.root)
        self.profile = self.detection.profile
        self.uploads = self.profile.upload_folders()
        self.known = options.tokens_for(self.asset)
        self.home = options.home_hosts(self.asset)
        self.findings: list[Finding] = []
        self.errors: list[ScanError] = []
        self.stats: Counter[str] = Counter()
        self.manifest: dict[str, str] | None = None
        try:
            self.manifest = manifest_for(store, self.detection, options)
        except CsirtError as exc:
            self.errors.append(ScanError(self.root, exc.message))
        if self.profile.core and self.manifest is None:
            self.stats["core_unverified"] += 1

    def _finding(self, spec: checks.Spec, rel: str, path: str, facts: dict[str, object]) -> None:
        evidence = {"path": path, "relative_path": rel, **facts, "cms": self.detection.cms,
                    "cms_version": self.detection.version, **spec.evidence}
        locus = f"{path}#{spec.locus}" if spec.locus else path
        self.findings.append(make_finding(
            spec.kind, spec.severity, spec.title, asset_id=self.asset_id, ref=spec.rule,
            locus=locus, rule=spec.rule, tags=spec.tags, evidence=evidence, seen=iso()))

    def scan(self) -> None:
        """Walk the webroot once and run every check that applies to each file."""
        for rel, entry in _walk(self.root, self.errors, self.stats):
            self.stats["files"] += 1
            try:
                self._file(rel, entry)
            except OSError as exc:
                self.errors.append(ScanError(entry.path, exc.strerror or str(exc)))

    def _file(self, rel: str, entry: os.DirEntry[str]) -> None:
        name = entry.name
        lower = name.lower()
        upload = under(rel, self.uploads) if is_php_name(name) else ""
        expected = self.manifest.get(rel) if self.manifest is not None else None
        core_dir = under(rel, self.profile.core) if self.manifest is not None else ""
        config = lower in CONFIG_NAMES
        traces = checks.is_sitemap_or_robots(rel, name) or lower.endswith((".html", ".xml"))
        template = lower.endswith(TEMPLATE_EXTENSIONS)
        if not (upload or expected or core_dir or config or traces or template):
            return
        st = entry.stat(follow_symlinks=False)
        if st.st_size > self.options.max_read and not (expected or core_dir):
            self.stats["too_large_skipped"] += 1
            return
        with open(entry.path, "rb") as fh:
            data = fh.read()
        self.stats["bytes_read"] += len(data)
        facts: dict[str, object] = {"sha256": hashlib.sha256(data).hexdigest(), "size": st.st_size,
                                    "mtime": st.st_mtime}
        specs: list[checks.Spec] = []
        if expected:
            self.stats["core_checked"] += 1
            actual = hashlib.md5(data, usedforsecurity=False).hexdigest()
            if actual == expected:
                self.stats["core_pristine"] += 1
                return  # an unmodified core file is never reported
            specs.append(checks.Spec(
                "cms.core_modified", "cms:core_modified", "high",
                f"Modified {self.profile.label} {self.detection.version} core file: {rel}",
                ("webshell", "integrity"), evidence={"md5": actual, "expected_md5": expected}))
        elif core_dir:
            specs.append(checks.Spec(
                "cms.core_unknown", "cms:core_unknown", "high" if is_php_name(name) else "medium",
                f"File not in {self.profile.label} {self.detection.version} core: {rel}",
                ("webshell", "integrity"), evidence={"core_folder": core_dir}))
        if upload:
            specs += checks.upload_php(rel, upload, data)
        if config:
            specs += checks.config_tricks(rel, data)
        if traces or template:
            found, known = checks.verification(rel, name, data, self.known, template)
            specs += found
            self.stats["verification_known"] += known
        if checks.is_sitemap_or_robots(rel, name):
            specs += checks.sitemap_spam(rel, name, data, self.home, self.options)
        for spec in specs:
            self._finding(spec, rel, entry.path, facts)


def scan_webroot_list(store: Store, webroots: Sequence[Webroot], options: CmsOptions,
                      progress: ProgressFn | None = None) -> ScanReport:
    """Scan each webroot; a missing one, or one whose scan fails, is a scan error for it."""
    progress = progress or no_progress
    started = time.monotonic()
    findings: list[Finding] = []
    errors: list[ScanError] = []
    stats: Counter[str] = Counter()
    detected: Counter[str] = Counter()
    for done, webroot in enumerate(webroots):
        progress("cms webroots", done, len(webroots))
        owner = f" of asset {webroot.asset.id}" if webroot.asset else ""
        if not Path(webroot.root).expanduser().is_dir():
            errors.append(ScanError(str(webroot.root), f"webroot{owner} is not a folder or does not exist"))
            continue
        try:
            scan = _WebrootScan(store, webroot, options)
            scan.scan()
        except (OSError, ValueError, CsirtError) as exc:
            text = exc.message if isinstance(exc, CsirtError) else str(exc)
            errors.append(ScanError(str(webroot.root), f"CMS scan{owner} failed: {text}"))
            continue
        detected[scan.detection.cms] += 1
        findings += scan.findings
        errors += scan.errors
        stats.update(scan.stats)
    progress("cms webroots", len(webroots), len(webroots))
    return ScanReport(tuple(findings), tuple(errors), {
        "targets": len(webroots), **{k: stats[k] for k in sorted(stats)}, "files": stats["files"],
        "detected": dict(sorted(detected.items())), "seconds": round(time.monotonic() - started, 3)})


def scan_paths(store: Store, config: Config | None, paths: Sequence[Path], asset_id: str = "",
               progress: ProgressFn | None = None) -> ScanReport:
    """Scan given webroots; each belongs to --asset, else the asset whose webroot holds it."""
    known = webroot_assets(store)
    webroots = []
    for path in paths:
        owner_id = asset_id or asset_for_path(known, path)
        webroots.append(Webroot(Path(path), get_asset(store.conn, owner_id) if owner_id else None))
    return scan_webroot_list(store, webroots, CmsOptions.from_config(config), progress)


def scan_cms(store: Store, config: Config | None, progress: ProgressFn | None = None) -> ScanReport:
    """Scan the webroot of every active asset that has one (the `csirt run` step)."""
    webroots = [Webroot(Path(a.webroot), a) for a in webroot_assets(store)]
    return scan_webroot_list(store, webroots, CmsOptions.from_config(config), progress)
