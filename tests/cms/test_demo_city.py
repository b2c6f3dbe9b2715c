"""The demo city's compromised webroots give the CMS scanner's hits, and clean ones give nothing."""

from __future__ import annotations

import pytest

from csirt_kit.demo import DemoCity, build_city
from csirt_kit.demo import content as c
from csirt_kit.inventory.importer import import_inventory
from csirt_kit.scan.cms import scan_cms
from csirt_kit.scan.report import ScanReport
from csirt_kit.store.db import open_store


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> DemoCity:
    return build_city(tmp_path_factory.mktemp("cms-demo") / "city")


@pytest.fixture(scope="module")
def report(city: DemoCity) -> ScanReport:
    store = open_store(":memory:")
    import_inventory(store, [city.inventory_csv])
    yield scan_cms(store, None)
    store.close()


def expected_hits(city: DemoCity) -> dict[str, set[tuple[str, str, str]]]:
    """asset id -> {(kind, rule, relative path)} the scanner must report, per demo profile."""
    out: dict[str, set[tuple[str, str, str]]] = {}
    for site in city.sites:
        if site.profile == "webshell":
            out[site.asset_id] = {("cms.upload_php", "cms:upload_php", c.SHELL_PATH)}
        elif site.profile == "doorway":
            out[site.asset_id] = {
                ("cms.verification_token", "cms:verification_google", c.verification_name(site)),
                ("cms.sitemap_spam", "cms:sitemap_spam", "robots.txt"),
                ("cms.sitemap_spam", "cms:sitemap_spam", "sitemap.xml")}
        elif site.profile == "mobile-redirect":
            out[site.asset_id] = {("cms.persistence", "cms:crawler_rewrite", ".htaccess")}
        elif site.profile == "redirect":
            out[site.asset_id] = {("cms.persistence", "cms:gambling_redirect", ".htaccess")}
    return out


def test_compromised_webroots_give_exactly_the_expected_hits(city: DemoCity, report: ScanReport) -> None:
    got: dict[str, set[tuple[str, str, str]]] = {}
    for f in report.findings:
        assert f.asset_id is not None
        got.setdefault(f.asset_id, set()).add((f.kind, str(f.rule), str(f.evidence["relative_path"])))
    assert got == expected_hits(city)


def test_every_webroot_was_scanned_and_clean_ones_are_quiet(city: DemoCity, report: ScanReport) -> None:
    assert report.errors == ()
    with_webroot = [s for s in city.sites
                    if s.status == "active" and (city.webroots_dir / s.host).is_dir()]
    assert report.stats["targets"] == len(with_webroot) > 30
    clean = {s.asset_id for s in with_webroot if s.profile == "clean"}
    assert len(clean) >= 30
    assert not clean & {f.asset_id for f in report.findings}
    assert report.stats["detected"].get("wordpress", 0) > 0
