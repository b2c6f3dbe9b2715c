"""TOML config, CSIRT_KIT_* environment overrides, secrets by variable name.

Precedence, written down once: command-line flag > environment > file > default.
The file is ``--config``, else ``$CSIRT_KIT_CONFIG``, else ``config.toml`` in the
user config dir. ``CSIRT_KIT_SECTION__KEY`` overrides ``[section] key`` (nested
tables and array items by more ``__`` parts, e.g. ``CSIRT_KIT_INTEL__MISP__0__URL``);
the value takes the type of the default or file value it replaces (bool, int,
float, list split on commas), else it stays a string.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from csirt_kit.errors import ConfigError
from csirt_kit.redaction import register_secret

APP = "csirt-kit"
ENV_PREFIX = "CSIRT_KIT_"
# Variables with this prefix that are not config keys.
_ENV_NOT_KEYS = {"CSIRT_KIT_CONFIG"}
_ENV_NOT_KEY_PREFIXES = ("CSIRT_KIT_LIVE_", "CSIRT_KIT_TEST_")
# Keys that would hold a secret in the file: refused, the file names a variable instead.
_SECRET_KEYS = {"key", "apikey", "api_key", "password", "token", "secret"}

DEFAULTS: dict[str, Any] = {
    "general": {"city": "kota", "timezone": "Asia/Jakarta", "lang": "en"},
    "store": {"path": "", "busy_timeout": 30.0},
    "intel": {"misp": [], "feeds": []},
    "scan": {"rules": []},
    "cases": {"backend": "local"},
    "playbooks": {"paths": []},
}


@dataclass(frozen=True)
class Config:
    """The effective configuration and where each key came from."""

    data: Mapping[str, Any]
    origins: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = None

    def get(self, dotted: str, default: Any = None) -> Any:
        """Return the value at a dotted key such as ``store.path``."""
        node: Any = self.data
        for part in dotted.split("."):
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return default
        return node

    def section(self, name: str) -> dict[str, Any]:
        """Return a copy of one top-level table (empty if absent)."""
        value = self.data.get(name, {})
        return copy.deepcopy(value) if isinstance(value, dict) else {}

    @property
    def store_path(self) -> Path:
        """The SQLite store file; default in the user data dir."""
        configured = str(self.get("store.path") or "")
        if configured:
            return Path(configured).expanduser()
        return Path(platformdirs.user_data_dir(APP)) / "csirt.db"

    @property
    def timezone(self) -> str:
        """The zone times are shown in (stored times are always UTC)."""
        return str(self.get("general.timezone") or "Asia/Jakarta")

    def secret(self, key_env: str, server: str) -> str:
        """Read a secret from the variable a server entry names, and register it for redaction."""
        if not key_env:
            raise ConfigError(
                f"server {server!r} has no key_env", where=self.where(),
                fix="add key_env = \"NAME_OF_VARIABLE\" to its config entry",
            )
        value = os.environ.get(key_env, "")
        if not value:
            raise ConfigError(
                f"environment variable {key_env} (API key for {server!r}) is not set",
                fix=f"export {key_env}=... in the environment of csirt",
            )
        register_secret(value)
        return value

    def where(self) -> str:
        """A label for messages: the config file path or 'defaults'."""
        return str(self.path) if self.path else "config (defaults)"

    def flat(self) -> Iterator[tuple[str, Any, str]]:
        """Yield (dotted key, value, origin) for every leaf, for ``doctor``."""
        yield from _flatten(self.data, "", self.origins)


def _flatten(node: Any, prefix: str, origins: Mapping[str, str]) -> Iterator[tuple[str, Any, str]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _flatten(value, f"{prefix}{key}.", origins)
    elif isinstance(node, list) and node and all(isinstance(v, Mapping) for v in node):
        for i, value in enumerate(node):
            yield from _flatten(value, f"{prefix}{i}.", origins)
    else:
        key = prefix.rstrip(".")
        yield key, node, _origin_of(key, origins)


def _origin_of(key: str, origins: Mapping[str, str]) -> str:
    parts = key.split(".")
    while parts:
        found = origins.get(".".join(parts))
        if found:
            return found
        parts.pop()
    return "default"


def default_config_path() -> Path:
    """Where the config lives when neither --config nor $CSIRT_KIT_CONFIG is given."""
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def resolve_config_path(explicit: str | None, env: Mapping[str, str]) -> tuple[Path | None, bool]:
    """Return (path, required): required paths must exist."""
    if explicit:
        return Path(explicit).expanduser(), True
    if env.get("CSIRT_KIT_CONFIG"):
        return Path(env["CSIRT_KIT_CONFIG"]).expanduser(), True
    path = default_config_path()
    return (path, False) if path.exists() else (None, False)


def load_config(explicit: str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Load defaults, then the file, then environment overrides."""
    env = os.environ if env is None else env
    data = copy.deepcopy(DEFAULTS)
    origins: dict[str, str] = {}
    path, required = resolve_config_path(explicit, env)
    if path is not None:
        file_data = _read_toml(path, required)
        if file_data is not None:
            _refuse_literal_secrets(file_data, path, "")
            _merge(data, file_data, origins, f"file:{path}", "")
        elif not required:
            path = None
    _apply_env(data, env, origins)
    _check_basic(data, path)
    return Config(data=data, origins=origins, path=path)


