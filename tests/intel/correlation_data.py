"""Generated assets and indicators with every kind of match, near misses, expired and listed rows."""

from __future__ import annotations

import json
import random

from csirt_kit.intel.normalize import normalize
from csirt_kit.intel.store import Row, now_iso, write_indicators, write_objects
from csirt_kit.models import Asset, Software
from csirt_kit.store.assets import upsert_assets
from csirt_kit.store.db import Store

PAST = "2001-01-01T00:00:00.000000Z"


def assets(n: int = 60, seed: int = 3) -> list[Asset]:
    """Assets with IPv4/IPv6 addresses, networks of odd lengths, hosts and software."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        nets: tuple[str, ...] = ()
        if i % 10 == 0:
            nets = (rng.choice(["10.{}.0.0/16", "10.{}.16.0/20", "10.{}.4.0/22", "10.{}.9.128/25"])
                    .format(i),)
        if i == 5:
            nets = ("24.0.0.0/7",)
        if i == 7:
            nets = ("2001:db8:7::/48",)
        ips = (f"45.{i}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",)
        if i % 9 == 0:
            ips += (f"2001:db8:{i:x}::{rng.randint(1, 999):x}",)
        base = "kota.example" if i % 2 else "pemkot.go.example"
        host = f"app{i}.opd{i % 4}.{base}"
        out.append(Asset(f"a{i}", f"Asset {i}", "website", ips=ips, networks=nets,
                         urls=(f"https://{host}/",), hostnames=(f"www{i}.{base}",),
                         software=(Software("WordPress", f"5.{i % 9}.1"),
                                   Software("nvr", "4.1.25", "hikvision",
                                            "cpe:2.3:o:hikvision:ds-7608ni-k2_firmware:4.1.25:*:*:*:*:*:*:*"))
                         if i % 6 == 0 else ()))
    return out


def _values(items: list[Asset], rng: random.Random) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, a in enumerate(items):
        ip = a.ips[0]
        o = ip.split(".")
        host = a.all_hosts[0]
        parent = host.split(".", 1)[1]
        out += [
            ("ip-dst", ip), ("ip-src", ip), ("ip-dst|port", f"{ip}|443"), ("domain|ip", f"x.test|{ip}"),
            ("ip-dst", f"{o[0]}.{o[1]}.{o[2]}.0/24"), ("ip-dst", f"{ip}/30"),
            ("ip-dst", f"{o[0]}.{o[1]}.{o[2]}.{(int(o[3]) + 1) % 255}"),  # near miss
            ("domain", host), ("hostname", f"www{i}.{parent.split('.', 1)[1]}"), ("domain", f"evil.{host}"),
            ("hostname|port", f"{host}|8080"), ("domain|ip", f"{parent}|203.0.113.9"),
            ("domain", f"not{host}"),
            ("url", f"http://{host}/x.php"), ("url", f"https://{parent}:8443/y"),
            ("url", f"http://deep.{host}/z"), ("url", f"http://{ip}/bot"),
            ("url", f"ftp://{ip}/drop"), ("uri", f"{host}/p"), ("link", f"https://{host}evil.test/"),
        ]
        if i % 20 == 0:  # wide networks: each holds many assets
            out += [("ip-src", f"{o[0]}.{o[1]}.0.0/12"), ("ip-dst", "32.0.0.0/3"), ("ip-dst", "45.0.0.0/9"),
                    ("domain", host.split(".", 2)[2])]
        if len(a.ips) > 1:
            out += [("ip-dst", a.ips[1]), ("url", f"http://[{a.ips[1]}]/v6"),
                    ("ip-dst", a.ips[1].rsplit(":", 2)[0] + "::/64")]
        for net in a.networks:
            first = net.split("/")[0]
            if ":" in first:
                out += [("ip-dst", first + "5"), ("url", f"http://[{first}9]/in-net"),
                        ("ip-src", first.rstrip(":") + "::/32")]
            else:
                p = first.split(".")
                out += [("ip-src", f"{p[0]}.{p[1]}.{p[2]}.{rng.randint(129, 200)}"),
                        ("url", f"http://{p[0]}.{p[1]}.{p[2]}.200/n"),
                        ("ip-dst", f"{p[0]}.{p[1]}.{p[2]}.{rng.randint(129, 200)}/31")]
    for _ in range(1000):  # noise
        out += [("ip-dst", f"{rng.randint(60, 220)}.{rng.randint(0, 255)}.1.{rng.randint(1, 254)}"),
                ("domain", f"n{rng.getrandbits(24):x}.bad.example"),
                ("url", f"http://n{rng.getrandbits(24):x}.evil.example/a"),
                ("sha256", f"{rng.getrandbits(256):064x}")]
    return out


def fill(store: Store, items: list[Asset], seed: int = 5, about: list[Asset] | None = None) -> None:
    """Store the assets, and indicators made from `about` (default: the same assets; some
    expired, warninglisted, not to_ids) and CVE objects."""
    rng = random.Random(seed)
    now = now_iso()
    rows: list[Row] = []
    for n, (type_, raw) in enumerate(_values(items if about is None else about, rng)):
        value = normalize(type_, raw)
        expires = PAST if n % 17 == 0 else ""
        lists = '["some list"]' if n % 13 == 0 else ""
        rows.append((f"k{n}", type_, value, f"ev{n % 7}", "", "", json.dumps(["tlp:green"]),
                     int(n % 5 != 0), "", "", 0, expires, lists))
    objects = []
    for n, (cpe, end) in enumerate([
            ("cpe:2.3:o:hikvision:ds-7608ni-k2_firmware:*:*:*:*:*:*:*:*", "4.1.30"),
            ("cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*", "5.5"),
            ("cpe:2.3:a:other:product:*:*:*:*:*:*:*:*", ""),
            ("cpe:2.3:a:wordpress:wordpress:5.0.1:*:*:*:*:*:*:*", ""),
            ("cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*", "9.0")]):  # its row expired
        key = f"obj{n}"
        attrs = {"a": ["id", "vulnerability", f"CVE-2024-{1000 + n}"],
                 "b": ["vulnerable-configuration", "cpe", cpe], "c": ["cvss-score", "float", "8.1"]}
        if end:
            attrs["d"] = ["version-end-excluding", "text", end]
        objects.append((key, "vulnerability", attrs))
        rows.append((f"v{n}", "vulnerability", f"CVE-2024-{1000 + n}", "ev1", key, "id", "", 0, "", "",
                     0, PAST if n == 4 else "", ""))
    rows.append(("loose1", "vulnerability", "CVE-2023-0001", "ev3", "", "", "", 0, "", "", 0, "", ""))
    rows.append(("loose2", "cpe", "cpe:2.3:a:wordpress:wordpress:5.3.1:*:*:*:*:*:*:*", "ev3", "", "", "",
                 0, "", "", 0, "", ""))
    with store.write() as conn:
        upsert_assets(conn, items, "test", now)
        conn.executemany("INSERT INTO intel_events (source, uuid, info, threat_level, tags) VALUES"
                         " ('gen', ?, ?, ?, '[\"tlp:amber\"]')",
                         [(f"ev{n}", f"Event {n}", "1" if n == 2 else "2") for n in range(7)])
        write_indicators(conn, "gen", rows, now)
        write_objects(conn, "gen", "ev1", objects, 0)
