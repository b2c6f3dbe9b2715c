"""Correlate stored indicators with the city's assets: findings intel.asset and vuln.software.

The small side (assets) is indexed and the large side (indicators) streamed past it
once, so 1,000,000 indicators cost one pass and bounded memory:
- asset IP equal to an indicator IP, asset IP inside an indicator CIDR, an indicator
  IP or CIDR inside (or overlapping) an asset network;
- asset host (hostname or URL host) equal to or below an indicator domain, hostname or
  URL host (one dict lookup: every suffix of every asset host is a key); an indicator
  host below an asset host is reported too;
- CVEs with CPE configurations (vulnerability objects, or vulnerability and cpe
  attributes of one event) against asset software CPEs or name and version, with ranges.

Severity: an exact IP/host hit is high when the indicator is to_ids, else medium; a
containment hit (subdomain, CIDR, network) is one step lower; an event of MISP threat
level 1 (high) raises it one step. CVEs take their CVSS score (>= 9 critical, >= 7 high,
>= 4 medium, else low; no score: medium). Warninglisted indicators are not matched
unless asked.
"""

from __future__ import annotations

import bisect
import ipaddress
import json
import socket
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.config import Config
from csirt_kit.findings import make_finding, upsert_findings
from csirt_kit.intel import store as istore
from csirt_kit.intel.normalize import HOST_TYPES, IP_TYPES, URL_TYPES, host_part, ip_part
from csirt_kit.intel.vuln import SoftwareHit, SoftwareIndex, VulnRecord, records_from_object
from csirt_kit.models import SEVERITIES, Asset, Finding, Indicator, severity_rank
from csirt_kit.scan.report import ScanReport
from csirt_kit.store.assets import AssetFilter, list_assets
from csirt_kit.store.db import Store

MATCH_TYPES = tuple(sorted(IP_TYPES | HOST_TYPES | URL_TYPES))
EXACT = frozenset({"ip", "host", "url_host"})


def _ip4(text: str) -> int | None:
    try:
        return int.from_bytes(socket.inet_aton(text), "big") if text.count(".") == 3 else None
    except OSError:
        return None


@dataclass
class AssetIndex:
    """Lookups from indicator values to the assets they concern."""

    ips: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    ip_sorted: list[tuple[int, int, str, str]] = field(default_factory=list)  # (version, int, id, ip)
    # (version, start, prefix length, asset id, cidr)
    net_sorted: list[tuple[int, int, int, str, str]] = field(default_factory=list)
    net_masks: dict[tuple[int, int], dict[int, list[tuple[str, str]]]] = field(default_factory=dict)
    suffixes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    hosts: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, assets: Iterable[Asset]) -> AssetIndex:
        """Index the assets' IPs, networks and hosts."""
        idx = cls()
        for a in assets:
            for raw in a.ips:
                try:
                    ip = ipaddress.ip_address(raw.strip())
                except ValueError:
                    continue
                idx.ips.setdefault(str(ip), []).append((a.id, "ip", str(ip)))
                idx.ip_sorted.append((ip.version, int(ip), a.id, str(ip)))
            for raw in a.networks:
                try:
                    net = ipaddress.ip_network(raw.strip(), strict=False)
                except ValueError:
                    continue
                idx.net_sorted.append((net.version, int(net.network_address), net.prefixlen, a.id, str(net)))
                key = (net.version, net.prefixlen)
                idx.net_masks.setdefault(key, {}).setdefault(int(net.network_address), []).append(
                    (a.id, str(net)))
            for host in a.all_hosts:
                idx.hosts.setdefault(host, []).append(a.id)
                labels = host.split(".")
                for i in range(len(labels) - 1):
                    idx.suffixes.setdefault(".".join(labels[i:]), []).append((a.id, host))
        idx.ip_sorted.sort()
        idx.net_sorted.sort()
        return idx

    def match_ip(self, ip: str) -> list[tuple[str, str, str]]:
        """(asset id, match kind, asset value) for an indicator IP or CIDR."""
        if "/" not in ip:
            out = list(self.ips.get(ip, ()))
            if self.net_masks:
                out.extend(self._in_asset_networks(ip))
            return out
        return self._network_hits(ip)

    def _in_asset_networks(self, ip: str) -> list[tuple[str, str, str]]:
        as_int = _ip4(ip)
        version, bits = (4, 32) if as_int is not None else (6, 128)
        if as_int is None:
            try:
                as_int = int(ipaddress.ip_address(ip))
            except ValueError:
                return []
        out: list[tuple[str, str, str]] = []
        for (v, plen), table in self.net_masks.items():
            if v == version:
                found = table.get(as_int >> (bits - plen) << (bits - plen))
                if found:
                    out.extend((asset_id, "ip_in_asset_network", cidr) for asset_id, cidr in found)
        return out

    def _network_hits(self, ip: str) -> list[tuple[str, str, str]]:
        address, _, length = ip.partition("/")
        as_int = _ip4(address)
        try:
            if as_int is not None and length.isdigit() and int(length) <= 32:
                version, bits, prefix, start = 4, 32, int(length), as_int
            else:
                net = ipaddress.ip_network(ip, strict=False)
                version, bits, prefix = net.version, net.max_prefixlen, net.prefixlen
                start = int(net.network_address)
        except ValueError:
            return []
        start = start >> (bits - prefix) << (bits - prefix) if prefix else 0
        end = start + (1 << (bits - prefix)) - 1
        out: list[tuple[str, str, str]] = []
        lo = bisect.bisect_left(self.ip_sorted, (version, start, "", ""))
        hi = bisect.bisect_right(self.ip_sorted, (version, end, "\uffff", ""))
        out.extend((asset_id, "ip_in_indicator_network", value)
                   for _v, _n, asset_id, value in self.ip_sorted[lo:hi])
        if not self.net_masks:
            return out
        # CIDRs nest or are disjoint: an asset network overlaps the indicator network when it
        # contains it (mask lookups) or lies inside it (a range of the sorted network starts).
        for (v, plen), table in self.net_masks.items():
            if v == version and plen <= prefix:
                found = table.get(start >> (bits - plen) << (bits - plen) if plen else 0)
                if found:
                    out.extend((asset_id, "network_overlap", cidr) for asset_id, cidr in found)
        lo = bisect.bisect_left(self.net_sorted, (version, start, prefix + 1, "", ""))
        hi = bisect.bisect_right(self.net_sorted, (version, end, 999, "", ""))
        out.extend((asset_id, "network_overlap", cidr)
                   for _v, _s, plen, asset_id, cidr in self.net_sorted[lo:hi] if plen > prefix)
        return out

    def match_host(self, host: str) -> Iterator[tuple[str, str, str]]:
        """(asset id, match kind, asset host) for an indicator host."""
        if "." not in host:
            return
        for asset_id, asset_host in self.suffixes.get(host, ()):
            yield asset_id, "host" if asset_host == host else "subdomain", asset_host
        labels = host.split(".")
        for i in range(1, len(labels) - 1):
            parent = ".".join(labels[i:])
            for asset_id in self.hosts.get(parent, ()):
                yield asset_id, "indicator_below_asset_host", parent


