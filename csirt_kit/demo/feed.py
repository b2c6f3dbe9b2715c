"""The demo MISP feed: a few events whose indicators hit city assets, plus noise.

Written with PyMISP's own ``MISPEvent.to_feed()`` (the format of API-CONTRACTS Part 3),
with uuids and timestamps fixed so the same seed gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from csirt_kit.demo import content as c
from csirt_kit.demo.logs import KNOWN_BAD_IP

ORG = {"name": "CSIRT Kota Demo (demo feed)", "uuid": "6f1c1f8e-2c2a-4d7e-9a55-0d3f2a7b1c01"}
NVR_CVE = "CVE-2021-36260"
WARNINGLISTED_IP = "8.8.8.8"
SHELL_NAME = c.SHELL_PATH.rsplit("/", 1)[1]
PHISHING_SERVER_IP = "198.51.100.27"  # srv-app07: a city app server


@dataclass(frozen=True)
class FeedHits:
    """City values the feed names, so the expected findings can be derived."""

    server_ip: str
    site_host: str
    nvr_cpe: str
    attacker_ip: str = KNOWN_BAD_IP


def _events(hits: FeedHits) -> list[dict[str, Any]]:
    """Event specs: info, tags, threat level, attributes (type, value, to_ids, comment), objects."""
    return [
        {"info": "Web attacks on local government sites: SQL injection and web shell uploads",
         "tags": ["tlp:amber"], "threat": 1, "age": 2,
         "attributes": [("ip-src", hits.attacker_ip, True, "uploads web shells via wp-file-manager"),
                        ("filename", SHELL_NAME, False, "web shell name seen on victims")]},
        {"info": "Judi online SEO spam campaign on government domains",
         "tags": ["tlp:green"], "threat": 2, "age": 4,
         "attributes": [("domain", hits.site_host, True, "compromised site serving slot gacor spam"),
                        *[("domain", d, True, "gambling landing domain") for d in c.GAMBLING_DOMAINS]]},
        {"info": "Phishing kit hosted on compromised government web servers",
         "tags": ["tlp:amber"], "threat": 2, "age": 3,
         "attributes": [("ip-dst", hits.server_ip, True, "hosts a credential phishing page"),
                        ("url", "http://login-update-secure.example/owa/", True, "phishing URL")]},
        {"info": f"NVR firmware command injection exploited in the wild ({NVR_CVE})",
         "tags": ["tlp:clear"], "threat": 1, "age": 6,
         "attributes": [("vulnerability", NVR_CVE, False, "actively exploited against NVRs")],
         "objects": [{"id": NVR_CVE, "vulnerable-configuration": hits.nvr_cpe,
                      "summary": "Command injection in the web server of some NVR firmware "
                                 "(demo pairing of CVE and firmware: illustrative only).",
                      "cvss-score": "9.8", "published": "2021-09-22T13:15:00",
                      "references": "https://nvd.nist.gov/vuln/detail/CVE-2021-36260"}]},
        {"info": "Weekly commodity threats roundup",
         "tags": ["tlp:green"], "threat": 3, "age": 5,
         "attributes": [("ip-dst", WARNINGLISTED_IP, False, "DNS resolver contacted by malware"),
                        ("ip-dst", "192.0.2.250", True, "botnet C2"),
                        ("ip-dst|port", "192.0.2.251|4444", True, "reverse shell listener"),
                        ("domain", "update-check-service.example", True, "malware C2"),
                        ("url", "http://malware-drop.example/payload.exe", True, "dropper"),
                        ("md5", "9e107d9d372bb6826bd81d3542a419d6", True, "dropper"),
                        ("sha256", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
                         True, "dropper")]},
    ]


def _hash_lines(event: dict[str, Any]) -> list[str]:
    """hashes.csv lines: md5 of every value as written (each part of a composite value)."""
    attributes = list(event.get("Attribute", []))
    for obj in event.get("Object", []):
        attributes += obj.get("Attribute", [])
    lines = []
    for attribute in attributes:
        value = str(attribute["value"])
        parts = value.split("|") if "|" in attribute["type"] else [value]
        lines += [f"{hashlib.md5(part.encode()).hexdigest()},{event['uuid']}" for part in parts]
    return lines


def write_feed(folder: Path, hits: FeedHits, seed: int, end: datetime) -> list[str]:
    """Write manifest.json, one <uuid>.json per event and hashes.csv; return the event uuids."""
    from pymisp import MISPEvent, MISPObject, MISPOrganisation

    rng = random.Random(f"{seed}:feed")

    def next_uuid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {}
    hashes: list[str] = []
    uuids: list[str] = []
    for spec in _events(hits):
        when = end - timedelta(days=spec["age"])
        ts = int(when.timestamp())
        event = MISPEvent()
        event.uuid = next_uuid()
        event.info = spec["info"]
        event.date = when.date()
        event.analysis = 2
        event.threat_level_id = spec["threat"]
        event.published = True
        org = MISPOrganisation()
        org.from_dict(**ORG)
        event.Orgc = org
        for tag in [*spec["tags"], "kotademo"]:
            event.add_tag(tag)
        for type_, value, to_ids, comment in spec["attributes"]:
            attribute: Any = event.add_attribute(type_, value, to_ids=to_ids, comment=comment)
            attribute.uuid = next_uuid()
            attribute.timestamp = ts
        for fields in spec.get("objects", []):
            obj = MISPObject("vulnerability", standalone=False)
            obj.uuid = next_uuid()
            for relation, value in fields.items():
                attribute = obj.add_attribute(relation, value)
                if attribute is None:
                    continue
                attribute.uuid = next_uuid()
                attribute.timestamp = ts
            obj.timestamp = ts
            event.add_object(obj)
        event.timestamp = ts
        event.publish_timestamp = ts
        document = event.to_feed(with_meta=True)
        meta = document["Event"].pop("_manifest")
        document["Event"].pop("_hashes")  # PyMISP hashes str(datetime), not the value written
        hashes += _hash_lines(document["Event"])
        manifest.update(meta)
        (folder / f"{event.uuid}.json").write_text(json.dumps(document, indent=1, sort_keys=True) + "\n",
                                                   encoding="utf-8")
        uuids.append(event.uuid)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                                          encoding="utf-8")
    (folder / "hashes.csv").write_text("".join(h + "\n" for h in hashes), encoding="utf-8")
    return uuids
