"""Loopback receivers for notifications: Telegram Bot API stand-in, signed-webhook receiver,
Slack-compatible incoming webhook, and an SMTP server (aiosmtpd) with STARTTLS and AUTH LOGIN.

Each HTTP receiver records what it accepted, can answer the next requests with injected
statuses (`fail_next`), can stall (`delay`), and can be stopped and started again on the same
port to play an outage.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.emulators.background import BackgroundHTTP


@dataclass
class Received:
    """One request a receiver accepted (or refused)."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HttpReceiver(BackgroundHTTP):
    """Base: POST handling, request log, injected statuses, outages."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.requests: list[Received] = []
        self.fail_next: list[int] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.status < 300]

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        raise NotImplementedError

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        with self._lock:
            injected = self.fail_next.pop(0) if self.fail_next else None
        if injected is not None:
            status, payload, ctype = injected, json.dumps({"error": "injected"}).encode(), "application/json"
        else:
            status, payload, ctype = self.answer(path, headers, body)
        with self._lock:
            self.requests.append(Received(path, headers, body, status))
        return status, payload, ctype

    def start(self) -> Self:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                status, payload, ctype = receiver._handle(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.serve(Handler, self.port)
        return self


def _json(status: int, doc: Any) -> tuple[int, bytes, str]:
    return status, json.dumps(doc).encode(), "application/json"


class TelegramStandIn(HttpReceiver):
    """`POST /bot<token>/sendMessage` with the Bot API's answer shapes."""

    def __init__(self, token: str, chats: tuple[str, ...] = ("-1001234567890",),
                 port: int | None = None) -> None:
        super().__init__(port)
        self.token = token
        self.chats = chats
        self.messages: list[dict[str, Any]] = []

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        prefix, _, method = path.lstrip("/").partition("/")
        if not prefix.startswith("bot") or method != "sendMessage":
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if prefix[3:] != self.token:
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        doc = json.loads(body)
        if str(doc.get("chat_id")) not in self.chats:
            return _json(400, {"ok": False, "error_code": 400,
                               "description": "Bad Request: chat not found"})
        if not doc.get("text"):
            return _json(400, {"ok": False, "error_code": 400,
                               "description": "Bad Request: message text is empty"})
        self.messages.append(doc)
        return _json(200, {"ok": True, "result": {
            "message_id": len(self.messages), "date": 1763870000,
            "chat": {"id": int(doc["chat_id"]), "type": "supergroup"}, "text": doc["text"]}})


class WebhookReceiver(HttpReceiver):
    """A JSON webhook that checks `X-Csirt-Signature` and drops repeats by delivery id."""

    def __init__(self, secret: str | None = None, port: int | None = None) -> None:
        super().__init__(port)
        self.secret = secret
        self.deliveries: dict[str, dict[str, Any]] = {}
        self.repeats = 0

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        if self.secret is not None:
            expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, headers.get("x-csirt-signature", "")):
                return _json(401, {"error": "bad signature"})
        delivery = headers.get("x-csirt-delivery", "")
        if not delivery:
            return _json(400, {"error": "no delivery id"})
        if delivery in self.deliveries:
            self.repeats += 1
        else:
            self.deliveries[delivery] = json.loads(body)
        return _json(200, {"received": delivery})


class SlackStandIn(HttpReceiver):
    """A Slack-compatible incoming webhook: `{"text": ...}` in, `ok` (text/plain) out."""

    def __init__(self, path: str = "/services/T000/B000/XXXXSECRETXXXX", port: int | None = None) -> None:
        super().__init__(port)
        self.path = path
        self.texts: list[str] = []

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        if path != self.path:
            return 404, b"no_service", "text/plain"
        doc = json.loads(body)
        if not isinstance(doc.get("text"), str) or not doc["text"]:
            return 400, b"no_text", "text/plain"
        self.texts.append(doc["text"])
        return 200, b"ok", "text/plain"


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made now with openssl (cert, key)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@dataclass
class Mail:
    """One e-mail the SMTP server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    login: str | None


@dataclass
class _SmtpHandler:
    mails: list[Mail] = field(default_factory=list)
    mechanisms: list[str] = field(default_factory=list)
    fail_next: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fail_next:
            return self.fail_next.pop(0)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                               session.ssl is not None, login))
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """aiosmtpd on loopback: STARTTLS required, AUTH LOGIN only, one user."""

    def __init__(self, cert: Path, key: Path, username: str, password: str) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        self.handler = _SmtpHandler()
        self.username, self.password = username, password
        self.port = free_port()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, tls_context=context,
            require_starttls=True, auth_required=True, auth_require_tls=True,
            auth_exclude_mechanism=["PLAIN"], authenticator=self._authenticate)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        self.handler.mechanisms.append(mechanism)
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.username
              and auth_data.password.decode() == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    @property
    def mails(self) -> list[Mail]:
        return self.handler.mails

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
