"""SMTP (STARTTLS, AUTH LOGIN), signed webhooks, Slack and daily digests."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import timedelta
from pathlib import Path

import pytest

from csirt_kit.notify import notify_new_cases, queue
from csirt_kit.notify.senders import signature
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso, utcnow
from tests.emulators.notify import SlackStandIn, SmtpReceiver, WebhookReceiver, free_port
from tests.notify.conftest import SMTP_USER, WEBHOOK_SECRET
from tests.notify.helpers import add_cases, asset, config_at, vulnerable, webshell, write_config


def smtp_channel(server: SmtpReceiver, cert: Path, **extra: object) -> dict[str, object]:
    return {"name": "mail", "type": "smtp", "host": "127.0.0.1", "port": server.port,
            "starttls": True, "username": SMTP_USER, "password_env": "CSIRT_TEST_SMTP_PASSWORD",
            "from": "csirt-bot@kota.go.id", "to": ["csirt@kota.go.id", "soc@kota.go.id"],
            "cafile": str(cert), "timeout": 5, **extra}


def test_smtp_starttls_and_login(store: Store, tmp_path: Path, smtp: SmtpReceiver,
                                 smtp_cert: tuple[Path, Path]) -> None:
    config = config_at(write_config(tmp_path, [smtp_channel(smtp, smtp_cert[0], lang="id")]))
    add_cases(store, config, [asset(1)], [webshell("web-001")])
    result = notify_new_cases(store, config)
    assert (result.sent, result.failed, result.queued) == (1, 0, 0), result.errors
    (mail,) = smtp.mails
    assert mail.tls and mail.login == SMTP_USER
    assert smtp.handler.mechanisms == ["LOGIN"]
    assert mail.rcpt_tos == ["csirt@kota.go.id", "soc@kota.go.id"]
    msg = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert msg["Subject"] == "[TINGGI] Kasus baru: Web shell pada Situs 1"
    (item,) = queue.items(store.conn)
    assert msg["Message-ID"] == f"<{item.delivery_id}@csirt-kit>"
    body = msg.get_body().get_content()  # type: ignore[union-attr]
    assert "Perangkat daerah: Dinas 1" in body
    assert notify_new_cases(store, config).sent == 0 and len(smtp.mails) == 1


def test_smtp_wrong_password_fails_not_retried(store: Store, tmp_path: Path, smtp: SmtpReceiver,
                                               smtp_cert: tuple[Path, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_SMTP_PASSWORD", "not-the-password")
    config = config_at(write_config(tmp_path, [smtp_channel(smtp, smtp_cert[0])]))
    add_cases(store, config, [asset(1), asset(2)], [webshell("web-001"), webshell("web-002")])
    result = notify_new_cases(store, config)
    assert (result.sent, result.failed, result.queued) == (0, 2, 0)
    assert "mail" in result.errors[0] and "refused the login (535)" in result.errors[0]
    assert len(smtp.handler.mechanisms) == 1
    assert notify_new_cases(store, config).failed == 0
    assert len(smtp.handler.mechanisms) == 1 and smtp.mails == []
    stored = json.dumps([i.to_dict() for i in queue.items(store.conn)])
    assert "not-the-password" not in stored + json.dumps(result.to_dict())


def test_smtp_untrusted_certificate_is_refused(store: Store, tmp_path: Path, smtp: SmtpReceiver,
                                               smtp_cert: tuple[Path, Path]) -> None:
    channel = smtp_channel(smtp, smtp_cert[0])
    del channel["cafile"]  # the system CAs do not know our self-signed certificate
    config = config_at(write_config(tmp_path, [channel]))
    add_cases(store, config, [asset(1)], [webshell("web-001")])
    result = notify_new_cases(store, config)
    assert (result.sent, result.failed) == (0, 1)
    assert "TLS" in result.errors[0] and smtp.handler.mechanisms == []


def test_smtp_temporary_then_permanent_answers(store: Store, tmp_path: Path, smtp: SmtpReceiver,
                                               smtp_cert: tuple[Path, Path]) -> None:
    config = config_at(write_config(tmp_path, [smtp_channel(smtp, smtp_cert[0],
                                                             min_severity="medium")]))
    add_cases(store, config, [asset(1), asset(2)], [webshell("web-001"), vulnerable("web-002")])
    smtp.handler.fail_next = ["451 4.3.0 Try again later"]
    busy = notify_new_cases(store, config)
    assert (busy.sent, busy.queued, busy.unreachable) == (0, 2, True)
    smtp.handler.fail_next = ["554 5.7.1 Rejected by policy"]
    mixed = notify_new_cases(store, config)
    assert (mixed.sent, mixed.failed, mixed.queued) == (1, 1, 0)
    assert len(smtp.mails) == 1


def test_smtp_server_down_queues(store: Store, tmp_path: Path, smtp_cert: tuple[Path, Path],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_SMTP_PASSWORD", "x")
    down = {"name": "mail", "type": "smtp", "host": "127.0.0.1", "port": free_port(),
            "from": "a@kota.go.id", "to": ["b@kota.go.id"], "timeout": 1}
    config = config_at(write_config(tmp_path, [down]))
    add_cases(store, config, [asset(1)], [webshell("web-001")])
    result = notify_new_cases(store, config)
    assert (result.sent, result.queued, result.unreachable) == (0, 1, True)
    assert "unreachable" in result.errors[0]


def test_webhook_body_is_signed_and_carries_the_case(store: Store, tmp_path: Path,
                                                     webhook: WebhookReceiver) -> None:
    config = config_at(write_config(tmp_path, [{
        "name": "hook", "type": "webhook", "url": webhook.url + "/in", "secret_env": "CSIRT_TEST_HOOK_SECRET"}]))
    add_cases(store, config, [asset(1, owner="Dinas Kominfo")], [webshell("web-001")])
    assert notify_new_cases(store, config).sent == 1
    (req,) = webhook.accepted
    assert req.headers["x-csirt-signature"] == signature(WEBHOOK_SECRET, req.body)
    assert req.headers["x-csirt-event"] == "case.opened"
    doc = req.json
    assert doc["delivery_id"] == req.headers["x-csirt-delivery"]
    assert doc["case"]["key"] == "webshell:web-001"
    assert doc["case"]["department"] == "Dinas Kominfo"
    assert doc["case"]["severity"] == "high" and doc["channel"] == "hook"


def test_webhook_wrong_secret_is_refused_once(store: Store, tmp_path: Path, webhook: WebhookReceiver,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_HOOK_SECRET", "an-old-secret-value")
    config = config_at(write_config(tmp_path, [{
        "name": "hook", "type": "webhook", "url": webhook.url + "/in", "secret_env": "CSIRT_TEST_HOOK_SECRET"}]))
    add_cases(store, config, [asset(1), asset(2)], [webshell("web-001"), webshell("web-002")])
    result = notify_new_cases(store, config)
    assert (result.sent, result.failed) == (0, 2)
    assert len(webhook.requests) == 1 and webhook.deliveries == {}
    assert "refused the credentials (HTTP 401)" in result.errors[0]


def test_slack_posts_text(store: Store, tmp_path: Path, slack: SlackStandIn) -> None:
    config = config_at(write_config(tmp_path, [{
        "name": "team", "type": "slack", "url_env": "CSIRT_TEST_SLACK_URL", "lang": "en"}]))
    add_cases(store, config, [asset(1)], [webshell("web-001")])
    assert notify_new_cases(store, config).sent == 1
    assert slack.texts[0].startswith("[HIGH] New case: Web shell on Situs 1\n")


def test_slack_unknown_hook_fails_with_channel_name(store: Store, tmp_path: Path, slack: SlackStandIn,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_TEST_SLACK_URL", slack.url + "/services/T000/B000/REVOKED")
    config = config_at(write_config(tmp_path, [{
        "name": "team", "type": "slack", "url_env": "CSIRT_TEST_SLACK_URL"}]))
    add_cases(store, config, [asset(1)], [webshell("web-001")])
    result = notify_new_cases(store, config)
    assert result.failed == 1 and "channel team" in result.errors[0] and "404" in result.errors[0]
    assert "REVOKED" not in json.dumps(result.to_dict())  # the URL is a secret


def test_daily_digest_per_department(store: Store, tmp_path: Path, webhook: WebhookReceiver) -> None:
    config = config_at(write_config(tmp_path, [{
        "name": "opd", "type": "webhook", "url": webhook.url + "/digest", "digest": True,
        "min_severity": "medium", "backfill_hours": 72, "lang": "id",
        "secret_env": "CSIRT_TEST_HOOK_SECRET"}]))
    add_cases(store, config, [asset(1, owner="Dinas A"), asset(2, owner="Dinas A"),
                              asset(3, owner="Dinas B")],
              [webshell("web-001"), vulnerable("web-002"), webshell("web-003")])
    today = notify_new_cases(store, config)
    assert (today.enqueued, today.sent) == (0, 0)  # the day is not over yet
    tomorrow = iso(utcnow() + timedelta(days=1))
    result = notify_new_cases(store, config, now=tomorrow)
    assert (result.enqueued, result.sent) == (2, 2)
    docs = {d["digest"]["department"]: d for d in webhook.deliveries.values()}
    assert sorted(docs) == ["Dinas A", "Dinas B"]
    assert sorted(c["key"] for c in docs["Dinas A"]["digest"]["cases"]) == [
        "vuln-software:web-002", "webshell:web-001"]
    assert docs["Dinas B"]["subject"].startswith("Ringkasan harian untuk Dinas B, ")
    assert docs["Dinas B"]["subject"].endswith(": 1 kasus baru")
    assert notify_new_cases(store, config, now=tomorrow).enqueued == 0


def test_slack_text_is_escaped(store: Store, tmp_path: Path, slack: SlackStandIn) -> None:
    from dataclasses import replace

    config = config_at(write_config(tmp_path, [{
        "name": "team", "type": "slack", "url_env": "CSIRT_TEST_SLACK_URL"}]))
    add_cases(store, config, [replace(asset(1), name="Dinas <PU> & Tata Ruang")], [webshell("web-001")])
    assert notify_new_cases(store, config).sent == 1
    assert "Web shell on Dinas &lt;PU&gt; &amp; Tata Ruang" in slack.texts[0]
