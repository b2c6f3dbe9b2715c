"""Fixtures of the CMS scanner tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from csirt_kit.scan.cms.options import CmsOptions
from csirt_kit.scan.cms.scanner import Webroot, scan_webroot_list
from csirt_kit.scan.report import ScanReport
from csirt_kit.store.db import Store


@pytest.fixture
def run_scan(store: Store) -> Callable[..., ScanReport]:
    """`run_scan(root, asset=None, options=CmsOptions())` scans one webroot with the test store."""
    def run(root: Path, asset: object = None, options: CmsOptions | None = None) -> ScanReport:
        return scan_webroot_list(store, [Webroot(root, asset)],  # type: ignore[arg-type]
                                 options or CmsOptions())
    return run

