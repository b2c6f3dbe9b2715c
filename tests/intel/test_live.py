"""Opt-in: a real MISP server (CSIRT_KIT_LIVE_MISP_URL and CSIRT_KIT_LIVE_MISP_KEY); skipped otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from csirt_kit.intel.sync import sync_sources
from csirt_kit.store.db import Store
from tests.intel.conftest import config_for, write_config

pytestmark = pytest.mark.live
URL = os.environ.get("CSIRT_KIT_LIVE_MISP_URL", "")
KEY = os.environ.get("CSIRT_KIT_LIVE_MISP_KEY", "")


@pytest.mark.skipif(not (URL and KEY), reason="set CSIRT_KIT_LIVE_MISP_URL and CSIRT_KIT_LIVE_MISP_KEY")
def test_live_misp_pull_one_page(tmp_path: Path, file_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_LIVE_KEY", KEY)
    verify = os.environ.get("CSIRT_KIT_LIVE_MISP_VERIFY_TLS", "true").lower() != "false"
    cfg = config_for(write_config(tmp_path / "c.toml", misp=[{
        "name": "live", "url": URL, "key_env": "CSIRT_TEST_LIVE_KEY", "verify_tls": verify,
        "page_size": 50, "max_age_days": 7, "timeout": 30}]))
    result = sync_sources(cfg, file_store).results[0]
    assert result.status == "ok", result.error
    assert KEY not in result.error
    again = sync_sources(cfg, file_store).results[0]
    assert again.status == "ok"
