"""Correlate stored indicators with the city's assets: findings intel.asset and vuln.software.

SQLite pre-filters the indicators with the asset values (``candidates``: index lookups per
asset, not a pass over every row), then one per-row matcher (``asset_index.row_hits``)
decides what matches, in these ways:
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

The work splits into shards by indicator type (ips, cidrs, hosts, urls, vulnerabilities):
matched here in one pass over their candidate rows, or one task each on a Dask cluster
(``csirt_kit.cluster.correlate``); findings are built and stored only here.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from csirt_kit.config import Config
from csirt_kit.findings import make_finding, upsert_findings
from csirt_kit.intel import store as istore
from csirt_kit.intel.asset_index import AssetIndex, Hit, row_hits
from csirt_kit.intel.candidates import INDICATOR_SHARDS, Row, shard_rows
from csirt_kit.intel.normalize import HOST_TYPES, IP_TYPES, URL_TYPES
from csirt_kit.intel.vuln import SoftwareHit, SoftwareIndex, VulnRecord, records_from_object
from csirt_kit.models import SEVERITIES, Asset, Finding, Indicator, severity_rank
from csirt_kit.scan.report import ScanReport
from csirt_kit.store.assets import AssetFilter, list_assets
from csirt_kit.store.db import Store

MATCH_TYPES = tuple(sorted(IP_TYPES | HOST_TYPES | URL_TYPES))
EXACT = frozenset({"ip", "host", "url_host"})


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


_CPE_PRODUCT = re.compile(r'cpe:2\.3:[^:"]*:[^:"]*:([^:"]*)', re.IGNORECASE)


def _may_concern(attributes: str, products: Collection[str] | None) -> bool:
    """False only when no CPE in an object's JSON names one of the assets' products."""
    if products is None or "\\u" in attributes or "\\\"" in attributes:
        return True
    for raw in _CPE_PRODUCT.findall(attributes):
        product = raw.replace("\\", "").lower()
        if product in products or product.removesuffix("_firmware") in products:
            return True
    return False


def _active_objects(conn: sqlite3.Connection, wanted: Sequence[tuple[str, str, dict[str, Any]]],
                    now: str) -> set[tuple[str, str]]:
    """(source, object key) of the wanted objects that have an active CVE or CPE row."""
    values: set[tuple[str, str]] = set()
    for _source, _key, attributes in wanted:
        for _relation, type_, value in attributes.values():
            if type_ in ("vulnerability", "cpe"):
                text = value.strip()
                values.update({(type_, value), (type_, text), (type_, text.upper()), (type_, text.lower())})
    found = {(r[0], r[1]) for r in conn.execute(  # index lookups by the objects' own values
        "SELECT i.source, i.object_key FROM json_each(?) k CROSS JOIN indicators i INDEXED BY"
        " indicators_type_value WHERE i.type = k.value ->> 0 AND i.value = k.value ->> 1"
        " AND i.object_key <> '' AND (i.expires = '' OR i.expires > ?)",
        (json.dumps(sorted(values)), now))}
    if all((source, key) in found for source, key, _a in wanted):
        return found
    # Some object has no active row among its own values: ask every row (exact, slower).
    return {(r[0], r[1]) for r in conn.execute(
        "SELECT DISTINCT source, object_key FROM indicators WHERE object_key <> ''"
        " AND type IN ('vulnerability', 'cpe') AND (expires = '' OR expires > ?)", (now,))}


def vuln_records(conn: sqlite3.Connection, now: str,
                 products: Collection[str] | None = None) -> list[VulnRecord]:
    """CVE records from active vulnerability objects and from events' loose CVE + CPE attributes.

    With `products` (the assets' product keys), objects naming none of them are skipped
    unread (their records could not match any asset software).
    """
    records: list[VulnRecord] = []
    wanted = [(source, key, event, attributes) for source, key, event, attributes in conn.execute(
        "SELECT source, key, event_uuid, attributes FROM intel_objects")
        if _may_concern(attributes, products)]
    if wanted:
        active = _active_objects(conn, [(w[0], w[1], json.loads(w[3])) for w in wanted], now)
        for source, key, event, attributes in wanted:
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


@dataclass(frozen=True)
class Plan:
    """What a correlation run works on: the assets and each shard's input."""

    now: str
    assets: Mapping[str, Asset]
    shards: Mapping[str, Sequence[Any]]  # shard -> candidate rows, or VulnRecords
    scanned: int
    index: AssetIndex | None = None  # built for the pre-filter; reused by the local matcher
    software: SoftwareIndex | None = None


def _include(config: Config | None, include_warninglisted: bool | None) -> bool:
    if include_warninglisted is not None:
        return include_warninglisted
    return bool(config.get("intel.match.include_warninglisted", False)) if config else False


def plan(store: Store, config: Config | None = None, now: str | None = None,
         include_warninglisted: bool | None = None) -> Plan:
    """Assets (active and suspended) and the pre-filtered input of every shard."""
    now = now or istore.now_iso()
    conn = store.conn
    assets = {a.id: a for a in list_assets(conn, AssetFilter()) if a.status != "retired"}
    index = AssetIndex.build(assets.values())
    shards: dict[str, Sequence[Any]] = dict(shard_rows(
        conn, index, now, _include(config, include_warninglisted)))
    software = SoftwareIndex(assets.values())
    shards["vulnerabilities"] = vuln_records(conn, now, set(software.by_product))
    scanned = len({r[0] for s in INDICATOR_SHARDS for r in shards[s]})
    return Plan(now, assets, shards, scanned, index, software)


def shard_hits(shard: str, assets: Sequence[Asset], work: Sequence[Any],
               index: AssetIndex | SoftwareIndex | None = None) -> Any:
    """The matches of one shard: {indicator id: hits}, or SoftwareHits for vulnerabilities.

    Pure (no store, no config): what a cluster worker runs (`index`: one already built here).
    """
    if shard == "vulnerabilities":
        software = index if isinstance(index, SoftwareIndex) else SoftwareIndex(assets)
        return [hit for record in work for hit in software.match(record)]
    return row_hits(index if isinstance(index, AssetIndex) else AssetIndex.build(assets), work)


def full_scan_rows(conn: sqlite3.Connection, now: str, include_warninglisted: bool) -> Iterator[Row]:
    """Every active indicator of a matchable type (the reference path the pre-filter must equal)."""
    sql = ("SELECT id, type, value FROM indicators NOT INDEXED WHERE (expires = '' OR expires > ?)"
           f" AND type IN ({', '.join('?' * len(MATCH_TYPES))})")
    if not include_warninglisted:
        sql += " AND warninglists = ''"
    cur = conn.execute(sql + " ORDER BY id", (now, *MATCH_TYPES))
    while rows := cur.fetchmany(10000):
        yield from rows


def _keep(findings: dict[str, Finding], f: Finding) -> None:
    old = findings.get(f.fingerprint)
    if old is None or severity_rank(f.severity) > severity_rank(old.severity):
        findings[f.fingerprint] = f


def finish(store: Store, work: Plan, hits: dict[int, list[Hit]], vuln_hits: Sequence[SoftwareHit],
           start: float, **extra: Any) -> ScanReport:
    """Findings from the hits of every shard, upserted in one transaction; the report."""
    conn, now = store.conn, work.now
    details = istore.indicators_by_id(conn, list(hits))
    findings: dict[str, Finding] = {}
    for row_id, found in sorted(hits.items()):
        ind = details.get(row_id)
        if ind is None:
            continue
        for asset_id, match, value in found:
            _keep(findings, _intel_finding(work.assets[asset_id], ind, match, value, now))
    cve_events = istore.first_indicator_of_events(
        conn, dict.fromkeys((h.record.source, h.record.event_uuid) for h in vuln_hits))
    for hit in vuln_hits:
        _keep(findings, _vuln_finding(hit, cve_events.get((hit.record.source, hit.record.event_uuid)),
                                      now))
    ordered = tuple(sorted(findings.values(), key=lambda f: (-severity_rank(f.severity), f.title)))
    with store.write() as wconn:
        upsert_findings(wconn, ordered, now)
    stats = {"targets": len(work.assets), "assets": len(work.assets), "indicators": work.scanned,
             "cve_records": len(work.shards["vulnerabilities"]), **extra,
             "seconds": round(time.monotonic() - start, 3)}
    return ScanReport(ordered, (), stats)


def correlate(store: Store, config: Config | None = None, now: str | None = None,
              include_warninglisted: bool | None = None, full_scan: bool = False) -> ScanReport:
    """Match every active, non-warninglisted indicator against active and suspended assets.

    Findings are upserted (a rerun updates them, never duplicates) and returned.
    `full_scan` passes every stored row through the matcher instead of the pre-filtered
    candidates (the reference the tests and the benchmark compare against).
    """
    start = time.monotonic()
    work = plan(store, config, now, include_warninglisted)
    assets = list(work.assets.values())
    if full_scan:
        include = _include(config, include_warninglisted)
        every = list(full_scan_rows(store.conn, work.now, include))
        hits = row_hits(AssetIndex.build(assets), every)
        records = vuln_records(store.conn, work.now)
        work = Plan(work.now, work.assets, {**work.shards, "vulnerabilities": records}, len(every))
    else:  # a row in two shards is matched once
        by_id = {r[0]: r for s in INDICATOR_SHARDS for r in work.shards[s]}
        rows = [by_id[i] for i in sorted(by_id)]
        hits = shard_hits("ips", assets, rows, work.index)
    vuln_hits = shard_hits("vulnerabilities", assets, work.shards["vulnerabilities"], work.software)
    return finish(store, work, hits, vuln_hits, start)