def _url_parts(url: str) -> tuple[str, str]:
    """(ip, host) of a normalised URL (scheme://host[:port]/...): one of them is ''."""
    rest = url.split("://", 1)[-1]
    netloc = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0], ""
    host = netloc.split(":", 1)[0]
    if host.replace(".", "").isdigit():
        return host, ""
    return "", host


def _severity(exact: bool, to_ids: bool, threat_level: str) -> str:
    rank = severity_rank("high") - (0 if exact else 1) - (0 if to_ids else 1)
    if threat_level == "1":
        rank += 1
    return SEVERITIES[max(1, min(rank, 4))]


def _cvss_severity(cvss: float | None) -> str:
    if cvss is None:
        return "medium"
    return "critical" if cvss >= 9 else "high" if cvss >= 7 else "medium" if cvss >= 4 else "low"


def _tags(ind: Indicator, kind: str) -> list[str]:
    return ["intel", kind, *[t for t in ind.tags if len(t) < 80][:10]]


def _intel_finding(asset: Asset, ind: Indicator, match: str, value: str, now: str) -> Finding:
    ref = f"{ind.type}:{ind.value}"
    what = ind.event.info or ind.source
    evidence: dict[str, Any] = {
        "indicator": ind.value, "type": ind.type, "match": match, "asset_value": value,
        "source": ind.source, "event_uuid": ind.event.uuid, "event_info": ind.event.info,
        "threat_level": ind.event.threat_level, "tags": list(ind.tags), "tlp": ind.tlp,
        "to_ids": ind.to_ids, "first_seen": ind.first_seen, "last_seen": ind.last_seen,
        "comment": ind.comment,
    }
    return make_finding("intel.asset", _severity(match in EXACT, ind.to_ids, ind.event.threat_level),
                        f"{asset.name}: {value} matches {ind.type} {ind.value} ({what})",
                        asset_id=asset.id, ref=ref, locus=f"{match}:{value}", indicator=ref,
                        tags=_tags(ind, "threat-feed"), evidence=evidence, seen=now)


def _software_label(hit: SoftwareHit) -> str:
    sw = hit.software
    return " ".join(p for p in (sw.vendor, sw.name, sw.version) if p) or str(sw)