def _read_toml(path: Path, required: bool) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError(
                "config file not found", where=str(path),
                fix="run `csirt init` to write one, or point --config at an existing file",
            ) from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc}", where=str(path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"invalid TOML: {exc}", where=str(path), fix="correct the syntax at that line",
        ) from None


def _refuse_literal_secrets(node: Any, path: Path, prefix: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key.lower() in _SECRET_KEYS and isinstance(value, str) and value:
                raise ConfigError(
                    f"{prefix}{key} holds a secret, and secrets are never stored in the config file",
                    where=str(path),
                    fix=f"remove it, export it as a variable and set {prefix}key_env = \"VARNAME\"",
                )
            _refuse_literal_secrets(value, path, f"{prefix}{key}.")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _refuse_literal_secrets(value, path, f"{prefix}{i}.")


def _merge(base: dict[str, Any], over: Mapping[str, Any], origins: dict[str, str],
           origin: str, prefix: str) -> None:
    for key, value in over.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value, origins, origin, f"{dotted}.")
        else:
            base[key] = copy.deepcopy(value)
            origins[dotted] = origin


def _apply_env(data: dict[str, Any], env: Mapping[str, str], origins: dict[str, str]) -> None:
    for name, raw in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or name in _ENV_NOT_KEYS:
            continue
        if name.startswith(_ENV_NOT_KEY_PREFIXES):
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX):].split("__") if p]
        if len(parts) < 2:
            raise ConfigError(
                f"environment variable {name} does not name a key",
                fix="use CSIRT_KIT_SECTION__KEY, e.g. CSIRT_KIT_STORE__PATH",
            )
        if parts[-1] in _SECRET_KEYS:
            raise ConfigError(
                f"environment variable {name} would put a secret in the config",
                fix="set key_env to the name of the variable that holds the secret",
            )
        _set_path(data, parts, raw, name)
        origins[".".join(parts)] = f"env:{name}"


def _set_path(data: dict[str, Any], parts: list[str], raw: str, name: str) -> None:
    node: Any = data
    for part in parts[:-1]:
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigError(f"environment variable {name}: no item {part} in that list")
            node = node[int(part)]
        else:
            node = node.setdefault(part, {})
            if not isinstance(node, dict | list):
                raise ConfigError(f"environment variable {name}: {part} is not a table")
    last = parts[-1]
    if isinstance(node, list):
        raise ConfigError(f"environment variable {name}: cannot replace a list of tables")
    node[last] = _coerce(raw, node.get(last), name)


def _coerce(raw: str, current: Any, name: str) -> Any:
    if isinstance(current, bool):
        low = raw.strip().lower()
        if low in {"1", "true", "yes", "on"}:
            return True
        if low in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"environment variable {name}: expected true or false, got {raw!r}")
    try:
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, float):
            return float(raw)
    except ValueError:
        raise ConfigError(
            f"environment variable {name}: expected a number, got {raw!r}"
        ) from None
    if isinstance(current, list):
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def _check_basic(data: Mapping[str, Any], path: Path | None) -> None:
    where = str(path) if path else "config"
    backend = data.get("cases", {}).get("backend", "local")
    if backend not in {"local", "thehive"}:
        raise ConfigError(
            f"cases.backend: unknown backend {backend!r}", where=where,
            fix='use "local" or "thehive"',
        )
    for section in ("misp", "feeds"):
        entries = data.get("intel", {}).get(section, [])
        if not isinstance(entries, list):
            raise ConfigError(f"intel.{section}: must be an array of tables [[intel.{section}]]",
                              where=where)
        names = [e.get("name") for e in entries if isinstance(e, dict)]
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or not entry.get("name"):
                raise ConfigError(f"intel.{section}.{i}: every entry needs a name", where=where)
        if len(set(names)) != len(names):
            raise ConfigError(f"intel.{section}: names must be unique", where=where)
    for key in ("scan.rules", "playbooks.paths"):
        sec, sub = key.split(".")
        value = data.get(sec, {}).get(sub, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key}: must be a list of paths", where=where)
