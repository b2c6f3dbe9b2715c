"""Opt-in: the same open/sync/close cycle against a real TheHive 5.

Runs only when CSIRT_KIT_LIVE_THEHIVE_URL, CSIRT_KIT_LIVE_THEHIVE_KEY and
CSIRT_KIT_LIVE_THEHIVE_ORG are set. It creates one case with a unique key and closes it
as FalsePositive.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from csirt_kit.cases import open_cases, sync_outbox
from csirt_kit.cases.actions import close_case
from csirt_kit.cases.records import list_cases
from csirt_kit.models import Asset
from tests.cases.helpers import config_at, seed, webshell, write_config

URL = os.environ.get("CSIRT_KIT_LIVE_THEHIVE_URL", "")
KEY = os.environ.get("CSIRT_KIT_LIVE_THEHIVE_KEY", "")
ORG = os.environ.get("CSIRT_KIT_LIVE_THEHIVE_ORG", "")

pytestmark = [pytest.mark.live,
              pytest.mark.skipif(not (URL and KEY and ORG), reason="no live TheHive configured")]


def test_live_open_sync_close(file_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_THEHIVE_KEY", KEY)
    config = config_at(write_config(tmp_path, "thehive", URL, timeout=20, organisation=ORG))
    asset_id = f"live-{uuid.uuid4().hex[:8]}"
    seed(file_store, [Asset(id=asset_id, name="csirt-kit live test", kind="website")],
         [webshell(asset_id)])
    open_cases(file_store, config)
    first = sync_outbox(file_store, config)
    assert first.queued == 0 and len(first.created) == 1
    (case,) = list_cases(file_store.conn)
    assert case.backend_id
    assert sync_outbox(file_store, config).sent == 0
    close_case(file_store, case.key, "FalsePositive", "csirt-kit live test", "NoImpact")
    assert sync_outbox(file_store, config).queued == 0
