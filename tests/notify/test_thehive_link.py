"""With TheHive as the case backend, the message links to the case once it reached TheHive."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.cases.sync import sync_outbox
from csirt_kit.config import load_config
from csirt_kit.notify import notify_new_cases
from csirt_kit.store.db import Store
from tests.emulators.notify import TelegramStandIn
from tests.emulators.thehive import TheHiveEmulator
from tests.notify.helpers import CHAT, add_cases, asset, webshell

KEY = "hive-key-0123456789abcdef"


def hive_config(folder: Path, hive_url: str, telegram_url: str) -> Path:
    path = folder / "config.toml"
    path.write_text(
        '[cases]\nbackend = "thehive"\n'
        f'[cases.thehive]\nurl = "{hive_url}"\nkey_env = "CSIRT_TEST_THEHIVE_KEY"\n'
        'organisation = "csirt-kota"\ntimeout = 1.0\n'
        '[[notify.channels]]\nname = "tg"\ntype = "telegram"\nbot_token_env = "CSIRT_TEST_TG_TOKEN"\n'
        f'chat_id = {CHAT}\napi_url = "{telegram_url}"\ntimeout = 2\n', encoding="utf-8")
    return path


def test_message_links_to_thehive_case(store: Store, tmp_path: Path, telegram: TelegramStandIn,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_THEHIVE_KEY", KEY)
    with TheHiveEmulator(api_key=KEY, organisation="csirt-kota") as hive:
        config = load_config(str(hive_config(tmp_path, hive.url, telegram.url)))
        add_cases(store, config, [asset(1)], [webshell("web-001")])
        sync = sync_outbox(store, config, pull=False)
        assert sync.sent >= 1 and not sync.errors
        result = notify_new_cases(store, config)
    assert result.sent == 1
    (text,) = [m["text"] for m in telegram.messages]
    link = [line for line in text.split("\n") if line.startswith("Link: ")]
    assert len(link) == 1 and link[0].startswith(f"Link: {hive.url}")
    assert KEY not in text