def _vuln_finding(hit: SoftwareHit, event: Indicator | None, now: str) -> Finding:
    rec = hit.record
    ref = f"vulnerability:{rec.cve}"
    evidence: dict[str, Any] = {
        "indicator": rec.cve, "type": "vulnerability", "cve": rec.cve, "cvss": rec.cvss,
        "summary": rec.summary, "cpe": hit.cpe, "match": hit.how, "software": str(hit.software),
        "software_name": hit.software.name, "version": hit.software.version,
        "ranges": dict(rec.ranges), "source": rec.source, "event_uuid": rec.event_uuid,
        "event_info": event.event.info if event else "", "tags": list(event.tags) if event else [],
        "tlp": event.tlp if event else "",
    }
    return make_finding("vuln.software", _cvss_severity(rec.cvss),
                        f"{hit.asset.name}: {_software_label(hit)} is affected by {rec.cve}",
                        asset_id=hit.asset.id, ref=ref, locus=f"software:{hit.software}",
                        indicator=ref, tags=["vuln", "cve", *(event.tags[:10] if event else [])],
                        evidence=evidence, seen=now)


def vuln_records(conn: sqlite3.Connection, now: str) -> list[VulnRecord]:
    """CVE records from active vulnerability objects and from events' loose CVE + CPE attributes."""
    records: list[VulnRecord] = []
    active = {(r[0], r[1]) for r in conn.execute(
        "SELECT DISTINCT source, object_key FROM indicators WHERE object_key <> ''"
        " AND type IN ('vulnerability', 'cpe') AND (expires = '' OR expires > ?)", (now,))}
    if active:
        for source, key, event, attributes in conn.execute(
                "SELECT source, key, event_uuid, attributes FROM intel_objects"):
            if (source, key) in active:
                records.extend(records_from_object(source, event, json.loads(attributes)))
    loose: dict[tuple[str, str], dict[str, list[str]]] = {}
    for source, event, type_, value in conn.execute(
            "SELECT source, event_uuid, type, value FROM indicators WHERE object_key = ''"
            " AND event_uuid <> '' AND type IN ('vulnerability', 'cpe') AND (expires = '' OR expires > ?)",
            (now,)):
        loose.setdefault((source, event), {})[f"{type_}:{value}"] = [
            "id" if type_ == "vulnerability" else "vulnerable-configuration", type_, value]
    for (source, event), attrs in loose.items():
        records.extend(records_from_object(source, event, attrs))
    return records


def correlate(store: Store, config: Config | None = None, now: str | None = None,
              include_warninglisted: bool | None = None) -> ScanReport:
    """Match every active, non-warninglisted indicator against active and suspended assets.

    Findings are upserted (a rerun updates them, never duplicates) and returned.
    """
    start = time.monotonic()
    now = now or istore.now_iso()
    if include_warninglisted is None:
        include_warninglisted = bool(config.get("intel.match.include_warninglisted", False)) \
            if config else False
    conn = store.conn
    assets = {a.id: a for a in list_assets(conn, AssetFilter()) if a.status != "retired"}
    index = AssetIndex.build(assets.values())
    hits: dict[int, list[tuple[str, str, str]]] = {}
    # A plain scan: through the (type, value) index every row would cost a random lookup.
    sql = ("SELECT id, type, value FROM indicators NOT INDEXED WHERE (expires = '' OR expires > ?)"
           f" AND type IN ({', '.join('?' * len(MATCH_TYPES))})")
    if not include_warninglisted:
        sql += " AND warninglists = ''"
    scanned = 0
    cur = conn.execute(sql, (now, *MATCH_TYPES))
    while rows := cur.fetchmany(10000):
        scanned += len(rows)
        for row_id, type_, value in rows:
            found: list[tuple[str, str, str]] = []
            if type_ in URL_TYPES:
                ip, host = _url_parts(value)
            else:
                ip, host = ip_part(type_, value), host_part(type_, value)
            if ip:
                found = index.match_ip(ip)
            if host:
                found.extend((a, "url_host" if m == "host" and type_ in URL_TYPES else m, v)
                             for a, m, v in index.match_host(host))
            if found:
                hits[row_id] = found
    details = istore.indicators_by_id(conn, list(hits))
    findings: dict[str, Finding] = {}
    for row_id, found in hits.items():
        ind = details.get(row_id)
        if ind is None:
            continue
        for asset_id, match, value in found:
            f = _intel_finding(assets[asset_id], ind, match, value, now)
            old = findings.get(f.fingerprint)
            if old is None or severity_rank(f.severity) > severity_rank(old.severity):
                findings[f.fingerprint] = f
    records = vuln_records(conn, now)
    sw_index = SoftwareIndex(assets.values())
    cve_events = istore.first_indicator_of_events(conn, {(r.source, r.event_uuid) for r in records})
    for record in records:
        for hit in sw_index.match(record):
            f = _vuln_finding(hit, cve_events.get((record.source, record.event_uuid)), now)
            old = findings.get(f.fingerprint)
            if old is None or severity_rank(f.severity) > severity_rank(old.severity):
                findings[f.fingerprint] = f
    ordered = tuple(sorted(findings.values(), key=lambda f: (-severity_rank(f.severity), f.title)))
    with store.write() as wconn:
        upsert_findings(wconn, ordered, now)
    stats = {"targets": len(assets), "assets": len(assets), "indicators": scanned,
             "cve_records": len(records), "seconds": round(time.monotonic() - start, 3)}
    return ScanReport(ordered, (), stats)
