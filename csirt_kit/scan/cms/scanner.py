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
from concurrent.futures import ThreadPoolExecutor, as_completed
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
        self._buffer = bytearray(1 << 20)
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

    def _md5(self, path: str) -> str:
        """md5 of a file through one reused buffer (no copy per file: this is the hot loop)."""
        digest = hashlib.md5(usedforsecurity=False)
        view = memoryview(self._buffer)
        fd = os.open(path, os.O_RDONLY)
        try:
            while n := os.readv(fd, [self._buffer]):
                digest.update(view[:n])
                self.stats["bytes_read"] += n
        finally:
            os.close(fd)
        return digest.hexdigest()

    def _file(self, rel: str, entry: os.DirEntry[str]) -> None:
        name = entry.name
        lower = name.lower()
        upload = under(rel, self.uploads) if is_php_name(name) else ""
        expected = self.manifest.get(rel) if self.manifest is not None else None
        core_dir = under(rel, self.profile.core) if self.manifest is not None else ""
        config = lower in CONFIG_NAMES
        sitemap = checks.is_sitemap_or_robots(rel, name)
        traces = sitemap or lower.endswith((".html", ".xml"))
        template = lower.endswith(TEMPLATE_EXTENSIONS)
        if not (upload or expected or core_dir or config or traces or template):
            return
        specs: list[checks.Spec] = []
        if expected:
            self.stats["core_checked"] += 1
            actual = self._md5(entry.path)
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
        st = entry.stat(follow_symlinks=False)
        if st.st_size > self.options.max_read and not (specs or upload):
            self.stats["too_large_skipped"] += 1
            return
        with open(entry.path, "rb") as fh:
            data = fh.read(self.options.max_read)
        self.stats["bytes_read"] += len(data)
        if upload:
            specs += checks.upload_php(rel, upload, data)
        if config:
            specs += checks.config_tricks(rel, data)
        if traces or template:
            found, known = checks.verification(rel, name, data, self.known, template)
            specs += found
            self.stats["verification_known"] += known
        if sitemap:
            specs += checks.sitemap_spam(rel, name, data, self.home, self.options)
        if specs:
            facts: dict[str, object] = {"size": st.st_size, "mtime": st.st_mtime,
                                        "sha256": self._sha256(entry.path, data, st.st_size)}
            for spec in specs:
                self._finding(spec, rel, entry.path, facts)

    def _sha256(self, path: str, head: bytes, size: int) -> str:
        if len(head) >= size:
            return hashlib.sha256(head).hexdigest()
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()


def _run(scan: _WebrootScan) -> None:
    """Scan one webroot in a worker thread; a crash becomes a scan error for it, never of the run."""
    try:
        scan.scan()
    except Exception as exc:  # a failing scanner is a result, not a crash
        scan.findings.clear()
        scan.errors.append(ScanError(scan.root, f"CMS scan failed: {type(exc).__name__}: {exc}"))


def scan_webroot_list(store: Store, webroots: Sequence[Webroot], options: CmsOptions,
                      progress: ProgressFn | None = None) -> ScanReport:
    """Scan each webroot; a missing one, or one whose scan fails, is a scan error for it.

    Detection and manifest lookups run here (they use the store); the walks and hashing run
    in ``options.workers`` threads (file reads and md5/sha256 release the GIL).
    """
    progress = progress or no_progress
    started = time.monotonic()
    prepared: list[_WebrootScan | ScanError] = []
    for webroot in webroots:
        owner = f" of asset {webroot.asset.id}" if webroot.asset else ""
        if not Path(webroot.root).expanduser().is_dir():
            prepared.append(ScanError(str(webroot.root),
                                      f"webroot{owner} is not a folder or does not exist"))
            continue
        try:
            prepared.append(_WebrootScan(store, webroot, options))
        except (OSError, ValueError, CsirtError) as exc:
            text = exc.message if isinstance(exc, CsirtError) else str(exc)
            prepared.append(ScanError(str(webroot.root), f"CMS scan{owner} failed: {text}"))
    scans = [p for p in prepared if isinstance(p, _WebrootScan)]
    progress("cms webroots", 0, len(scans))
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        for done, _ in enumerate(as_completed([pool.submit(_run, scan) for scan in scans]), 1):
            progress("cms webroots", done, len(scans))
    findings: list[Finding] = []
    errors: list[ScanError] = []
    stats: Counter[str] = Counter()
    detected: Counter[str] = Counter()
    for item in prepared:  # input order, so reports are deterministic
        if isinstance(item, ScanError):
            errors.append(item)
            continue
        detected[item.detection.cms] += 1
        findings += item.findings
        errors += item.errors
        stats.update(item.stats)
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
