"""The shared data model: frozen dataclasses that every part of csirt-kit passes around."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ASSET_KINDS = ("website", "webapp", "server", "cctv", "nvr", "wifi-ap", "network",
               "database", "other")
CRITICALITIES = ("low", "medium", "high", "critical")
ASSET_STATUSES = ("active", "suspended", "retired")
SEVERITIES = ("info", "low", "medium", "high", "critical")
FINDING_KINDS = ("intel.asset", "vuln.software", "yara.web", "yara.file", "yara.log", "ioc.log",
                 "web.cloaking", "web.defacement", "web.redirect",
                 "cms.upload_php", "cms.core_modified", "cms.core_unknown",
                 "cms.verification_token", "cms.sitemap_spam", "cms.persistence",
                 "web.judol_content", "web.hidden_links",
                 "log.fake_crawler", "log.upload_post", "log.webshell_use", "log.gambling_slug",
                 "log.sitemap_burst")
FINDING_STATUSES = ("new", "in_case", "suppressed", "resolved")


def severity_rank(severity: str) -> int:
    """Order of a severity name (info=0 .. critical=4); unknown names rank as info."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


@dataclass(frozen=True)
class Software:
    """A product running on an asset: name and version, optionally a CPE 2.3 string."""

    name: str
    version: str = ""
    vendor: str = ""
    cpe: str = ""

    def __str__(self) -> str:
        return self.cpe or " ".join(p for p in (self.name, self.version) if p)


@dataclass(frozen=True)
class Asset:
    """One entry of the city's inventory."""

    id: str
    name: str
    kind: str
    owner: str = ""
    contact: str = ""
    criticality: str = "medium"
    status: str = "active"
    urls: tuple[str, ...] = ()
    hostnames: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    software: tuple[Software, ...] = ()
    webroot: str = ""
    logs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    notes: str = ""
    host: str = ""

    @property
    def all_hosts(self) -> tuple[str, ...]:
        """Hostnames plus the hosts of the asset's URLs, lower-case, without duplicates."""
        from urllib.parse import urlsplit

        seen: dict[str, None] = {}
        for name in self.hostnames:
            seen.setdefault(name.lower().rstrip("."), None)
        for url in self.urls:
            host = (urlsplit(url).hostname or "").lower().rstrip(".")
            if host:
                seen.setdefault(host, None)
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (software as objects)."""
        # Built by hand: dataclasses.asdict deep-copies and is ~10x slower on 20,000 assets.
        data: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "software":
                value = [{"name": s.name, "version": s.version, "vendor": s.vendor, "cpe": s.cpe}
                         for s in value]
            elif isinstance(value, tuple):
                value = list(value)
            data[name] = value
        return data


@dataclass(frozen=True)
class EventRef:
    """The MISP event an indicator came from."""

    uuid: str = ""
    info: str = ""
    date: str = ""
    threat_level: str = ""


@dataclass(frozen=True)
class Indicator:
    """One normalised indicator, whatever source it came from."""

    source: str
    type: str
    value: str
    event: EventRef = field(default_factory=EventRef)
    tags: tuple[str, ...] = ()
    to_ids: bool = True
    first_seen: str = ""
    last_seen: str = ""
    expires: str = ""
    uuid: str = ""
    comment: str = ""
    warninglists: tuple[str, ...] = ()

    @property
    def tlp(self) -> str:
        """The TLP tag value (e.g. 'amber'), or '' when untagged."""
        for tag in self.tags:
            if tag.lower().startswith("tlp:"):
                return tag.split(":", 1)[1].lower()
        return ""


@dataclass(frozen=True)
class Finding:
    """Something worth an analyst's look, tied to an asset when one is known.

    ``evidence`` is a JSON-ready dict: url or path, line, offset, snippet, sha256,
    http status, user agent, log timestamp, indicator and event details.
    """

    fingerprint: str
    kind: str
    severity: str
    title: str
    asset_id: str | None = None
    rule: str | None = None
    indicator: str | None = None
    tags: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    first_seen: str = ""
    last_seen: str = ""
    seen_count: int = 1
    status: str = "new"
    case_key: str | None = None
    previous_case_key: str | None = None
    suppressed_reason: str | None = None
    suppressed_by: str | None = None
    suppressed_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `--json` shape of DESIGN section 5 (plus bookkeeping fields)."""
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data
