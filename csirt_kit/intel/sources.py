"""Configured intel sources: `[[intel.misp]]` servers and `[[intel.feeds]]`, validated.

MISP server keys (defaults): name, url, key_env, verify_tls (true), ca_file (""),
timeout (60 s read; connect is min(timeout, 10)), page_size (1000), tags ([]; "!tlp:red"
excludes), to_ids (unset: both), published (unset: both), types ([] = all),
max_age_days (0 = no limit), ttl_days (0 = never expire), sightings (false), enabled (true).

Feed keys (defaults): name, url or path, format (misp | csv | text), ttl_days (0 for
misp feeds, 30 for csv/text lists), max_age_days (0 = no limit), to_ids (true),
tags ([] added to every indicator), timeout (60), verify_tls (true), ca_file, enabled
(true); text lists: type ("" = detect per line); csv lists: delimiter (","), header
(true), value_column ("value"), type_column ("type"), type (fixed type, "" = column or
detect), comment_column ("comment").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from csirt_kit.config import Config
from csirt_kit.errors import ConfigError

FEED_FORMATS = ("misp", "csv", "text")
MISP_KEYS = frozenset({"name", "url", "key_env", "verify_tls", "ca_file", "timeout", "page_size", "tags",
                       "to_ids", "published", "types", "max_age_days", "ttl_days", "sightings", "enabled"})
FEED_KEYS = frozenset({"name", "url", "path", "format", "ttl_days", "max_age_days", "to_ids", "tags",
                       "timeout", "verify_tls", "ca_file", "type", "delimiter", "header", "value_column",
                       "type_column", "comment_column", "enabled", "parse_workers"})


@dataclass(frozen=True)
class MispServer:
    """One `[[intel.misp]]` entry."""

    name: str
    url: str
    key_env: str
    verify_tls: bool = True
    ca_file: str = ""
    timeout: float = 60.0
    page_size: int = 1000
    tags: tuple[str, ...] = ()
    to_ids: bool | None = None
    published: bool | None = None
    types: tuple[str, ...] = ()
    max_age_days: float = 0.0
    ttl_days: float = 0.0
    sightings: bool = False
    enabled: bool = True

    kind = "misp"

    @property
    def location(self) -> str:
        """Where the source lives (for messages and `intel sources`)."""
        return self.url


@dataclass(frozen=True)
class Feed:
    """One `[[intel.feeds]]` entry."""

    name: str
    format: str
    url: str = ""
    path: str = ""
    ttl_days: float = 0.0
    max_age_days: float = 0.0
    to_ids: bool = True
    tags: tuple[str, ...] = ()
    timeout: float = 60.0
    verify_tls: bool = True
    ca_file: str = ""
    type: str = ""
    delimiter: str = ","
    header: bool = True
    value_column: str = "value"
    type_column: str = "type"
    comment_column: str = "comment"
    enabled: bool = True
    sightings: bool = False
    # misp feeds: processes that parse events while this one writes. 0 (parse here) measured
    # as fast or faster on 2 cores (moving rows costs ~10 s CPU per million) and never forks
    # a process that may hold Dask client threads.
    parse_workers: int = 0

    @property
    def kind(self) -> str:
        """feed:misp, feed:csv or feed:text."""
        return f"feed:{self.format}"

    @property
    def location(self) -> str:
        """The URL or folder/file path."""
        return self.url or self.path


Source = MispServer | Feed


class _Entry:
    """Typed reads from one config entry, each error naming the entry and key."""

    def __init__(self, data: Mapping[str, Any], label: str, where: str, known: set[str]) -> None:
        self.data, self.label, self.where = data, label, where
        unknown = sorted(set(data) - known)
        if unknown:
            self.fail(unknown[0], "unknown key", f"known keys: {', '.join(sorted(known))}")

    def fail(self, key: str, problem: str, fix: str = "") -> None:
        raise ConfigError(f"{self.label}: {key}: {problem}", where=self.where, fix=fix)

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {value!r}")
        return str(value).strip()

    def flag(self, key: str, default: bool | None) -> bool | None:
        value = self.data.get(key, default)
        if value is not None and not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {value!r}")
        return value

    def number(self, key: str, default: float, minimum: float = 0.0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            self.fail(key, f"expected a number >= {minimum:g}, got {value!r}")
        return float(value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"expected a list of strings, got {value!r}")
        return tuple(value)


def _misp(data: Mapping[str, Any], i: int, where: str) -> MispServer:
    e = _Entry(data, f"intel.misp.{i} ({data.get('name', '?')})", where, set(MISP_KEYS))
    url = e.text("url")
    if not url.startswith(("http://", "https://")):
        e.fail("url", f"expected an http(s) URL, got {url!r}", 'e.g. url = "https://misp.example.go.id"')
    if not e.text("key_env"):
        e.fail("key_env", "missing", 'name the variable holding the API key: key_env = "CSIRT_MISP_KEY"')
    page_size = int(e.number("page_size", 1000, 1))
    return MispServer(
        name=e.text("name"), url=url.rstrip("/") + "/", key_env=e.text("key_env"),
        verify_tls=bool(e.flag("verify_tls", True)), ca_file=e.text("ca_file"),
        timeout=e.number("timeout", 60.0, 0.1), page_size=page_size, tags=e.strings("tags"),
        to_ids=e.flag("to_ids", None), published=e.flag("published", None),
        types=e.strings("types"), max_age_days=e.number("max_age_days", 0.0),
        ttl_days=e.number("ttl_days", 0.0), sightings=bool(e.flag("sightings", False)),
        enabled=bool(e.flag("enabled", True)),
    )


def _feed(data: Mapping[str, Any], i: int, where: str) -> Feed:
    e = _Entry(data, f"intel.feeds.{i} ({data.get('name', '?')})", where, set(FEED_KEYS))
    fmt = e.text("format", "misp").lower()
    if fmt not in FEED_FORMATS:
        e.fail("format", f"unknown format {fmt!r}", f"use one of: {', '.join(FEED_FORMATS)}")
    url, path = e.text("url"), e.text("path")
    if bool(url) == bool(path):
        e.fail("url/path", "give exactly one of url or path")
    if url and not url.startswith(("http://", "https://")):
        e.fail("url", f"expected an http(s) URL, got {url!r}", "or use path = for a local folder/file")
    delimiter = e.text("delimiter", ",") or ","
    if len(delimiter) != 1 and delimiter != "\\t":
        e.fail("delimiter", "expected one character")
    return Feed(
        name=e.text("name"), format=fmt, url=url, path=path,
        ttl_days=e.number("ttl_days", 0.0 if fmt == "misp" else 30.0),
        max_age_days=e.number("max_age_days", 0.0),
        to_ids=bool(e.flag("to_ids", True)), tags=e.strings("tags"),
        timeout=e.number("timeout", 60.0, 0.1), verify_tls=bool(e.flag("verify_tls", True)),
        ca_file=e.text("ca_file"), type=e.text("type"),
        delimiter="\t" if delimiter == "\\t" else delimiter, header=bool(e.flag("header", True)),
        value_column=e.text("value_column", "value"), type_column=e.text("type_column", "type"),
        comment_column=e.text("comment_column", "comment"), enabled=bool(e.flag("enabled", True)),
        parse_workers=int(e.number("parse_workers", 0)),
    )


@dataclass(frozen=True)
class WarninglistSettings:
    """`[intel.warninglists]`: enabled (true), ignore (list names not applied, [])."""

    enabled: bool = True
    ignore: frozenset[str] = frozenset()


def load_warninglist_settings(config: Config) -> WarninglistSettings:
    """The validated `[intel.warninglists]` table."""
    data = config.get("intel.warninglists", {}) or {}
    if not isinstance(data, Mapping):
        raise ConfigError("intel.warninglists: must be a table", where=config.where())
    e = _Entry(data, "intel.warninglists", config.where(), {"enabled", "ignore"})
    return WarninglistSettings(bool(e.flag("enabled", True)), frozenset(e.strings("ignore")))


def load_sources(config: Config) -> list[Source]:
    """Every configured source, validated; ConfigError names the bad entry and key."""
    where = config.where()
    out: list[Source] = []
    for i, data in enumerate(config.get("intel.misp", []) or []):
        out.append(_misp(data, i, where))
    for i, data in enumerate(config.get("intel.feeds", []) or []):
        out.append(_feed(data, i, where))
    names = [s.name for s in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"intel: source name {dupes[0]!r} is used twice", where=where,
                          fix="give every [[intel.misp]] and [[intel.feeds]] entry its own name")
    return out
