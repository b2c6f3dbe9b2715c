"""`[[notify.channels]]` entries: read, validate and resolve their secrets.

Keys of every entry (defaults in brackets): ``name``, ``type`` (telegram | smtp | webhook |
slack), ``enabled`` [true], ``playbooks`` [[] = all], ``min_severity`` ["high"], ``lang``
[general.lang: "id" or "en"], ``digest`` [false: one message per new case; true: one daily
digest per department instead], ``timeout`` [10 s], ``backfill_hours`` [24: cases opened this
long before the channel first ran still get a message], ``max_per_run`` [100], ``verify_tls``
[true], ``cafile`` [system CAs: a CA bundle for a private CA].

Per type: telegram ``bot_token_env``, ``chat_id``, ``api_url`` [https://api.telegram.org];
smtp ``host``, ``port`` [587, or 25 without STARTTLS], ``starttls`` [true], ``username``,
``password_env``, ``from``, ``to`` (list); webhook ``url``, ``secret_env``
(optional HMAC-SHA256 key); slack ``url_env`` (the incoming-webhook URL is itself a secret).
Secrets are only ever named by environment variable and registered for redaction.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.config import Config
from csirt_kit.errors import ConfigError
from csirt_kit.models import SEVERITIES

log = logging.getLogger(__name__)

TYPES = ("telegram", "smtp", "webhook", "slack")
LANGS = ("id", "en")
COMMON_KEYS = {"name", "type", "enabled", "playbooks", "min_severity", "lang", "digest",
               "timeout", "backfill_hours", "max_per_run", "verify_tls", "cafile"}
TYPE_KEYS: dict[str, set[str]] = {
    "telegram": {"bot_token_env", "chat_id", "api_url"},
    "smtp": {"host", "port", "starttls", "username", "password_env", "from", "to"},
    "webhook": {"url", "secret_env"},
    "slack": {"url_env"},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "telegram": ("bot_token_env", "chat_id"),
    "smtp": ("host", "from", "to"),
    "webhook": ("url",),
    "slack": ("url_env",),
}
TELEGRAM_API = "https://api.telegram.org"


@dataclass(frozen=True)
class Channel:
    """One validated notification channel."""

    name: str
    type: str
    lang: str = "en"
    playbooks: tuple[str, ...] = ()
    min_severity: str = "high"
    digest: bool = False
    enabled: bool = True
    timeout: float = 10.0
    backfill_hours: float = 24.0
    max_per_run: int = 100
    verify_tls: bool = True
    options: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def opt(self, key: str, default: Any = None) -> Any:
        """A type-specific option."""
        return self.options.get(key, default)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (option values only: secrets are variable names)."""
        return {"name": self.name, "type": self.type, "lang": self.lang,
                "playbooks": list(self.playbooks), "min_severity": self.min_severity,
                "digest": self.digest, "enabled": self.enabled, "options": dict(self.options)}


def _fail(config: Config, label: str, key: str, what: str, fix: str) -> ConfigError:
    return ConfigError(f"notify.channels {label}: {key}: {what}", where=config.where(), fix=fix)


def _check_types(config: Config, label: str, entry: Mapping[str, Any]) -> None:
    bools = ("enabled", "digest", "verify_tls", "starttls")
    for key in bools:
        if key in entry and not isinstance(entry[key], bool):
            raise _fail(config, label, key, f"expected true or false, got {entry[key]!r}",
                        f"write {key} = true or {key} = false")
    for key in ("timeout", "backfill_hours"):
        value = entry.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise _fail(config, label, key, f"expected a positive number, got {value!r}",
                        f"e.g. {key} = 10")
    for key in ("max_per_run", "port"):
        value = entry.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise _fail(config, label, key, f"expected a positive whole number, got {value!r}",
                        f"e.g. {key} = 100" if key == "max_per_run" else "e.g. port = 587")
    for key in ("playbooks", "to"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise _fail(config, label, key, "expected a list of strings",
                        f'e.g. {key} = ["webshell"]' if key == "playbooks"
                        else 'e.g. to = ["csirt@kota.go.id"]')


def parse_channel(config: Config, index: int, entry: Any, default_lang: str) -> Channel:
    """Validate one entry; ConfigError names the entry and key."""
    if not isinstance(entry, Mapping):
        raise ConfigError(f"notify.channels.{index}: must be a table [[notify.channels]]",
                          where=config.where())
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"notify.channels.{index}: every channel needs a name",
                          where=config.where(), fix='add name = "csirt-telegram"')
    label = f"{index} ({name})"
    kind = entry.get("type")
    if kind not in TYPES:
        raise _fail(config, label, "type", f"unknown type {kind!r}", f"use one of {', '.join(TYPES)}")
    unknown = sorted(set(entry) - COMMON_KEYS - TYPE_KEYS[kind])
    if unknown:
        raise _fail(config, label, unknown[0], f"unknown key for a {kind} channel",
                    f"known keys: {', '.join(sorted(COMMON_KEYS | TYPE_KEYS[kind]))}")
    for key in REQUIRED[kind]:
        if entry.get(key) in (None, "", []):
            raise _fail(config, label, key, f"required for a {kind} channel",
                        f"add {key} = ... to that entry")
    _check_types(config, label, entry)
    severity = entry.get("min_severity", "high")
    if severity not in SEVERITIES:
        raise _fail(config, label, "min_severity", f"unknown severity {severity!r}",
                    f"use one of {', '.join(SEVERITIES)}")
    lang = entry.get("lang", default_lang)
    if lang not in LANGS:
        raise _fail(config, label, "lang", f"unknown language {lang!r}", 'use "id" or "en"')
    options = {k: v for k, v in entry.items() if k in TYPE_KEYS[kind] or k == "cafile"}
    _check_options(config, label, kind, options)
    return Channel(
        name=name, type=kind, lang=lang, playbooks=tuple(entry.get("playbooks", [])),
        min_severity=severity, digest=entry.get("digest", False), enabled=entry.get("enabled", True),
        timeout=float(entry.get("timeout", 10.0)), backfill_hours=float(entry.get("backfill_hours", 24)),
        max_per_run=int(entry.get("max_per_run", 100)), verify_tls=entry.get("verify_tls", True),
        options=options)


