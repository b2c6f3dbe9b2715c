"""`csirt notify send|list|test|channels`: exit codes, config errors, secrets never shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from csirt_kit.config import load_config
from csirt_kit.store.db import Store
from tests.emulators.notify import SlackStandIn, TelegramStandIn, WebhookReceiver, free_port
from tests.notify.conftest import WEBHOOK_SECRET
from tests.notify.helpers import CHAT, TOKEN, add_cases, asset, webshell, write_config


def use_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, channels: list[dict[str, Any]],
               lang: str = "en") -> Path:
    path = write_config(tmp_path, channels, lang)
    monkeypatch.setenv("CSIRT_KIT_CONFIG", str(path))
    return path


def tg(server: TelegramStandIn) -> dict[str, Any]:
    return {"name": "tg", "type": "telegram", "bot_token_env": "CSIRT_TEST_TG_TOKEN",
            "chat_id": int(CHAT), "api_url": server.url, "timeout": 2}


def seed_cases(store: Store, n: int = 2) -> None:
    add_cases(store, load_config(), [asset(i) for i in range(1, n + 1)],
              [webshell(f"web-{i:03d}") for i in range(1, n + 1)])


def no_secret(*texts: str, secrets: tuple[str, ...]) -> None:
    for text in texts:
        for value in secrets:
            assert value not in text


def test_send_then_list(cli: Any, file_store: Store, tmp_path: Path, telegram: TelegramStandIn,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    use_config(tmp_path, monkeypatch, [tg(telegram)])
    seed_cases(file_store)
    sent = cli(["--json", "notify", "send"])
    assert sent.json == {"enqueued": 2, "sent": 2, "failed": 0, "queued": 0, "unreachable": False,
                         "busy": False, "misconfigured": False, "errors": []}
    listed = cli(["--json", "notify", "list"]).json
    assert listed["count"] == 2
    assert {(i["channel"], i["status"], i["attempts"]) for i in listed["items"]} == {("tg", "sent", 1)}
    assert cli(["--json", "notify", "send"]).json["sent"] == 0
    text = cli(["notify", "list"]).stdout
    assert "webshell:web-001" in text and "sent" in text
    assert "no problems" in cli(["notify", "list", "--problems"]).stdout
    no_secret(sent.stdout, sent.stderr, text, secrets=(TOKEN,))


def test_send_exit_4_while_receiver_down_then_0(cli: Any, file_store: Store, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_HOOK_SECRET", WEBHOOK_SECRET)
    receiver = WebhookReceiver(secret=WEBHOOK_SECRET, port=free_port())
    use_config(tmp_path, monkeypatch, [{"name": "hook", "type": "webhook", "url": receiver.url + "/x",
                                        "secret_env": "CSIRT_TEST_HOOK_SECRET", "timeout": 1}])
    seed_cases(file_store)
    down = cli(["notify", "send"], expect=4)
    assert "stay queued for the next run" in down.stderr
    problems = cli(["--json", "notify", "list", "--problems"]).json
    assert problems["count"] == 1 and problems["items"][0]["status"] == "pending"
    assert "unreachable" in problems["items"][0]["last_error"]
    with receiver:
        assert cli(["--json", "notify", "send"]).json["sent"] == 2
    assert len(receiver.deliveries) == 2 and receiver.repeats == 0
    no_secret(down.stdout, down.stderr, secrets=(WEBHOOK_SECRET,))


def test_send_exit_2_on_refused_token_and_no_token_shown(cli: Any, file_store: Store, tmp_path: Path,
                                                         telegram: TelegramStandIn,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "987654321:AAwrongTOKENvalue987654321abcdefg"
    monkeypatch.setenv("CSIRT_TEST_TG_TOKEN", wrong)
    use_config(tmp_path, monkeypatch, [tg(telegram)])
    seed_cases(file_store)
    result = cli(["notify", "send"], expect=2)
    assert "channel tg" in result.stdout and "401" in result.stdout
    assert "--retry-failed" in result.stdout
    listed = cli(["--json", "notify", "list", "--problems"])
    assert listed.json["count"] == 2
    verbose = cli(["-v", "--json", "notify", "send"], expect=0)
    no_secret(result.stdout, result.stderr, listed.stdout, verbose.stdout, verbose.stderr,
              secrets=(wrong, TOKEN))
    monkeypatch.setenv("CSIRT_TEST_TG_TOKEN", TOKEN)
    fixed = cli(["--json", "notify", "send", "--retry-failed"]).json
    assert fixed["sent"] == 2 and len(telegram.messages) == 2


def test_missing_secret_variable_keeps_messages_queued(cli: Any, file_store: Store, tmp_path: Path,
                                                       telegram: TelegramStandIn,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    use_config(tmp_path, monkeypatch, [tg(telegram)])
    seed_cases(file_store)
    monkeypatch.delenv("CSIRT_TEST_TG_TOKEN")
    result = cli(["notify", "send"], expect=2)
    assert "CSIRT_TEST_TG_TOKEN" in result.stdout and telegram.requests == []
    assert cli(["--json", "notify", "list", "--status", "pending"]).json["count"] == 2
    monkeypatch.setenv("CSIRT_TEST_TG_TOKEN", TOKEN)
    assert cli(["--json", "notify", "send"]).json["sent"] == 2


def test_lang_option_overrides_channel(cli: Any, file_store: Store, tmp_path: Path,
                                       telegram: TelegramStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    use_config(tmp_path, monkeypatch, [tg(telegram)], lang="en")
    seed_cases(file_store, 1)
    cli(["notify", "send", "--lang", "id"])
    assert telegram.messages[0]["text"].startswith("[TINGGI] Kasus baru: Web shell pada Situs 1")
    bad = cli(["notify", "send", "--lang", "fr"], expect=2)
    assert "--lang" in bad.stderr


def test_test_command(cli: Any, tmp_path: Path, telegram: TelegramStandIn,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    use_config(tmp_path, monkeypatch, [tg(telegram)])
    assert cli(["--json", "notify", "test", "tg"]).json == {"channel": "tg", "type": "telegram",
                                                            "sent": True}
    cli(["notify", "test", "tg", "--lang", "id"])
    assert telegram.messages[0]["text"].startswith("Test message from csirt-kit for channel tg")
    assert telegram.messages[1]["text"].startswith("Pesan uji dari csirt-kit")
    unknown = cli(["notify", "test", "nope"], expect=2)
    assert "no notification channel named 'nope' (known: tg)" in unknown.stderr
    monkeypatch.setenv("CSIRT_TEST_TG_TOKEN", "111:AAanotherWRONGtoken1111111")
    refused = cli(["notify", "test", "tg"], expect=2)
    assert "Telegram refused the bot token" in refused.stderr
    no_secret(refused.stderr, secrets=("111:AAanotherWRONGtoken1111111",))
    telegram.stop()
    down = cli(["notify", "test", "tg"], expect=4)
    assert "channel tg" in down.stderr


def test_slack_url_never_shown_when_down(cli: Any, file_store: Store, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    hook = SlackStandIn(port=free_port())  # never started
    secret_path = hook.path
    monkeypatch.setenv("CSIRT_TEST_SLACK_URL", hook.url + secret_path)
    use_config(tmp_path, monkeypatch, [{"name": "team", "type": "slack",
                                        "url_env": "CSIRT_TEST_SLACK_URL", "timeout": 1}])
    seed_cases(file_store, 1)
    down = cli(["notify", "send"], expect=4)
    listed = cli(["--json", "notify", "list", "--problems"])
    assert listed.json["count"] == 1 and listed.json["items"][0]["last_error"]
    shown = cli(["--json", "notify", "channels"])
    assert shown.json["items"][0]["options"] == {"url_env": "CSIRT_TEST_SLACK_URL"}
    no_secret(down.stdout, down.stderr, listed.stdout, shown.stdout,
              secrets=(secret_path, "XXXXSECRETXXXX"))


@pytest.mark.parametrize(("entry", "expected"), [
    ({"name": "a", "type": "pager"}, "notify.channels 0 (a): type: unknown type 'pager'"),
    ({"name": "a", "type": "telegram", "bot_token_env": "X"},
     "notify.channels 0 (a): chat_id: required for a telegram channel"),
    ({"name": "a", "type": "slack", "url_env": "X", "min_severty": "low"},
     "notify.channels 0 (a): min_severty: unknown key for a slack channel"),
    ({"name": "a", "type": "slack", "url_env": "X", "min_severity": "urgent"},
     "notify.channels 0 (a): min_severity: unknown severity 'urgent'"),
    ({"name": "a", "type": "webhook", "url": "ftp://x"}, "notify.channels 0 (a): url: not an http(s) URL"),
    ({"name": "a", "type": "smtp", "host": "h", "from": "f@x", "to": ["t@x"], "starttls": False,
      "username": "u", "password_env": "P"},
     "notify.channels 0 (a): starttls: login without STARTTLS would send the password in clear text"),
    ({"name": "a", "type": "smtp", "host": "h", "from": "f@x", "to": "t@x"},
     "notify.channels 0 (a): to: expected a list of strings"),
    ({"name": "a", "type": "slack", "url_env": "X", "lang": "jv"},
     "notify.channels 0 (a): lang: unknown language 'jv'"),
    ({"type": "slack", "url_env": "X"}, "notify.channels.0: every channel needs a name"),
])
def test_config_errors_name_entry_and_key(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          entry: dict[str, Any], expected: str) -> None:
    path = use_config(tmp_path, monkeypatch, [entry])
    for args in (["notify", "channels"], ["notify", "send"]):
        result = cli(args, expect=2)
        assert expected in result.stderr and str(path) in result.stderr
        assert "fix:" in result.stderr


def test_duplicate_channel_names(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = {"name": "a", "type": "slack", "url_env": "X"}
    use_config(tmp_path, monkeypatch, [entry, entry])
    assert "name 'a' is used twice" in cli(["notify", "channels"], expect=2).stderr
