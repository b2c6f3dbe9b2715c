"""Webroots from the inventory: scan every active asset's webroot, or map a path to its asset."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from csirt_kit.config import Config
from csirt_kit.models import Asset
from csirt_kit.progress import ProgressFn
from csirt_kit.scan.files import FileOptions, scan_files
from csirt_kit.scan.report import ScanError, ScanReport
from csirt_kit.scan.rules import RuleSet, load_rules
from csirt_kit.store.assets import AssetFilter, list_assets
from csirt_kit.store.db import Store

# Webroots hold static files too: judol injection and defacements live in HTML/JS.
FILE_SCOPES = ("files", "web")


def webroot_assets(store: Store) -> list[Asset]:
    """Active assets that have a webroot."""
    return [a for a in list_assets(store.conn, AssetFilter(status="active")) if a.webroot]


def asset_for_path(assets: Sequence[Asset], path: Path) -> str | None:
    """The asset whose webroot holds `path` (the deepest webroot wins), else None."""
    target = os.path.abspath(path)
    best: tuple[int, str] | None = None
    for a in assets:
        root = os.path.abspath(os.path.expanduser(a.webroot))
        if (target == root or target.startswith(root.rstrip(os.sep) + os.sep)) and (
                best is None or len(root) > best[0]):
            best = (len(root), a.id)
    return best[1] if best else None


def scan_webroots(store: Store, config: Config, ruleset: RuleSet | None = None,
                  progress: ProgressFn | None = None, options: FileOptions | None = None
                  ) -> ScanReport:
    """Scan the webroot of every active asset; a missing webroot is a scan error for it."""
    ruleset = ruleset or load_rules(config, scopes=FILE_SCOPES)
    roots: list[tuple[Path, str | None]] = []
    missing: list[ScanError] = []
    for asset in webroot_assets(store):
        root = Path(asset.webroot).expanduser()
        if root.is_dir():
            roots.append((root, asset.id))
        else:
            missing.append(ScanError(str(root), f"webroot of asset {asset.id} is not a folder"
                                                 " or does not exist"))
    report = scan_files(ruleset, roots, options=options or FileOptions.from_config(config),
                        progress=progress, store=store)
    return ScanReport(report.findings, (*missing, *report.errors),
                      {**report.stats, "targets": len(roots) + len(missing)})
