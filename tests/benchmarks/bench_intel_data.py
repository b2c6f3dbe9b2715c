"""Generated data for the intel benchmarks: a 1M-indicator MISP feed folder and a 10k-asset city.

Deterministic from a seed. The feed uses the format of API-CONTRACTS Part 3 (manifest
ints, event-file strings, hashes.csv) and is written under /tmp, never into the repo.
Indicator mix: 40% ip-dst, 5% CIDR ip-dst, 25% domain, 15% url, 10% sha256, 5% CVE
(vulnerability objects with a CPE configuration). A small share hits the city.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from pathlib import Path

from csirt_kit.models import Asset, Software

PRODUCTS = [("wordpress", "wordpress", "a"), ("joomla", "joomla\\!", "a"), ("moodle", "moodle", "a"),
            ("hikvision", "ds-7608ni-k2_firmware", "o"), ("dahua", "nvr4104hs_firmware", "o"),
            ("nginx", "nginx", "a"), ("php", "php", "a"), ("apache", "http_server", "a")]


def _ip(rng: random.Random) -> str:
    return f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def city_assets(count: int = 10_000, seed: int = 7) -> list[Asset]:
    """Assets with IPs in 100.64.0.0/10-like public space, networks, hosts, URLs and software."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        host = f"app{i}.opd{i % 40}.kota.example"
        vendor, product, _part = PRODUCTS[i % len(PRODUCTS)]
        version = f"{rng.randint(1, 6)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}"
        nets = (f"45.{i % 200}.{(i // 200) % 250}.0/24",) if i % 50 == 0 else ()
        out.append(Asset(
            id=f"asset-{i}", name=f"Asset {i}", kind="website" if i % 3 else "server",
            ips=(f"45.{i % 200}.{(i // 200) % 250}.{(i % 250) + 1}",), networks=nets,
            urls=(f"https://{host}/",), hostnames=(f"www.{host}",),
            software=(Software(product.replace("_firmware", ""), version, vendor,
                               f"cpe:2.3:{_part}:{vendor}:{product}:{version}:*:*:*:*:*:*:*"),)))
    return out


def indicator_values(n: int, seed: int, assets: list[Asset]) -> list[tuple[str, str, bool]]:
    """n (type, value, to_ids) with about 0.1% hitting the assets."""
    rng = random.Random(seed)
    out: list[tuple[str, str, bool]] = []
    for _ in range(n):
        roll = rng.random()
        hit = rng.random() < 0.001
        asset = assets[rng.randrange(len(assets))]
        if roll < 0.40:
            out.append(("ip-dst", asset.ips[0] if hit else _ip(rng), True))
        elif roll < 0.45:
            out.append(("ip-dst", f"{_ip(rng).rsplit('.', 1)[0]}.0/24", True))
        elif roll < 0.70:
            name = asset.all_hosts[0] if hit else f"x{rng.getrandbits(40):x}.bad{rng.randint(0, 999)}.example"
            out.append(("domain", name, True))
        elif roll < 0.85:
            host = asset.all_hosts[0] if hit else f"cdn{rng.getrandbits(32):x}.evil.example"
            out.append(("url", f"http://{host}/p/{rng.getrandbits(48):x}.php", True))
        elif roll < 0.95:
            out.append(("sha256", f"{rng.getrandbits(256):064x}", True))
        else:
            out.append(("vulnerability", f"CVE-20{rng.randint(10, 25)}-{rng.randint(1000, 99999)}", False))
    return out


def write_feed(folder: Path, total: int = 1_000_000, per_event: int = 1000, seed: int = 11,
               assets: list[Asset] | None = None) -> Path:
    """A MISP feed folder with `total` attributes in events of `per_event`."""
    rng = random.Random(seed)
    assets = assets or city_assets()
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    hashes: list[str] = []
    values = indicator_values(total, seed, assets)
    for start in range(0, total, per_event):
        ev_uuid = str(uuid.UUID(int=rng.getrandbits(128)))
        stamp = 1_780_000_000 + start
        attrs, objects = [], []
        for type_, value, to_ids in values[start:start + per_event]:
            a_uuid = str(uuid.UUID(int=rng.getrandbits(128)))
            if type_ == "vulnerability":
                vendor, product, part = PRODUCTS[rng.randrange(len(PRODUCTS))]
                cpe = f"cpe:2.3:{part}:{vendor}:{product}:*:*:*:*:*:*:*:*"
                objects.append({"uuid": str(uuid.UUID(int=rng.getrandbits(128))), "name": "vulnerability",
                                "meta-category": "vulnerability", "timestamp": str(stamp),
                                "Attribute": [
                                    {"uuid": a_uuid, "type": "vulnerability", "object_relation": "id",
                                     "value": value, "to_ids": False, "timestamp": str(stamp)},
                                    {"uuid": str(uuid.UUID(int=rng.getrandbits(128))), "type": "cpe",
                                     "object_relation": "vulnerable-configuration", "value": cpe,
                                     "to_ids": False, "timestamp": str(stamp)},
                                    {"uuid": str(uuid.UUID(int=rng.getrandbits(128))), "type": "text",
                                     "object_relation": "version-end-excluding", "value": "3.0.0",
                                     "to_ids": False, "timestamp": str(stamp)}]})
            else:
                attrs.append({"uuid": a_uuid, "type": type_, "category": "Network activity", "value": value,
                              "to_ids": to_ids, "comment": "", "timestamp": str(stamp),
                              "disable_correlation": False})
            hashes.append(f"{hashlib.md5(value.encode()).hexdigest()},{ev_uuid}")
        event = {"uuid": ev_uuid, "info": f"Benchmark event {start // per_event}", "date": "2026-06-01",
                 "analysis": "2", "threat_level_id": "2", "timestamp": str(stamp),
                 "publish_timestamp": str(stamp), "published": True, "Orgc": {"name": "BENCH", "uuid": ev_uuid},
                 "Tag": [{"name": "tlp:green", "colour": "#339900", "local": False}],
                 "Attribute": attrs, **({"Object": objects} if objects else {})}
        (folder / f"{ev_uuid}.json").write_text(json.dumps({"Event": event}), encoding="utf-8")
        manifest[ev_uuid] = {"Orgc": event["Orgc"], "Tag": event["Tag"], "info": event["info"],
                             "date": event["date"], "analysis": 2, "threat_level_id": 2, "timestamp": stamp}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "hashes.csv").write_text("\n".join(hashes) + "\n", encoding="utf-8")
    return folder
