"""Loopback receivers and a store file shared by the CLI in each notification test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulators.notify import (
    SlackStandIn,
    SmtpReceiver,
    TelegramStandIn,
    WebhookReceiver,
    self_signed_cert,
)
from tests.notify.helpers import CHAT, TOKEN

SMTP_USER, SMTP_PASSWORD = "csirt-bot", "smtp-pass-Rahasia-42"
WEBHOOK_SECRET = "hook-secret-Rahasia-77"


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch) -> Iterator[TelegramStandIn]:
    """A Telegram Bot API stand-in; the bot token in CSIRT_TEST_TG_TOKEN."""
    monkeypatch.setenv("CSIRT_TEST_TG_TOKEN", TOKEN)
    with TelegramStandIn(TOKEN, chats=(CHAT,)) as server:
        yield server


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    """A webhook receiver that checks the signature; the key in CSIRT_TEST_HOOK_SECRET."""
    monkeypatch.setenv("CSIRT_TEST_HOOK_SECRET", WEBHOOK_SECRET)
    with WebhookReceiver(secret=WEBHOOK_SECRET) as server:
        yield server


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackStandIn]:
    """A Slack-compatible incoming webhook; its URL (a secret) in CSIRT_TEST_SLACK_URL."""
    server = SlackStandIn()
    monkeypatch.setenv("CSIRT_TEST_SLACK_URL", server.url + server.path)
    with server:
        yield server


@pytest.fixture(scope="session")
def smtp_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, generated once per test session."""
    return self_signed_cert(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def smtp(smtp_cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpReceiver]:
    """aiosmtpd requiring STARTTLS and AUTH LOGIN; the password in CSIRT_TEST_SMTP_PASSWORD."""
    monkeypatch.setenv("CSIRT_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    with SmtpReceiver(*smtp_cert, username=SMTP_USER, password=SMTP_PASSWORD) as server:
        yield server