def _check_options(config: Config, label: str, kind: str, options: dict[str, Any]) -> None:
    for key in ("url", "api_url"):
        url = options.get(key)
        if url is not None and (not isinstance(url, str)
                                or not url.startswith(("http://", "https://"))):
            raise _fail(config, label, key, f"not an http(s) URL: {url!r}",
                        'e.g. url = "https://hooks.kota.go.id/csirt"')
    if kind == "telegram":
        if not isinstance(options["chat_id"], str | int) or isinstance(options["chat_id"], bool):
            raise _fail(config, label, "chat_id", "expected a number or @channelname",
                        "e.g. chat_id = -1001234567890")
        options.setdefault("api_url", TELEGRAM_API)
    if kind == "smtp":
        options.setdefault("starttls", True)
        options.setdefault("port", 587 if options["starttls"] else 25)
        if options.get("username") and not options.get("password_env"):
            raise _fail(config, label, "password_env", "a username needs a password variable",
                        'add password_env = "CSIRT_SMTP_PASSWORD"')
        if options.get("username") and not options["starttls"]:
            raise _fail(config, label, "starttls",
                        "login without STARTTLS would send the password in clear text",
                        "set starttls = true (the relay must offer it)")


def load_channels(config: Config) -> list[Channel]:
    """Every configured channel, validated (names unique)."""
    raw = config.get("notify.channels", [])
    if not isinstance(raw, list):
        raise ConfigError("notify.channels: must be an array of tables [[notify.channels]]",
                          where=config.where())
    default_lang = str(config.get("general.lang", "en") or "en")
    if default_lang not in LANGS:
        default_lang = "en"
    channels = [parse_channel(config, i, entry, default_lang) for i, entry in enumerate(raw)]
    names = [c.name for c in channels]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"notify.channels: name {duplicates[0]!r} is used twice",
                          where=config.where(), fix="give every channel its own name")
    for channel in channels:
        if not channel.verify_tls:
            log.warning("notify channel %s: TLS certificate checks are off", channel.name)
    return channels


def get_channel(config: Config, name: str) -> Channel:
    """One channel by name (ConfigError lists the configured names)."""
    channels = load_channels(config)
    for channel in channels:
        if channel.name == name:
            return channel
    known = ", ".join(c.name for c in channels) or "none configured"
    raise ConfigError(f"no notification channel named {name!r} (known: {known})",
                      where=config.where(), fix="add a [[notify.channels]] entry with that name")


def secret(config: Config, channel: Channel, key: str) -> str:
    """The secret a channel names by variable (registered for redaction)."""
    return config.secret(str(channel.opt(key, "")), f"notify channel {channel.name} ({key})")


SECRET_ENV_KEYS = {"telegram": ("bot_token_env",), "smtp": ("password_env",),
                   "webhook": ("secret_env",), "slack": ("url_env",)}


def check(config: Config, env: Mapping[str, str] | None = None) -> list[str]:
    """Problems found without network, for `doctor`: every secret variable a channel names is set.

    Invalid entries raise ConfigError, as everywhere else.
    """
    env = os.environ if env is None else env
    problems = []
    for channel in load_channels(config):
        for key in SECRET_ENV_KEYS[channel.type] if channel.enabled else ():
            name = channel.opt(key)
            if name and not env.get(str(name)):
                problems.append(f"notify channel {channel.name}: environment variable {name}"
                                f" ({key}) is not set")
    return problems
