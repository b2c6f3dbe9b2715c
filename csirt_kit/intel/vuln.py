"""Vulnerable software: CPE 2.3 parsing, version ranges, and matching against asset software."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.models import Asset, Software

RANGE_RELATIONS = ("version-start-including", "version-start-excluding", "version-end-including",
                   "version-end-excluding")
_TOKEN = re.compile(r"\d+|[a-z]+")
_ANY = ("*", "-", "")


@dataclass(frozen=True)
class Cpe:
    """The parts of a CPE 2.3 name csirt-kit compares."""

    part: str
    vendor: str
    product: str
    version: str

    @property
    def any_version(self) -> bool:
        """True when the CPE leaves the version open (``*`` or ``-``)."""
        return self.version in _ANY


def parse_cpe(text: str) -> Cpe | None:
    """A Cpe from ``cpe:2.3:part:vendor:product:version:...`` (None if not CPE 2.3)."""
    parts = text.strip().lower().split(":")
    if len(parts) < 5 or parts[0] != "cpe" or parts[1] != "2.3":
        return None
    version = parts[5] if len(parts) > 5 else "*"
    return Cpe(parts[2], parts[3].replace("\\", ""), parts[4].replace("\\", ""),
               version.replace("\\", ""))


@functools.lru_cache(maxsize=65536)
def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """A sortable key: numbers compare as numbers, words as text ('V4.0.8 build 2007' works)."""
    text = version.strip().lower()
    if text.startswith("v") and text[1:2].isdigit():
        text = text[1:]
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in _TOKEN.findall(text))


def product_key(text: str) -> str:
    """Product or software name in one spelling: lower case, words joined by underscores."""
    return re.sub(r"[\s\-_/]+", "_", text.strip().lower()).strip("_")


@dataclass(frozen=True)
class VulnRecord:
    """One CVE with the configurations it affects (from an object or a whole event)."""

    source: str
    cve: str
    event_uuid: str
    cpes: tuple[str, ...]
    cvss: float | None = None
    summary: str = ""
    ranges: Mapping[str, str] = field(default_factory=dict)

    def in_range(self, version: str) -> bool:
        """True when a version lies inside the given range (no range given: True)."""
        key = version_key(version)
        r = self.ranges
        checks = (
            ("version-start-including", lambda lo: key >= lo),
            ("version-start-excluding", lambda lo: key > lo),
            ("version-end-including", lambda hi: key <= hi),
            ("version-end-excluding", lambda hi: key < hi),
        )
        return all(check(version_key(r[name])) for name, check in checks if r.get(name))


@dataclass(frozen=True)
class SoftwareHit:
    """A record that matched one software entry of an asset, and how."""

    asset: Asset
    software: Software
    record: VulnRecord
    cpe: str
    how: str  # "cpe" or "name+version"


def _software_cpe(sw: Software) -> Cpe:
    parsed = parse_cpe(sw.cpe) if sw.cpe else None
    if parsed:
        return Cpe(parsed.part, parsed.vendor, parsed.product,
                   parsed.version if not parsed.any_version else sw.version.lower())
    return Cpe("*", product_key(sw.vendor), product_key(sw.name), sw.version.lower())


class SoftwareIndex:
    """Asset software keyed by product, so each CVE configuration costs one lookup."""

    def __init__(self, assets: Iterable[Asset]) -> None:
        self.by_product: dict[str, list[tuple[Asset, Software, Cpe, bool]]] = {}
        self.by_version: dict[tuple[str, tuple[Any, ...]], list[tuple[Asset, Software, Cpe, bool]]] = {}
        for asset in assets:
            for sw in asset.software:
                cpe = _software_cpe(sw)
                keys = {cpe.product}
                if cpe.vendor and cpe.product.startswith(cpe.vendor + "_"):
                    keys.add(cpe.product[len(cpe.vendor) + 1:])
                for key in keys:
                    entry = (asset, sw, cpe, bool(sw.cpe))
                    self.by_product.setdefault(key, []).append(entry)
                    if cpe.version:
                        self.by_version.setdefault((key, version_key(cpe.version)), []).append(entry)

    def match(self, record: VulnRecord) -> list[SoftwareHit]:
        """Software entries a record's configurations (and version range) cover."""
        hits: list[SoftwareHit] = []
        for text in record.cpes:
            conf = parse_cpe(text)
            if conf is None:
                continue
            names = [conf.product]
            if conf.product.endswith("_firmware"):
                names.append(conf.product[: -len("_firmware")])
            candidates: list[tuple[Asset, Software, Cpe, bool]] = []
            for name in names:
                if conf.any_version:
                    candidates += self.by_product.get(name, ())
                else:  # an exact version: only software of that version can match
                    candidates += self.by_version.get((name, version_key(conf.version)), ())
            for asset, sw, have, from_cpe in candidates:
                if from_cpe and conf.part not in _ANY and have.part not in (*_ANY, conf.part):
                    continue
                if have.vendor and conf.vendor not in _ANY and have.vendor != conf.vendor:
                    continue
                if not _version_matches(conf, have.version, record):
                    continue
                hits.append(SoftwareHit(asset, sw, record, text, "cpe" if from_cpe else "name+version"))
        unique: dict[tuple[str, str, str], SoftwareHit] = {}
        for hit in hits:
            unique.setdefault((hit.asset.id, str(hit.software), hit.record.cve), hit)
        return list(unique.values())


def _version_matches(conf: Cpe, version: str, record: VulnRecord) -> bool:
    if not conf.any_version:
        return bool(version) and version_key(version) == version_key(conf.version)
    if not version:
        # Unknown installed version against an open configuration: only without a range.
        return not any(record.ranges.get(n) for n in RANGE_RELATIONS)
    return record.in_range(version)


def records_from_object(source: str, event_uuid: str,
                        attributes: Mapping[str, list[str]]) -> list[VulnRecord]:
    """VulnRecords of one vulnerability object's attributes ({key: [relation, type, value]})."""
    cves: list[str] = []
    cpes: list[str] = []
    ranges: dict[str, str] = {}
    cvss: float | None = None
    summary = ""
    for relation, _type, value in attributes.values():
        rel = relation.replace("_", "-")
        if rel == "id" or _type == "vulnerability":
            cves.append(value.strip().upper())
        elif rel == "vulnerable-configuration" or _type == "cpe":
            cpes.append(value.strip())
        elif rel in RANGE_RELATIONS:
            ranges[rel] = value.strip()
        elif rel == "cvss-score":
            try:
                cvss = float(value)
            except ValueError:
                cvss = None
        elif rel == "summary":
            summary = value[:300]
    return [VulnRecord(source, cve, event_uuid, tuple(dict.fromkeys(cpes)), cvss, summary, ranges)
            for cve in dict.fromkeys(cves) if cpes]
