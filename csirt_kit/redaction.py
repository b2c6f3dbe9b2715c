"""The one place that keeps secrets out of output, logs, errors and JSON."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()

# Credentials that may appear in text we did not build ourselves (server error
# bodies, exception strings from requests): mask them even if never registered.
# Each pattern comes with a lower-case keyword that must occur for it to apply, so a large
# document without credentials costs one lower() and a few substring checks.
_PATTERNS = [
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:bearer\s+|basic\s+)?)[^\s\"',}]+"),
    re.compile(r"(?i)((?:api[_-]?key|apikey|token|password|passwd|secret)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}&]+"),
    re.compile(r"(?i)(https?://[^/\s:@]+:)[^@\s/]+(@)"),
    re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"),
]
_KEYWORDS = [("authorization",), ("key", "token", "password", "passwd", "secret"), ("@",),
             ("/bot",)]


def register_secret(value: str | None) -> None:
    """Remember a secret so that every later redact() masks it."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def forget_secrets() -> None:
    """Drop every registered secret (tests use it between cases)."""
    with _lock:
        _secrets.clear()


def redact(text: str) -> str:
    """Return text with every registered secret and credential pattern masked."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    lowered = text.lower()
    for pattern, keywords in zip(_PATTERNS, _KEYWORDS, strict=True):
        if not any(k in lowered for k in keywords):
            continue
        if pattern.groups == 2:
            text = pattern.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2)}", text)
        else:
            text = pattern.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return text


def redact_obj(value: Any) -> Any:
    """Redact every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_obj(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_obj(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the rendered message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redact it, and drop the arguments."""
        record.msg = redact(record.getMessage())
        record.args = None
        return True
