"""Log heuristics: each harmless sample raises its finding with the right lines; ordinary
traffic raises nothing; the crawler check is offline-able and bounded; fingerprints hold
across reruns and log rotation. DNS is always a fake resolver here."""

from __future__ import annotations

import gzip
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.config import load_config
from csirt_kit.scan.logs.crawlers import (
    CANARY,
    FAKE,
    GENUINE,
    PRIVATE,
    UNCHECKED,
    CrawlerCheck,
    CrawlerVerifier,
    ResolverError,
)
from csirt_kit.scan.logs.heuristics import HeuristicSettings, heuristic_settings
from csirt_kit.scan.logs.scanner import LogSettings, scan_logs, settings_from_config
from csirt_kit.scan.report import ScanReport

SAMPLES = Path(__file__).parents[1] / "data" / "log_heuristics"
GOOGLE_IP = "66.249.66.1"
GOOGLE_NAME = "crawl-66-249-66-1.googlebot.com"


class FakeDns:
    """Real Googlebot for 66.249.66.1; a spoofed msn.com PTR that does not resolve back for 45.13.7.11."""

    def __init__(self) -> None:
        self.reverse_calls: list[str] = []

    def reverse(self, ip: str) -> list[str]:
        self.reverse_calls.append(ip)
        return {GOOGLE_IP: [GOOGLE_NAME],
                "45.13.7.11": ["msnbot-45-13-7-11.search.msn.com"]}.get(ip, [f"host-{ip}.example.net"])

    def forward(self, name: str) -> list[str]:
        return {GOOGLE_NAME: [GOOGLE_IP], "msnbot-45-13-7-11.search.msn.com": ["157.55.39.1"],
                CANARY: ["66.249.64.1"]}.get(name, [])


def scan(path: Path | str, dns: Any = None, **kw: Any) -> ScanReport:
    verifier = CrawlerVerifier(CrawlerCheck(), dns or FakeDns())
    return scan_logs([str(path)], asset_id="web-1", verifier=verifier, **kw)


def lines_with(path: Path, text: str) -> list[int]:
    return [i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line]


def of_kind(report: ScanReport, kind: str) -> list[Any]:
    return [f for f in report.findings if f.kind == kind]


def test_ordinary_traffic_gives_nothing() -> None:
    """Real Googlebot (DNS confirms it), POSTs to wp-login.php and index.php, a daily sitemap."""
    dns = FakeDns()
    report = scan(SAMPLES / "ordinary.log", dns)
    assert report.findings == ()
    assert report.stats["crawler_genuine"] == 1 and GOOGLE_IP in dns.reverse_calls
    assert report.stats["crawler_check"] == "dns"


def test_fake_crawlers_are_found_with_their_lines() -> None:
    path = SAMPLES / "fake_crawler.log"
    report = scan(path)
    fakes = {f.evidence["client_ip"]: f for f in of_kind(report, "log.fake_crawler")}
    # 45.13.7.11 has a search.msn.com PTR, but the name does not resolve back to it
    assert set(fakes) == {"45.13.7.9", "45.13.7.11"}
    google = fakes["45.13.7.9"]
    want = lines_with(path, "45.13.7.9")
    assert (google.evidence["line"], google.evidence["last_line"], google.evidence["count"]) == (
        want[0], want[-1], 4)
    assert google.evidence["claimed"] == "googlebot" and google.evidence["day"] == "2026-11-21"
    assert [s["line"] for s in google.evidence["samples"]] == want
    assert "Googlebot" in google.evidence["snippet"] and google.evidence["path"] == str(path)
    assert fakes["45.13.7.11"].evidence["claimed"] == "bingbot"
    # the real Googlebot is genuine; a private address is not judged
    assert report.stats["crawler_genuine"] == 1 and report.stats["crawler_private"] == 1


