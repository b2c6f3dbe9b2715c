"""UTC timestamps for storage, zone-aware rendering for people."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from csirt_kit.errors import ConfigError


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def iso(dt: datetime | None = None) -> str:
    """An ISO 8601 UTC string with a Z suffix, to the second (microseconds when given)."""
    dt = (dt or utcnow()).astimezone(UTC)
    text = dt.isoformat(timespec="microseconds" if dt.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 string; naive values are taken as UTC."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def zone(name: str) -> ZoneInfo:
    """A ZoneInfo, with a config error for unknown names."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"general.timezone: unknown time zone {name!r}",
                          fix='use an IANA name such as "Asia/Jakarta"') from None


def local(text: str, zone_name: str = "Asia/Jakarta") -> str:
    """Render a stored UTC time in a zone, e.g. '2026-11-23 22:53:13 WIB'."""
    if not text:
        return ""
    dt = parse_iso(text).astimezone(zone(zone_name))
    return dt.strftime("%Y-%m-%d %H:%M:%S %Z")
