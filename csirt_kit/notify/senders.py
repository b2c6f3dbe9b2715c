"""Deliver one message over Telegram, SMTP, a JSON webhook or a Slack-compatible webhook.

Each sender returns when the receiver accepted the message, raises `Retry` when a later run
may succeed (network error, timeout, 5xx, 429) and `Refused` when it will not until someone
fixes something (401/403, other 4xx, a malformed answer, a certificate that does not verify).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

import requests

from csirt_kit import __version__
from csirt_kit.config import Config
from csirt_kit.notify.channels import Channel, secret
from csirt_kit.notify.texts import Message
from csirt_kit.redaction import redact, register_secret

TELEGRAM_LIMIT = 4096
_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")
USER_AGENT = f"csirt-kit/{__version__}"


class DeliveryError(Exception):
    """A send that did not reach the receiver."""


class Retry(DeliveryError):
    """Transient: leave the message queued for the next run."""


class Refused(DeliveryError):
    """Permanent until fixed: mark the message failed, do not retry."""

    def __init__(self, message: str, auth: bool = False) -> None:
        super().__init__(message)
        self.auth = auth  # the credentials were refused: every other message would be too


def signature(key: str, body: bytes) -> str:
    """The X-Csirt-Signature header value: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _verify(channel: Channel) -> bool | str:
    cafile = channel.opt("cafile")
    return str(cafile) if cafile else channel.verify_tls


def _post(channel: Channel, url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    try:
        return requests.post(url, data=body, timeout=channel.timeout, allow_redirects=False,
                             verify=_verify(channel),
                             headers={"User-Agent": USER_AGENT, "Content-Type": "application/json",
                                      **headers})
    except requests.exceptions.SSLError as exc:
        raise Refused(f"TLS check failed: {redact(str(exc))[:200]}") from None
    except requests.Timeout:
        raise Retry(f"unreachable: no answer from {urlsplit(url).netloc} within"
                    f" {channel.timeout:g} s (Timeout)") from None
    except requests.RequestException as exc:
        found = _ERRNO.search(str(exc))
        reason = found.group(0) if found else f"{type(exc).__name__}: {redact(str(exc))[:160]}"
        raise Retry(f"unreachable: cannot connect to {urlsplit(url).netloc}: {reason}") from None


def _classify(resp: requests.Response, what: str) -> None:
    code = resp.status_code
    if 200 <= code < 300:
        return
    detail = redact(resp.text[:200].strip())
    if code in (408, 429) or code >= 500:
        raise Retry(f"{what} answered HTTP {code}: {detail}")
    if code in (401, 403):
        raise Refused(f"{what} refused the credentials (HTTP {code}): {detail}", auth=True)
    raise Refused(f"{what} refused the message (HTTP {code}): {detail}")


def send_telegram(config: Config, channel: Channel, message: Message, delivery_id: str) -> None:
    """Bot API sendMessage; the answer is {"ok": true, ...} or {"ok": false, "error_code": ...}."""
    token = secret(config, channel, "bot_token_env")
    url = f"{str(channel.opt('api_url')).rstrip('/')}/bot{token}/sendMessage"
    body = json.dumps({"chat_id": channel.opt("chat_id"), "text": message.text[:TELEGRAM_LIMIT],
                       "disable_web_page_preview": True}, ensure_ascii=False).encode("utf-8")
    resp = _post(channel, url, body, {})
    try:
        answer = resp.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict) and answer.get("ok") is True and 200 <= resp.status_code < 300:
        return
    if not isinstance(answer, dict) or "ok" not in answer:
        _classify(resp, "Telegram")
        raise Refused(f"Telegram gave an answer that is not the Bot API's (HTTP {resp.status_code});"
                      " check api_url")
    code = int(answer.get("error_code") or resp.status_code)
    text = redact(str(answer.get("description", ""))[:200])
    if code == 429 or code >= 500:
        raise Retry(f"Telegram answered {code}: {text}")
    if code in (401, 403):
        raise Refused(f"Telegram refused the bot token or chat ({code}): {text}", auth=True)
    raise Refused(f"Telegram refused the message ({code}): {text}")


def send_webhook(config: Config, channel: Channel, message: Message, delivery_id: str) -> None:
    """POST the JSON document, signed when secret_env is set."""
    doc = {**message.document, "delivery_id": delivery_id, "channel": channel.name,
           "subject": message.subject, "text": message.text}
    body = json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")
    headers = {"X-Csirt-Delivery": delivery_id, "X-Csirt-Event": str(doc.get("event", ""))}
    if channel.opt("secret_env"):
        headers["X-Csirt-Signature"] = signature(secret(config, channel, "secret_env"), body)
    _classify(_post(channel, str(channel.opt("url")), body, headers), "the webhook")


def send_slack(config: Config, channel: Channel, message: Message, delivery_id: str) -> None:
    """POST {"text": ...} to a Slack-compatible incoming webhook."""
    url = secret(config, channel, "url_env")
    path = urlsplit(url).path
    if len(path) > 8:
        register_secret(path)  # error texts from requests name the path without the host
    # Slack reads &, < and > as markup; names from the inventory must show as written.
    text = message.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")
    _classify(_post(channel, url, body, {}), "the Slack webhook")


def _tls_context(channel: Channel) -> ssl.SSLContext:
    cafile = channel.opt("cafile")
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    if not channel.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def send_smtp(config: Config, channel: Channel, message: Message, delivery_id: str) -> None:
    """One e-mail: STARTTLS and login when configured; Message-ID from the delivery id."""
    password = secret(config, channel, "password_env") if channel.opt("username") else ""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = str(channel.opt("from"))
    mail["To"] = ", ".join(channel.opt("to"))
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = f"<{delivery_id}@csirt-kit>"
    mail.set_content(message.text)
    host, port = str(channel.opt("host")), int(channel.opt("port"))
    try:
        with smtplib.SMTP(host, port, timeout=channel.timeout) as smtp:
            smtp.ehlo()
            if channel.opt("starttls"):
                smtp.starttls(context=_tls_context(channel))
                smtp.ehlo()
            if channel.opt("username"):
                smtp.login(str(channel.opt("username")), password)
            smtp.send_message(mail)
    except smtplib.SMTPNotSupportedError as exc:
        raise Refused(f"SMTP server {host}:{port} does not offer it: {redact(str(exc))}") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise Refused(f"SMTP server {host}:{port} refused the login ({exc.smtp_code})",
                      auth=True) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise Refused(f"SMTP server {host}:{port} refused the recipients"
                      f" {', '.join(exc.recipients)}") from None
    except smtplib.SMTPResponseException as exc:
        text = f"SMTP server {host}:{port} answered {exc.smtp_code}: {redact(str(exc.smtp_error))[:200]}"
        raise (Refused(text) if exc.smtp_code >= 500 else Retry(text)) from None
    except ssl.SSLError as exc:
        raise Refused(f"TLS with SMTP server {host}:{port} failed: {redact(str(exc))[:200]}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise Retry(f"SMTP server {host}:{port} unreachable: {type(exc).__name__}:"
                    f" {redact(str(exc))[:200]}") from None


SENDERS: dict[str, Callable[[Config, Channel, Message, str], None]] = {
    "telegram": send_telegram, "smtp": send_smtp, "webhook": send_webhook, "slack": send_slack,
}