def test_upload_post_ran_is_high_and_a_404_probe_is_only_counted() -> None:
    path = SAMPLES / "upload_post.log"
    report = scan(path)
    found = of_kind(report, "log.upload_post")
    assert len(found) == 1
    f = found[0]
    assert f.severity == "high" and f.evidence["upload_folder"] == "wp-content/uploads/"
    want = lines_with(path, "POST /wp-content/uploads/2026/11/cache.php")
    assert (f.evidence["line"], f.evidence["last_line"], f.evidence["count"]) == (want[0], want[-1], 3)
    assert f.evidence["statuses"] == {"200": 3} and f.evidence["client_ips"] == ["45.13.7.20"]
    assert report.stats["upload_post_probes"] == 1  # POST to thumb.php5 answered 404
    assert "webshell" in f.tags


def test_a_new_script_then_posts_is_web_shell_use() -> None:
    path = SAMPLES / "webshell_use.log"
    f, = of_kind(scan(path), "log.webshell_use")
    posts = lines_with(path, "POST /wp-includes/css/style-min.php")
    first = lines_with(path, "/wp-includes/css/style-min.php")[0]
    assert f.evidence["first_request"]["line"] == first < posts[0]
    assert (f.evidence["line"], f.evidence["last_line"], f.evidence["posts_ok"]) == (posts[0], posts[-1], 5)
    assert f.evidence["client_ips"] == ["45.13.7.30"] and f.severity == "high"


def test_web_shell_rule_needs_a_new_path_few_addresses_and_enough_posts(tmp_path: Path) -> None:
    path = SAMPLES / "webshell_use.log"
    for settings in (HeuristicSettings(new_after_hours=72),  # the path counts as old then
                     HeuristicSettings(webshell_min_posts=6),
                     HeuristicSettings(webshell_ignore=("/wp-includes/css/style-min.php",))):
        report = scan(path, settings=LogSettings(heuristics=settings))
        assert of_kind(report, "log.webshell_use") == []


def test_gambling_slugs_served_200_are_found() -> None:
    path = SAMPLES / "gambling_slug.log"
    f, = of_kind(scan(path), "log.gambling_slug")
    targets = {t["target"]: t["count"] for t in f.evidence["top_targets"]}
    # the 404 for /judi-online-terpercaya/ and the parking-slot news page are not in it
    assert targets == {"/slot-gacor-maxwin/": 3, "/?id=togel88": 1}
    want = lines_with(path, "/slot-gacor-maxwin/") + lines_with(path, "/?id=togel88")
    assert (f.evidence["line"], f.evidence["last_line"], f.evidence["count"]) == (min(want), max(want), 4)
    assert "judol" in f.tags and f.severity == "high"


def test_a_burst_for_a_new_sitemap_is_found_and_a_daily_sitemap_is_not() -> None:
    path = SAMPLES / "sitemap_burst.log"
    f, = of_kind(scan(path), "log.sitemap_burst")
    want = lines_with(path, "/sitemap-judi")
    assert f.evidence["window_count"] == 30 and f.evidence["count"] == 30
    assert f.evidence["sitemaps"] == [f"/sitemap-judi{i}.xml" for i in range(1, 6)]
    assert (f.evidence["line"], f.evidence["last_line"]) == (want[0], want[-1])
    assert f.severity == "high"  # gambling words in the sitemap names
    report = scan(path, settings=LogSettings(heuristics=HeuristicSettings(sitemap_burst=31)))
    assert of_kind(report, "log.sitemap_burst") == []


