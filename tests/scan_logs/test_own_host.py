"""A site named in intel does not flood its own logs with IoC hits (its Host/Referer)."""

from __future__ import annotations

from pathlib import Path

from csirt_kit.config import load_config
from csirt_kit.models import Asset, EventRef, Indicator
from csirt_kit.scan.logs.inventory import scan_inventory_logs
from csirt_kit.store.assets import upsert_assets

LINE = ('198.51.100.7 - - [20/Nov/2026:10:00:0{n} +0700] "GET /berita/{n} HTTP/1.1" 200 512 '
        '"{ref}" "Mozilla/5.0"\n')


def test_own_domain_indicator_is_not_an_ioc_hit_but_another_domain_is(store, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(LINE.format(n=1, ref="http://smpn3.kota.example/") +
                   LINE.format(n=2, ref="http://www.smpn3.kota.example/index") +
                   LINE.format(n=3, ref="http://slot-gacor.example/daftar"), encoding="utf-8")
    with store.write() as conn:
        upsert_assets(conn, [Asset(id="web-smpn3", name="SMPN 3", kind="website",
                                   urls=("http://smpn3.kota.example/",), logs=(str(log),))],
                      "t", "2026-11-01T00:00:00Z")
    event = EventRef("e1", "Judol campaign", "2026-11-19", "2")
    indicators = [Indicator("feed", "domain", "smpn3.kota.example", event),
                  Indicator("feed", "domain", "slot-gacor.example", event)]
    report = scan_inventory_logs(store, load_config(None, env={}), None, indicators=indicators,
                                 record=False)
    hits = {f.evidence["indicator"]["value"] for f in report.findings if f.kind == "ioc.log"}
    assert hits == {"slot-gacor.example"}
