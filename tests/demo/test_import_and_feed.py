"""The demo inventory imports through `csirt assets import`; the feed is a real MISP feed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pymisp import MISPEvent

from csirt_kit.demo import DemoCity
from csirt_kit.demo.feed import NVR_CVE, PHISHING_SERVER_IP, WARNINGLISTED_IP
from csirt_kit.demo.inventory import NVR_VULNERABLE
from csirt_kit.demo.logs import KNOWN_BAD_IP


def test_csv_inventory_imports_with_the_promised_counts(cli: Any, demo_city: DemoCity) -> None:
    report = cli(["--json", "assets", "import", str(demo_city.inventory_csv)]).json
    assert report["created"] == report["assets"] > 1100
    web = cli(["--json", "assets", "list", "--kind", "website"]).json["count"]
    apps = cli(["--json", "assets", "list", "--kind", "webapp"]).json["count"]
    assert web + apps == 900
    suspended = cli(["--json", "assets", "list", "--status", "suspended"]).json
    assert suspended["count"] == 165
    everything = cli(["--json", "assets", "list"]).json["items"]
    web_owners = {a["owner"] for a in everything if a["kind"] in ("website", "webapp")}
    assert len(web_owners) == 40
    nvr = cli(["--json", "assets", "show", "nvr-sukajadi"]).json
    assert nvr["software"][0]["cpe"] == NVR_VULNERABLE
    dc = cli(["--json", "assets", "show", "dc-kota"]).json
    assert dc["criticality"] == "critical" and "198.51.100.0/25" in dc["networks"]
    # Re-importing the XLSX variant (Indonesian headers, a title row) changes nothing.
    again = cli(["--json", "assets", "import", str(demo_city.inventory_xlsx)]).json
    assert again["assets"] == report["assets"] and again["created"] == 0
    assert again["unchanged"] == report["assets"], again


def _events(city: DemoCity) -> dict[str, dict[str, Any]]:
    manifest = json.loads((city.feed_dir / "manifest.json").read_text())
    return {uuid: json.loads((city.feed_dir / f"{uuid}.json").read_text())["Event"]
            for uuid in manifest}


def test_feed_follows_the_misp_feed_format(demo_city: DemoCity) -> None:
    manifest = json.loads((demo_city.feed_dir / "manifest.json").read_text())
    assert len(manifest) >= 4
    for uuid, meta in manifest.items():
        assert all(isinstance(meta[k], int) for k in ("analysis", "threat_level_id", "timestamp"))
        event = json.loads((demo_city.feed_dir / f"{uuid}.json").read_text())["Event"]
        assert event["uuid"] == uuid and event["published"] is True
        assert all(isinstance(event[k], str) for k in ("analysis", "threat_level_id", "timestamp",
                                                        "publish_timestamp"))
        assert str(meta["timestamp"]) == event["timestamp"]
        assert any(t["name"].startswith("tlp:") for t in event["Tag"])
        assert "id" not in event and "event_id" not in json.dumps(event)
        # PyMISP itself reads every event file.
        loaded = MISPEvent()
        loaded.load(event)
        assert loaded.uuid == uuid and (loaded.attributes or loaded.objects)


def test_hashes_csv_has_the_md5_of_every_value(demo_city: DemoCity) -> None:
    lines = (demo_city.feed_dir / "hashes.csv").read_text().splitlines()
    pairs = {tuple(line.split(",")) for line in lines}
    expected = set()
    for uuid, event in _events(demo_city).items():
        attributes = list(event.get("Attribute", []))
        for obj in event.get("Object", []):
            attributes += obj["Attribute"]
        for attribute in attributes:
            parts = attribute["value"].split("|") if "|" in attribute["type"] else [attribute["value"]]
            expected |= {(hashlib.md5(p.encode()).hexdigest(), uuid) for p in parts}
    assert pairs == expected
    assert all(len(line.split(",")) == 2 for line in lines)


def test_feed_indicators_hit_city_assets_and_include_noise(demo_city: DemoCity) -> None:
    values: dict[str, set[str]] = {}
    cpes = set()
    for event in _events(demo_city).values():
        for attribute in event.get("Attribute", []):
            values.setdefault(attribute["type"], set()).add(attribute["value"])
        for obj in event.get("Object", []):
            assert obj["name"] == "vulnerability"
            rel = {a["object_relation"]: a["value"] for a in obj["Attribute"]}
            assert rel["id"] == NVR_CVE
            cpes.add(rel["vulnerable-configuration"])
    inventory = demo_city.inventory_csv.read_text()
    assert PHISHING_SERVER_IP in values["ip-dst"] and PHISHING_SERVER_IP in inventory
    assert KNOWN_BAD_IP in values["ip-src"] and KNOWN_BAD_IP not in inventory
    city_domains = {d for d in values["domain"] if d.endswith(".kotademo.example")}
    assert len(city_domains) == 1 and next(iter(city_domains)) in inventory
    assert NVR_CVE in values["vulnerability"] and cpes == {NVR_VULNERABLE} and NVR_VULNERABLE in inventory
    assert WARNINGLISTED_IP in values["ip-dst"]
    noise = values["domain"] - city_domains
    assert noise and not any(d in inventory for d in noise)
