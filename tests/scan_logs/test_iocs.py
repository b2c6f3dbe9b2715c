"""IoC matching in logs: exact field lookups, Aho-Corasick for free text, line numbers."""

from __future__ import annotations

import random
from pathlib import Path

from csirt_kit.models import EventRef, Indicator
from csirt_kit.scan.logs.iocs import IocMatcher
from csirt_kit.scan.logs.reader import ReadLimits
from csirt_kit.scan.logs.scanner import LogSettings, scan_logs

from .conftest import access_line


def ind(type_: str, value: str, **kw: object) -> Indicator:
    return Indicator("feed-test", type_, value, **kw)  # type: ignore[arg-type]


def hits_of(line: str, indicators: list[Indicator], fmt: str = "combined") -> set[tuple[str, str]]:
    return {(h.field, h.value) for h in IocMatcher(indicators).scan(line.encode(), fmt)}


def test_client_ip_is_exact_not_a_substring() -> None:
    indicators = [ind("ip-src", "10.0.0.1")]
    assert hits_of(access_line(ip="10.0.0.1"), indicators) == {("ip", "10.0.0.1")}
    assert hits_of(access_line(ip="10.0.0.10"), indicators) == set()
    assert hits_of(access_line(ip="110.0.0.1"), indicators) == set()


def test_ip_in_the_path_is_not_a_client_ip_hit() -> None:
    assert hits_of(access_line(ip="192.0.2.1", path="/?x=10.0.0.1"), [ind("ip-dst", "10.0.0.1")]) == set()


def test_domains_hit_their_subdomains_in_referrers_and_urls() -> None:
    indicators = [ind("domain", "evil.example")]
    assert hits_of(access_line(referer="https://cdn.evil.example/a.js"), indicators) == {
        ("domain", "evil.example")}
    assert hits_of(access_line(path="/go?u=http://evil.example/x"), indicators) == {
        ("domain", "evil.example")}
    assert hits_of(access_line(referer="https://notevil.example/"), indicators) == set()


def test_url_and_uri_indicators() -> None:
    indicators = [ind("url", "http://bad.example/payload.php"), ind("uri", "/wp-content/uploads/x.php")]
    assert hits_of(access_line(referer="http://bad.example/payload.php?id=3"), indicators) == {
        ("url", "bad.example/payload.php")}
    assert hits_of(access_line(path="/wp-content/uploads/x.php?cmd=id"), indicators) == {
        ("target", "/wp-content/uploads/x.php")}
    assert hits_of(access_line(path="/wp-content/uploads/x.phps"), indicators) == set()


def test_user_agent_with_stray_quotes_and_hashes_any_case() -> None:
    indicators = [ind("user-agent", 'Evil "Bot" 1.0'), ind("sha256", "AB" * 32)]
    line = access_line(ua='Evil "Bot" 1.0', path="/dl/" + "ab" * 32)
    assert hits_of(line, indicators) == {("ua", 'Evil "Bot" 1.0'), ("hash", "ab" * 32)}


def test_free_text_types_match_anywhere_with_aho_corasick() -> None:
    indicators = [ind("filename", "r57shell.php"), ind("email-src", "judi@slot.example")]
    line = access_line(path="/up/r57shell.php", referer="mailto:judi@slot.example")
    # access logs: file names are the request path's last segment; e-mail anywhere
    assert hits_of(line, indicators) == {("file", "r57shell.php"), ("text", "judi@slot.example")}
    assert hits_of(access_line(path="/up/r57shell.php.txt"), indicators) == set()
    error = '[Sun Nov 22 10:00:00 2026] [error] [client 192.0.2.1] script /var/www/up/r57shell.php not found\n'
    assert hits_of(error, indicators, "error") == {("text", "r57shell.php")}
    json_line = '{"remote_addr": "192.0.2.1", "request": "POST /up/r57shell.php?x=1 HTTP/1.1"}\n'
    assert hits_of(json_line, indicators, "json") == {("file", "r57shell.php")}


def test_json_and_syslog_fields() -> None:
    indicators = [ind("ip-src", "203.0.113.50"), ind("hostname", "c2.example")]
    json_line = '{"remote_addr": "203.0.113.50", "host": "x.c2.example", "request": "GET / HTTP/1.1"}\n'
    assert hits_of(json_line, indicators, "json") == {("ip", "203.0.113.50"), ("host", "c2.example")}
    sshd = "Nov 22 10:00:00 web01 sshd[1]: Failed password for root from 203.0.113.50 port 22 ssh2\n"
    assert hits_of(sshd, indicators, "syslog") == {("ip", "203.0.113.50")}


def test_line_numbers_timestamps_and_one_finding_per_day(tmp_path: Path) -> None:
    lines = [access_line(ip="192.0.2.1") for _ in range(999)]
    lines[100] = access_line(ip="203.0.113.66", when="22/Nov/2026:08:00:00 +0700")
    lines[700] = access_line(ip="203.0.113.66", when="22/Nov/2026:09:00:00 +0700")
    lines[900] = access_line(ip="203.0.113.66", when="23/Nov/2026:09:00:00 +0700")
    (tmp_path / "access.log").write_text("".join(lines))
    indicator = ind("ip-src", "203.0.113.66", event=EventRef(uuid="e-1", info="scanner", threat_level="1"))
    settings = LogSettings(limits=ReadLimits(chunk_size=2000))  # many chunks: offsets must still map
    report = scan_logs([str(tmp_path / "access.log")], indicators=[indicator], settings=settings)
    by_day = {f.evidence["day"]: f for f in report.findings}
    assert set(by_day) == {"2026-11-22", "2026-11-23"}
    first = by_day["2026-11-22"]
    assert (first.evidence["line"], first.evidence["last_line"], first.evidence["count"]) == (101, 701, 2)
    assert first.evidence["timestamp"] == "2026-11-22T01:00:00Z"
    assert first.severity == "high" and first.kind == "ioc.log" and first.indicator == "203.0.113.66"
    assert first.evidence["indicator"]["event_uuid"] == "e-1"
    assert by_day["2026-11-23"].evidence["line"] == 901


def test_matcher_agrees_with_a_plain_reference_on_random_logs() -> None:
    rng = random.Random(7)
    ips = [f"198.51.{rng.randrange(256)}.{rng.randrange(256)}" for _ in range(300)]
    bad = set(rng.sample(ips, 30))
    lines = [access_line(ip=rng.choice(ips), path=f"/p{rng.randrange(99)}") for _ in range(3000)]
    matcher = IocMatcher([ind("ip-src", ip) for ip in bad])
    got: list[int] = []
    data = "".join(lines).encode()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for hit in matcher.scan(data, "combined"):
        got.append(starts.index(hit.offset) if hit.offset in starts else -1)
    expected = [i for i, line in enumerate(lines) if line.split(" ", 1)[0] in bad]
    assert got == expected
