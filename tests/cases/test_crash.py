"""A sync process killed with SIGKILL after TheHive stored the case but before it answered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from csirt_kit.cases import open_cases, sync_outbox
from csirt_kit.cases.records import get_case
from tests.cases.helpers import asset, seed, webshell

CHILD = """
from csirt_kit.config import load_config
from csirt_kit.store.db import open_store
from csirt_kit.cases import sync_outbox
store = open_store(load_config().store_path)
sync_outbox(store, load_config())
"""


def test_sigkill_between_request_and_reply_then_rerun(file_store, hive, hive_config) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0), webshell("web-001", 1)])
    open_cases(file_store, hive_config)
    # the server stores the case, then holds the answer; the process dies waiting for it
    hive.fault("POST", "/api/v1/case", "hang-after", seconds=20)
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=dict(os.environ),
                             cwd=str(Path(__file__).resolve().parents[2]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not hive.cases and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert len(hive.cases) == 1, child.stderr.read().decode() if child.poll() is not None else ""
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=10)
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    hive.clear_faults()
    result = sync_outbox(file_store, hive_config)
    assert result.queued == 0 and result.created == ()
    assert hive.count("POST", "/api/v1/case") == 1 and len(hive.cases) == 1
    (case_id,) = hive.cases
    assert get_case(file_store.conn, "webshell:web-001").backend_id == case_id
    assert len(hive.tasks) == 5 and len(hive.observables) == 4