def test_offline_mode_skips_the_check_and_says_so(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[scan.logs]\nverify_crawlers = "off"\n')
    settings = settings_from_config(load_config(str(cfg), env={}))
    assert settings.heuristics.crawlers.mode == "off"
    dns = FakeDns()
    report = scan_logs([str(SAMPLES / "fake_crawler.log")], settings=settings,
                       verifier=CrawlerVerifier(settings.heuristics.crawlers, dns))
    assert of_kind(report, "log.fake_crawler") == [] and dns.reverse_calls == []
    assert report.stats["crawler_check"] == "off"
    assert report.stats["crawler_unchecked"] == 3 and report.stats["crawler_private"] == 1


def test_a_bad_verify_crawlers_value_is_a_config_error(tmp_path: Path) -> None:
    from csirt_kit.errors import ConfigError

    cfg = tmp_path / "c.toml"
    cfg.write_text('[scan.logs]\nverify_crawlers = "maybe"\n')
    with pytest.raises(ConfigError, match="verify_crawlers"):
        heuristic_settings(load_config(str(cfg), env={}))


class HangingDns:
    """A resolver whose lookups never answer until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def reverse(self, ip: str) -> list[str]:
        self.calls += 1
        self.release.wait(60)
        raise ResolverError("released")

    def forward(self, name: str) -> list[str]:
        return ["66.249.64.1"] if name == CANARY else []


@pytest.fixture()
def hanging() -> Iterator[HangingDns]:
    dns = HangingDns()
    yield dns
    dns.release.set()


def test_a_hung_resolver_is_bounded_and_what_was_not_checked_is_counted(hanging: HangingDns) -> None:
    verifier = CrawlerVerifier(CrawlerCheck(timeout=0.05, budget=0.3, threads=2), hanging)
    report = scan_logs([str(SAMPLES / "fake_crawler.log")], verifier=verifier)
    assert of_kind(report, "log.fake_crawler") == []  # no answer is never "fake"
    assert report.stats["crawler_unchecked"] == 3 and report.stats["dns_budget_exhausted"] is True
    assert hanging.calls <= 2  # two threads, each stuck in its first lookup


def test_the_lookup_cap_and_the_per_run_cache() -> None:
    dns = FakeDns()
    verifier = CrawlerVerifier(CrawlerCheck(max_lookups=2), dns)
    claims = [("45.13.7.1", "googlebot"), ("45.13.7.2", "googlebot"), ("45.13.7.3", "bingbot"),
              (GOOGLE_IP, "googlebot"), ("192.168.1.1", "googlebot")]
    got = verifier.verdicts(claims)
    assert list(got.values()).count(UNCHECKED) == 2 and got[("192.168.1.1", "googlebot")] == PRIVATE
    assert len(dns.reverse_calls) == 2 and verifier.exhausted
    again = CrawlerVerifier(CrawlerCheck(), dns)
    first = again.verdicts([(GOOGLE_IP, "googlebot"), ("45.13.7.9", "googlebot")])
    calls = len(dns.reverse_calls)
    assert again.verdicts([(GOOGLE_IP, "googlebot"), ("45.13.7.9", "googlebot")]) == first == {
        (GOOGLE_IP, "googlebot"): GENUINE, ("45.13.7.9", "googlebot"): FAKE}
    assert len(dns.reverse_calls) == calls  # answered from the cache


def _fingerprints(report: ScanReport) -> set[tuple[str, str]]:
    return {(f.kind, f.fingerprint) for f in report.findings}


def _all_samples(tmp_path: Path) -> Path:
    """One log with every sample's lines, in time order (the attack lines of each)."""
    lines: list[str] = []
    for name in ("ordinary", "fake_crawler", "upload_post", "webshell_use", "gambling_slug",
                 "sitemap_burst"):
        lines += (SAMPLES / f"{name}.log").read_text().splitlines(keepends=True)
    from csirt_kit.scan.logs.formats import parse_line

    lines.sort(key=lambda line: parse_line("combined", line, 2026).ts)
    out = tmp_path / "logs" / "access.log"
    out.parent.mkdir()
    out.write_text("".join(lines))
    return out


def test_rerun_and_rotation_keep_the_fingerprints(tmp_path: Path) -> None:
    live = _all_samples(tmp_path)
    first = scan(live)
    assert {k for k, _ in _fingerprints(first)} == {
        "log.fake_crawler", "log.upload_post", "log.webshell_use", "log.gambling_slug",
        "log.sitemap_burst"}
    assert _fingerprints(scan(live)) == _fingerprints(first)
    # logrotate: access.log -> access.log.1 -> access.log.2.gz, a new empty access.log
    shutil.move(live, live.with_name("access.log.1"))
    live.write_text("")
    assert _fingerprints(scan(live)) == _fingerprints(first)
    data = live.with_name("access.log.1").read_bytes()
    live.with_name("access.log.1").unlink()
    live.with_name("access.log.2.gz").write_bytes(gzip.compress(data))
    rotated = scan(live)
    assert _fingerprints(rotated) == _fingerprints(first)
    upload, = of_kind(rotated, "log.upload_post")
    assert upload.evidence["path"] == str(live.with_name("access.log.2.gz"))
    assert upload.evidence["log_set"] == str(live)


def test_a_set_split_over_rotated_files_is_judged_as_one(tmp_path: Path) -> None:
    """The web shell's first GET sits in yesterday's file, its POSTs in today's."""
    src = (SAMPLES / "webshell_use.log").read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(src) if "GET /wp-includes/css/style-min.php" in line) + 1
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "access.log.1").write_text("".join(src[:cut]))
    (folder / "access.log").write_text("".join(src[cut:]))
    f, = of_kind(scan(folder / "access.log"), "log.webshell_use")
    assert f.evidence["first_request"]["path"] == str(folder / "access.log.1")
    assert f.evidence["path"] == str(folder / "access.log") and f.evidence["line"] == 1
    assert f.evidence["files"] == [str(folder / "access.log"), str(folder / "access.log.1")]


