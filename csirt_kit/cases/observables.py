"""Observables of a finding: indicator, URL and its host, file name, hashes, client IPs."""

from __future__ import annotations

import ipaddress
import posixpath
import re
from typing import Any
from urllib.parse import urlsplit

from csirt_kit.cases.records import Observable
from csirt_kit.models import Asset, Finding

# MISP attribute type -> TheHive dataType.
MISP_TO_HIVE = {
    "ip-src": "ip", "ip-dst": "ip", "ip": "ip", "ip-src|port": "ip", "ip-dst|port": "ip",
    "domain": "domain", "hostname": "fqdn", "url": "url", "uri": "url", "link": "url",
    "md5": "hash", "sha1": "hash", "sha256": "hash", "sha512": "hash", "filename": "filename",
    "email-src": "mail", "email-dst": "mail", "email": "mail", "user-agent": "user-agent",
    "vulnerability": "other", "yara": "other",
}
_HASH = re.compile(r"^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{40}$|^[0-9a-fA-F]{64}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$", re.I)
_CLIENT_KEYS = ("client_ip", "src_ip", "remote_addr", "source_ip")


def _tlp_of(finding: Finding, default: str) -> str:
    tlp = finding.evidence.get("tlp")
    if isinstance(tlp, str) and tlp:
        return tlp.lower().removeprefix("tlp:")
    for tag in finding.tags:
        if tag.lower().startswith("tlp:"):
            return tag.split(":", 1)[1].lower()
    return default


def guess_type(value: str) -> str:
    """A TheHive dataType for a bare value."""
    try:
        ipaddress.ip_address(value)
        return "ip"
    except ValueError:
        pass
    if "://" in value:
        return "url"
    if _HASH.match(value):
        return "hash"
    if _DOMAIN.match(value):
        return "domain"
    return "other"


def indicator_observable(finding: Finding, tlp: str) -> Observable | None:
    """The threat-intel indicator behind a finding, as an IoC observable."""
    ev = finding.evidence
    raw = ev.get("indicator")
    nested: dict[str, Any] = raw if isinstance(raw, dict) else {}
    mtype = str(nested.get("type") or ev.get("indicator_type") or "")
    value = str(nested.get("value") or ev.get("indicator_value") or "")
    if not value and isinstance(raw, str) and raw and ev.get("type"):
        mtype, value = str(ev["type"]), raw  # intel correlation: indicator value and MISP type
    if not value and finding.indicator:
        head, sep, tail = finding.indicator.partition(":")
        if sep and head in MISP_TO_HIVE and tail:
            mtype, value = head, tail
        else:
            value = finding.indicator
    if not value:
        return None
    if "|" in value and mtype.endswith("|port"):
        value = value.split("|", 1)[0]
    dtype = MISP_TO_HIVE.get(mtype) or guess_type(value)
    event = nested.get("event_info") or ev.get("event_info") or ev.get("event") or ""
    source = nested.get("source") or ev.get("source") or "threat intel"
    message = f"indicator from {source}" + (f": {event}" if event else "")
    # A CVE names a weakness of our own software, not something hostile to look for.
    return Observable(dtype, value, ioc=mtype != "vulnerability", tlp=tlp, message=message[:300])


def observables_for(finding: Finding, asset: Asset | None, default_tlp: str) -> list[Observable]:
    """Observables one finding brings to its case (duplicates removed)."""
    tlp = _tlp_of(finding, default_tlp)
    ev = finding.evidence
    out: list[Observable] = []
    indicator = indicator_observable(finding, tlp)
    if indicator:
        out.append(indicator)
    url = ev.get("url")
    if isinstance(url, str) and url:
        out.append(Observable("url", url, ioc=False, tlp=default_tlp,
                              message=f"where: {finding.title}"[:300]))
        host = (urlsplit(url).hostname or "").lower()
        if host:
            out.append(Observable(guess_type(host) if guess_type(host) == "ip" else "fqdn", host,
                                  ioc=False, tlp=default_tlp, message="host of the affected URL"))
    path = ev.get("path")
    if isinstance(path, str) and path:
        out.append(Observable("filename", posixpath.basename(path.replace("\\", "/")) or path,
                              ioc=finding.kind.startswith("yara."), tlp=tlp, message=f"file: {path}"[:300]))
    for key in ("sha256", "sha1", "md5"):
        value = ev.get(key)
        if isinstance(value, str) and _HASH.match(value):
            out.append(Observable("hash", value.lower(), ioc=finding.kind.startswith("yara."),
                                  tlp=tlp, message=f"{key} of {path or url or 'the matched content'}"[:300]))
    for key in _CLIENT_KEYS:
        value = ev.get(key)
        if isinstance(value, str) and guess_type(value) == "ip":
            out.append(Observable("ip", value, ioc=True, tlp=tlp,
                                  message=f"client in log: {finding.title}"[:300]))
    ua = ev.get("user_agent")
    if isinstance(ua, str) and ua and finding.kind in ("yara.log", "ioc.log"):
        out.append(Observable("user-agent", ua[:500], ioc=False, tlp=tlp, message="user agent in log"))
    if asset is not None and not out:
        for ip in asset.ips[:1]:
            out.append(Observable("ip", ip, ioc=False, tlp=default_tlp, message=f"address of {asset.name}"))
    seen: set[tuple[str, str]] = set()
    unique: list[Observable] = []
    for obs in out:
        if (obs.data_type, obs.data) not in seen:
            seen.add((obs.data_type, obs.data))
            unique.append(obs)
    return unique
