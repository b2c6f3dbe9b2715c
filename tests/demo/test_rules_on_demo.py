"""The bundled rules find the demo's compromised files, pages and log lines, and nothing clean."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from csirt_kit.demo import DemoCity
from csirt_kit.demo.logs import GOOGLEBOT_UA
from csirt_kit.scan.rules import RuleSet, load_rules


@pytest.fixture(scope="module")
def file_rules() -> RuleSet:
    return load_rules(scopes=("files", "web"))


@pytest.fixture(scope="module")
def web_rules() -> RuleSet:
    return load_rules(scopes=("web",))


@pytest.fixture(scope="module")
def log_rules() -> RuleSet:
    return load_rules(scopes=("logs",))


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file())


def test_every_compromised_file_is_matched_in_its_category(demo_city: DemoCity, file_rules: RuleSet) -> None:
    assert not file_rules.problems
    for finding in demo_city.expected.of_kind("yara.file"):
        categories = {hit.category for hit in file_rules.match_file(finding.where)}
        assert finding.category in categories, (finding, categories)


def test_clean_webroots_match_nothing(demo_city: DemoCity, file_rules: RuleSet) -> None:
    checked = 0
    for asset_id in demo_city.expected.clean_webroots:
        for path in _files(demo_city.webroots_dir / demo_city.site(asset_id).host):
            assert file_rules.match_file(str(path)) == [], path
            checked += 1
    assert checked > 100


def test_served_pages_match_for_compromised_sites_only(demo_city: DemoCity, demo_server: tuple,
                                                       web_rules: RuleSet) -> None:
    _, port = demo_server

    def fetch(url: str, ua: str = "Mozilla/5.0") -> bytes:
        host, _, path = url.removeprefix("http://").partition("/")
        reply = requests.get(f"http://127.0.0.1:{port}/{path}", headers={"Host": host, "User-Agent": ua},
                             allow_redirects=False, timeout=5)
        return reply.content

    for finding in demo_city.expected.of_kind("yara.web"):
        if finding.requires:
            continue
        categories = {hit.category for hit in web_rules.match(fetch(finding.where))}
        assert finding.category in categories, (finding, categories)
    cloaked = demo_city.expected.of_kind("web.cloaking")[0].where
    assert {h.category for h in web_rules.match(fetch(cloaked, GOOGLEBOT_UA))} == {"judol"}
    assert web_rules.match(fetch(cloaked)) == []
    clean = [s for s in demo_city.sites if s.profile == "clean"][:50]
    for site in clean:
        for ua in ("Mozilla/5.0", GOOGLEBOT_UA):
            assert web_rules.match(fetch(site.url, ua)) == [], site.host


def test_attack_logs_match_and_clean_logs_do_not(demo_city: DemoCity, log_rules: RuleSet) -> None:
    for finding in demo_city.expected.of_kind("yara.log"):
        categories = {hit.category for hit in log_rules.match_file(finding.where)}
        assert finding.category in categories, (finding, categories)
    for asset_id in demo_city.expected.clean_logs:
        for path in _files(demo_city.logs_dir / "web" / demo_city.site(asset_id).host):
            data = path.read_bytes()
            data = gzip.decompress(data) if path.suffix == ".gz" else data
            assert log_rules.match(data) == [], path