def test_heuristics_off_gives_only_yara_and_iocs() -> None:
    report = scan(SAMPLES / "upload_post.log",
                  settings=LogSettings(heuristics=HeuristicSettings(enabled=False)))
    assert report.findings == () and "crawler_check" not in report.stats


def test_json_logs_are_judged_too(tmp_path: Path) -> None:
    import json

    path = tmp_path / "access.json"
    rows = [{"time": f"2026-11-22T0{i}:00:00Z", "remote_addr": "45.13.7.20", "method": "POST",
             "request_uri": "/wp-content/uploads/x.php", "status": 200, "http_user_agent": "curl/8"}
            for i in range(2)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    f, = of_kind(scan(path), "log.upload_post")
    assert (f.evidence["line"], f.evidence["last_line"], f.evidence["format"]) == (1, 2, "json")


@pytest.mark.parametrize("stamp", ["20/Nov/2026:23:59:59 -0800", "21/Nov/2026:00:10:05 +0700",
                                   "21/Nov/2026:05:15:00 +0530", "31/Dec/2026:23:00:01 +0000"])
def test_crawler_lines_read_without_a_full_parse_get_the_parsed_time(stamp: str) -> None:
    from csirt_kit.scan.logs.candidates import Candidates
    from csirt_kit.scan.logs.formats import access_time

    c = Candidates("x.log", "combined", HeuristicSettings())
    assert c._stamp_ts(stamp.encode()) == c._stamp_ts(stamp.encode()) == access_time(stamp) != ""


def test_vhost_logs_take_the_client_address_not_the_host(tmp_path: Path) -> None:
    lines = [f'www.kota.go.id:443 45.13.7.9 - - [22/Nov/2026:10:0{i}:00 +0700] "GET / HTTP/1.1" 200 5 '
             f'"-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"\n'
             for i in range(3)]
    path = tmp_path / "other_vhosts_access.log"
    path.write_text("".join(lines))
    f, = of_kind(scan(path), "log.fake_crawler")
    assert f.evidence["client_ip"] == "45.13.7.9" and f.evidence["count"] == 3
    assert f.evidence["format"] == "vhost_combined" and f.evidence["timestamp"] == "2026-11-22T03:00:00Z"


class NoSuchNameDns:
    """A resolver on an isolated network: 'no such name' for everything."""

    def reverse(self, ip: str) -> list[str]:
        return []

    def forward(self, name: str) -> list[str]:
        return []


def test_a_resolver_that_knows_no_name_judges_no_crawler_and_says_why() -> None:
    report = scan(SAMPLES / "fake_crawler.log", dns=NoSuchNameDns())
    assert of_kind(report, "log.fake_crawler") == []  # would be every claimed crawler otherwise
    assert report.stats["dns_unusable"] is True and report.stats.get("crawler_fake", 0) == 0
    assert report.stats["crawler_unchecked"] >= 1
    assert of_kind(scan(SAMPLES / "fake_crawler.log"), "log.fake_crawler")  # working DNS: found
