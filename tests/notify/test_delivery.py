"""One message per new case, outages, refusals and filters, against loopback receivers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from csirt_kit.notify import notify_new_cases, queue
from csirt_kit.store.db import Store
from tests.emulators.notify import TelegramStandIn, WebhookReceiver, free_port
from tests.notify.helpers import CHAT, add_cases, asset, config_at, vulnerable, webshell, write_config


def tg_channel(server: TelegramStandIn, **extra: object) -> dict[str, object]:
    return {"name": "tg", "type": "telegram", "bot_token_env": "CSIRT_TEST_TG_TOKEN",
            "chat_id": int(CHAT), "api_url": server.url, "timeout": 2, **extra}


def hook_channel(url: str, **extra: object) -> dict[str, object]:
    return {"name": "hook", "type": "webhook", "url": url + "/hooks/csirt",
            "secret_env": "CSIRT_TEST_HOOK_SECRET", "timeout": 1, **extra}


def test_one_message_per_new_case_across_reruns(store: Store, tmp_path: Path,
                                                telegram: TelegramStandIn) -> None:
    config = config_at(write_config(tmp_path, [tg_channel(telegram)]))
    add_cases(store, config, [asset(1), asset(2)], [webshell("web-001"), webshell("web-002")])
    first = notify_new_cases(store, config)
    assert (first.enqueued, first.sent, first.failed, first.queued) == (2, 2, 0, 0)
    assert not first.unreachable
    again = notify_new_cases(store, config)
    assert (again.enqueued, again.sent) == (0, 0)
    # A finding joining an open case is not a new case; a new asset's case is.
    add_cases(store, config, [asset(3)], [webshell("web-001", n=1), webshell("web-003")])
    third = notify_new_cases(store, config)
    assert (third.enqueued, third.sent) == (1, 1)
    texts = [m["text"] for m in telegram.messages]
    assert len(texts) == 3
    assert sorted(t.split("\n")[0] for t in texts) == [
        f"[HIGH] New case: Web shell on Situs {i}" for i in (1, 2, 3)]
    assert all(m["chat_id"] == int(CHAT) for m in telegram.messages)


def test_message_names_asset_department_playbook_tasks(store: Store, tmp_path: Path,
                                                       telegram: TelegramStandIn) -> None:
    config = config_at(write_config(tmp_path, [tg_channel(telegram)]))
    add_cases(store, config, [asset(1, owner="Dinas Pendidikan")], [webshell("web-001")])
    notify_new_cases(store, config)
    (text,) = [m["text"] for m in telegram.messages]
    assert "Asset: Situs 1 (web-001)" in text
    assert "Department: Dinas Pendidikan" in text
    assert "Playbook: webshell" in text
    assert "First tasks:\n  1. " in text and "  3. " in text and "  4. " not in text
    assert "Link:" not in text  # the local backend gives no URL


def test_indonesian_text(store: Store, tmp_path: Path, telegram: TelegramStandIn) -> None:
    config = config_at(write_config(tmp_path, [tg_channel(telegram)], lang="id"))
    add_cases(store, config, [asset(1, owner="Dinas Kesehatan")], [webshell("web-001")])
    notify_new_cases(store, config)
    (text,) = [m["text"] for m in telegram.messages]
    lines = text.split("\n")
    assert lines[0] == "[TINGGI] Kasus baru: Web shell pada Situs 1"
    assert "Tingkat keparahan: tinggi" in lines
    assert "Perangkat daerah: Dinas Kesehatan" in lines
    assert "Tugas pertama:" in lines
    assert "  1. Amankan berkas beserta stempel waktunya dan log server web" in lines


def test_severity_and_playbook_filters(store: Store, tmp_path: Path,
                                       webhook: WebhookReceiver) -> None:
    config = config_at(write_config(tmp_path, [
        hook_channel(webhook.url, name="all-medium", min_severity="medium"),
        hook_channel(webhook.url, name="high-only"),  # default min_severity: high
        hook_channel(webhook.url, name="vuln-only", playbooks=["vuln-software"], min_severity="low"),
        hook_channel(webhook.url, name="off", enabled=False, min_severity="info"),
    ]))
    add_cases(store, config, [asset(1), asset(2)], [webshell("web-001"), vulnerable("web-002")])
    result = notify_new_cases(store, config)
    assert (result.sent, result.failed) == (4, 0)
    by_channel: dict[str, list[str]] = {}
    for doc in webhook.deliveries.values():
        by_channel.setdefault(doc["channel"], []).append(doc["case"]["playbook"])
    assert {k: sorted(v) for k, v in by_channel.items()} == {
        "all-medium": ["vuln-software", "webshell"], "high-only": ["webshell"],
        "vuln-only": ["vuln-software"]}


def test_receiver_down_then_up_queued_then_sent_once(store: Store, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_HOOK_SECRET", "s3cret-hook")
    receiver = WebhookReceiver(secret="s3cret-hook", port=free_port())  # not started: refused
    config = config_at(write_config(tmp_path, [hook_channel(receiver.url, min_severity="medium")]))
    add_cases(store, config, [asset(1), asset(2)], [webshell("web-001"), vulnerable("web-002")])
    down = notify_new_cases(store, config)
    assert (down.enqueued, down.sent, down.failed, down.queued) == (2, 0, 0, 2)
    assert down.unreachable and "hook" in down.errors[0]
    with receiver:
        receiver.fail_next = [503]
        flaky = notify_new_cases(store, config)
        assert (flaky.sent, flaky.queued, flaky.unreachable) == (0, 2, True)
        up = notify_new_cases(store, config)
        assert (up.enqueued, up.sent, up.queued, up.unreachable) == (0, 2, 0, False)
        assert notify_new_cases(store, config).sent == 0
    assert len(receiver.deliveries) == 2 and receiver.repeats == 0
    assert len(receiver.accepted) == 2
    items = queue.items(store.conn)
    assert {i.status for i in items} == {"sent"}
    assert max(i.attempts for i in items) == 3  # refused, 503, then delivered


def test_timeout_leaves_message_queued(store: Store, tmp_path: Path,
                                       webhook: WebhookReceiver) -> None:
    config = config_at(write_config(tmp_path, [hook_channel(webhook.url, timeout=0.3)]))
    add_cases(store, config, [asset(1)], [webshell("web-001")])
    webhook.delay = 1.0
    slow = notify_new_cases(store, config)
    assert (slow.sent, slow.queued, slow.unreachable) == (0, 1, True)
    assert "Timeout" in slow.errors[0]
    webhook.delay = 0.0
    assert notify_new_cases(store, config).sent == 1
    # The slow receiver still accepts the first try when it wakes: the same delivery id twice.
    for _ in range(100):
        if len(webhook.requests) == 2:
            break
        time.sleep(0.05)
    assert len(webhook.deliveries) == 1 and webhook.repeats == 1


def test_telegram_401_fails_without_retry(store: Store, tmp_path: Path, telegram: TelegramStandIn,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_TG_TOKEN", "999:wrong-token-value-abcdef")
    config = config_at(write_config(tmp_path, [tg_channel(telegram)]))
    add_cases(store, config, [asset(1), asset(2)], [webshell("web-001"), webshell("web-002")])
    result = notify_new_cases(store, config)
    assert (result.sent, result.failed, result.queued, result.unreachable) == (0, 2, 0, False)
    assert "tg" in result.errors[0] and "401" in result.errors[0]
    assert len(telegram.requests) == 1  # one refused request, not one per message
    assert notify_new_cases(store, config).failed == 0
    assert len(telegram.requests) == 1  # failed messages are not retried by later runs
    problems = queue.items(store.conn, problems=True)
    assert len(problems) == 2 and all("Telegram refused" in (p.last_error or "") for p in problems)
    # Once the token is fixed, --retry-failed (here the library call) sends them.
    from csirt_kit.notify.dispatch import retry_failed

    monkeypatch.setenv("CSIRT_TEST_TG_TOKEN", telegram.token)
    config = config_at(write_config(tmp_path, [tg_channel(telegram)]))
    assert retry_failed(store) == 2
    assert notify_new_cases(store, config).sent == 2
    assert len(telegram.messages) == 2


def test_telegram_chat_not_found_fails_that_message(store: Store, tmp_path: Path,
                                                    telegram: TelegramStandIn) -> None:
    config = config_at(write_config(tmp_path, [tg_channel(telegram, chat_id=-42)]))
    add_cases(store, config, [asset(1)], [webshell("web-001")])
    result = notify_new_cases(store, config)
    assert (result.sent, result.failed) == (0, 1)
    assert "chat not found" in result.errors[0]


def test_killed_after_acceptance_repeats_with_same_delivery_id(
        store: Store, tmp_path: Path, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    config = config_at(write_config(tmp_path, [hook_channel(webhook.url)]))
    add_cases(store, config, [asset(1)], [webshell("web-001")])

    def killed(*_args: object) -> None:
        raise KeyboardInterrupt  # the process dies between acceptance and the record

    monkeypatch.setattr(queue, "mark_sent", killed)
    with pytest.raises(KeyboardInterrupt):
        notify_new_cases(store, config)
    monkeypatch.undo()
    monkeypatch.setenv("CSIRT_TEST_HOOK_SECRET", webhook.secret or "")
    assert notify_new_cases(store, config).sent == 1
    assert len(webhook.accepted) == 2
    assert len(webhook.deliveries) == 1 and webhook.repeats == 1
    assert notify_new_cases(store, config).sent == 0


def test_closed_case_is_not_news_and_old_cases_are_not_sent(store: Store, tmp_path: Path,
                                                            telegram: TelegramStandIn) -> None:
    config = config_at(write_config(tmp_path, [tg_channel(telegram)]))
    add_cases(store, config, [asset(1), asset(2)], [webshell("web-001"), webshell("web-002")])
    from csirt_kit.cases.actions import close_case

    close_case(store, "webshell:web-002", "FalsePositive", "test file")
    result = notify_new_cases(store, config)
    assert result.sent == 1
    assert "Situs 1" in telegram.messages[0]["text"]


def test_second_sender_skips_instead_of_waiting(file_store: Store, tmp_path: Path,
                                                telegram: TelegramStandIn) -> None:
    import fcntl
    import os

    config = config_at(write_config(tmp_path, [tg_channel(telegram)]))
    add_cases(file_store, config, [asset(1)], [webshell("web-001")])
    fd = os.open(file_store.folder / "notify-send.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process is sending
        busy = notify_new_cases(file_store, config)
        assert (busy.enqueued, busy.sent, busy.queued, busy.busy) == (1, 0, 1, True)
        assert telegram.requests == []
    finally:
        os.close(fd)
    done = notify_new_cases(file_store, config)
    assert (done.sent, done.queued, done.busy) == (1, 0, False)


def test_removed_channel_keeps_its_messages_queued(store: Store, tmp_path: Path,
                                                   telegram: TelegramStandIn,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSIRT_TEST_TG_TOKEN")
    config = config_at(write_config(tmp_path, [tg_channel(telegram)]))
    add_cases(store, config, [asset(1)], [webshell("web-001")])
    missing = notify_new_cases(store, config)
    assert (missing.sent, missing.queued, missing.misconfigured) == (0, 1, True)
    assert "CSIRT_TEST_TG_TOKEN" in missing.errors[0]
    empty = config_at(write_config(tmp_path, []))
    assert notify_new_cases(store, empty).queued == 1
    assert [i.status for i in queue.items(store.conn)] == ["pending"]


def test_a_sender_bug_fails_the_message_not_the_run(store: Store, tmp_path: Path,
                                                   telegram: TelegramStandIn,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from csirt_kit.notify import senders

    def broken(*_args: object) -> None:
        raise ValueError("boom")

    monkeypatch.setitem(senders.SENDERS, "telegram", broken)
    config = config_at(write_config(tmp_path, [tg_channel(telegram)]))
    add_cases(store, config, [asset(1)], [webshell("web-001")])
    result = notify_new_cases(store, config)
    assert (result.sent, result.failed) == (0, 1)
    assert "internal error: ValueError: boom" in result.errors[0]


def test_subject_is_one_line_even_with_odd_asset_names(store: Store, tmp_path: Path,
                                                       webhook: WebhookReceiver) -> None:
    from dataclasses import replace

    config = config_at(write_config(tmp_path, [hook_channel(webhook.url)]))
    add_cases(store, config, [replace(asset(1), name="Situs\r\nBaru")], [webshell("web-001")])
    assert notify_new_cases(store, config).sent == 1
    (doc,) = webhook.deliveries.values()
    assert doc["subject"] == "[HIGH] New case: Web shell on Situs Baru"


def test_check_names_unset_secret_variables(tmp_path: Path) -> None:
    from csirt_kit.notify.channels import check

    config = config_at(write_config(tmp_path, [
        {"name": "tg", "type": "telegram", "bot_token_env": "TG_TOKEN", "chat_id": 1},
        {"name": "hook", "type": "webhook", "url": "https://x.kota.go.id/h"},  # unsigned: no secret
        {"name": "off", "type": "slack", "url_env": "SLACK_URL", "enabled": False},
        {"name": "mail", "type": "smtp", "host": "h", "from": "a@x", "to": ["b@x"],
         "username": "u", "password_env": "SMTP_PW"}]))
    assert check(config, env={"SMTP_PW": "x"}) == [
        "notify channel tg: environment variable TG_TOKEN (bot_token_env) is not set"]
    assert check(config, env={"SMTP_PW": "x", "TG_TOKEN": "y"}) == []
