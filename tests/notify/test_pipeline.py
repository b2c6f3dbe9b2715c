"""`csirt run` tells new cases through its notify step: once, and queued while a receiver is down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from csirt_kit.findings import upsert_findings
from csirt_kit.store.assets import upsert_assets
from csirt_kit.store.db import Store
from tests.emulators.notify import WebhookReceiver, free_port
from tests.notify.conftest import WEBHOOK_SECRET
from tests.notify.helpers import NOW, asset, webshell, write_config

RUN = ["run", "--only", "cases", "--only", "notify"]


def seed(store: Store, *numbers: int) -> None:
    with store.write() as conn:
        upsert_assets(conn, [asset(i) for i in numbers], "test", NOW)
        upsert_findings(conn, [webshell(f"web-{i:03d}") for i in numbers], NOW)


def test_run_notifies_once_and_queues_during_outage(cli: Any, file_store: Store, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_HOOK_SECRET", WEBHOOK_SECRET)
    receiver = WebhookReceiver(secret=WEBHOOK_SECRET, port=free_port())
    path = write_config(tmp_path, [{"name": "hook", "type": "webhook", "url": receiver.url + "/in",
                                    "secret_env": "CSIRT_TEST_HOOK_SECRET", "timeout": 1}])
    monkeypatch.setenv("CSIRT_KIT_CONFIG", str(path))
    seed(file_store, 1, 2)
    cli(RUN, expect=4)  # cases opened; the receiver is down, so the run is partial
    assert cli(["--json", "notify", "list", "--status", "pending"]).json["count"] == 2
    with receiver:
        cli(RUN)
        seed(file_store, 3)
        cli(RUN)
        cli(RUN)
    assert sorted(d["case"]["key"] for d in receiver.deliveries.values()) == [
        "webshell:web-001", "webshell:web-002", "webshell:web-003"]
    assert receiver.repeats == 0
