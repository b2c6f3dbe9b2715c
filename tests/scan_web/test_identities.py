"""Four-identity probes: a loopback site that shows each identity something else.

The server below answers by Host, User-Agent and Referer, the way compromised sites do:
spam only for Googlebot, a redirect only for visitors from Google, spam only for phones
arriving from Google. Each trick must be found and named after the identity that saw it;
a page identical for every identity gives nothing.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from .conftest import City, Route, kinds, page

CLEAN = page("Dinas Kesehatan", "<p>Jadwal vaksinasi dan layanan puskesmas kota.</p>"
             "<nav><a href='/profil'>Profil</a> <a href='https://kemkes.go.id/'>Kemenkes</a></nav>")
GOOGLEBOT_SPAM = page("SLOT GACOR Hari Ini - Situs Slot88 Maxwin", "<p>Daftar slot gacor maxwin</p>" + "".join(
    f"<a href='https://slot-gacor{i}.example/daftar'>slot gacor {i}</a>" for i in range(4)))
MOBILE_SPAM = page("Dinas Kesehatan", "<p>Jadwal vaksinasi.</p>"
                   "<div style='position:absolute;left:-9999px'>"
                   "<a href='https://maxwin-togel.example/'>togel hari ini</a>"
                   "<a href='https://sbobet.com/'>judi bola</a></div>")

Answer = tuple[int, dict[str, str], bytes]


def _from_google(referer: str) -> bool:
    return referer.startswith("https://www.google.")


def route(host: str, path: str, ua: str, referer: str) -> Answer:
    """What the compromised (and honest) test sites answer to whom."""
    mobile = "Android" in ua or "Mobile" in ua
    if host == "bot.kab.test":
        return 200, {}, GOOGLEBOT_SPAM if "Googlebot" in ua else CLEAN
    if host == "ref.kab.test":
        if _from_google(referer) and not mobile:
            return 302, {"Location": "https://slot-gacor88.example/daftar"}, b""
        return 200, {}, CLEAN
    if host == "mob.kab.test":
        return 200, {}, MOBILE_SPAM if mobile and _from_google(referer) else CLEAN
    if host == "www.kab.test":
        if mobile:
            return 302, {"Location": "http://m.kab.test/"}, b""
        return 200, {}, CLEAN
    if host == "same.kab.test":
        return 200, {}, CLEAN
    return 404, {}, b"not found"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str, str]]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        ua, referer = self.headers.get("User-Agent", ""), self.headers.get("Referer", "")
        if self.path == "/":  # the pages themselves, not the same-origin links the browser follows
            self.seen.append((host, ua, referer))
        status, headers, body = route(host, self.path, ua, referer)
        self.send_response(status)
        for k, v in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def kab(city: City) -> Iterator[tuple[City, list[tuple[str, str, str]]]]:
    """The city fixture with *.kab.test going to the identity-aware server."""
    seen: list[tuple[str, str, str]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        city.configure(resolve={"*.kab.test": f"127.0.0.1:{httpd.server_address[1]}"})
        yield city, seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def _scan(city: City, *hosts: str) -> dict[str, Any]:
    city.inventory(*[(f"web-{h.split('.')[0]}", f"http://{h}/", "active") for h in hosts])
    return city.scan("--no-rules")


def test_default_identities_are_the_four(kab: tuple[City, list[tuple[str, str, str]]]) -> None:
    city, seen = kab
    doc = _scan(city, "same.kab.test")
    assert doc["stats"]["identities"] == ["browser", "browser-from-google", "googlebot", "mobile-from-google"]
    got = sorted((("Googlebot" in ua), ("Android" in ua), ref) for _, ua, ref in seen)
    assert got == [(False, False, ""), (False, False, "https://www.google.com/"),
                   (False, True, "https://www.google.com/"), (True, False, "")]


def test_identical_page_for_all_identities_gives_nothing(kab: tuple[City, list[tuple[str, str, str]]]) -> None:
    city, _ = kab
    doc = _scan(city, "same.kab.test")
    assert doc["findings"] == [] and doc["errors"] == []


def test_googlebot_only_spam_is_cloaking_seen_by_googlebot(
        kab: tuple[City, list[tuple[str, str, str]]]) -> None:
    city, _ = kab
    doc = _scan(city, "bot.kab.test")
    cloaked = kinds(doc, "web.cloaking")
    assert len(cloaked) == 1
    ev = cloaked[0]["evidence"]
    assert ev["identity"] == "googlebot" and ev["identities"] == ["googlebot"]
    assert "slot gacor" in ev["terms"] and "judol" in cloaked[0]["tags"]
    copies = ev["copies"]
    assert set(copies) == {"browser", "browser-from-google", "googlebot", "mobile-from-google"}
    assert copies["googlebot"]["sha256"] != copies["browser"]["sha256"] == copies["mobile-from-google"]["sha256"]
    assert "SLOT GACOR" in copies["googlebot"]["copy"] and "SLOT GACOR" not in copies["browser"]["copy"]
    judol = kinds(doc, "web.judol_content")
    assert len(judol) == 1 and judol[0]["evidence"]["identities"] == ["googlebot"]
    assert judol[0]["severity"] == "high" and "googlebot" in judol[0]["title"]
    assert kinds(doc, "web.redirect") == []


def test_google_referer_only_redirect_names_the_identity(kab: tuple[City, list[tuple[str, str, str]]]) -> None:
    city, seen = kab
    doc = _scan(city, "ref.kab.test")
    red = kinds(doc, "web.redirect")
    assert len(red) == 1
    ev = red[0]["evidence"]
    assert ev["identities"] == ["browser-from-google"] and ev["conditional"] is True
    assert ev["referer"] == "https://www.google.com/"
    assert ev["location"] == "https://slot-gacor88.example/daftar"
    assert set(ev["not_seen_by"]) == {"browser", "googlebot", "mobile-from-google"}
    assert ev["not_seen_by"]["browser"]["status"] == 200 and len(ev["not_seen_by"]["browser"]["sha256"]) == 64
    assert red[0]["severity"] == "high" and {"judol", "cloaking"} <= set(red[0]["tags"])
    assert red[0]["title"] == "Redirect off-site to slot-gacor88.example only for browser-from-google"
    assert {h for h, _, _ in seen} == {"ref.kab.test"}  # the gambling site is never fetched


def test_mobile_from_google_only_spam(kab: tuple[City, list[tuple[str, str, str]]]) -> None:
    city, _ = kab
    doc = _scan(city, "mob.kab.test")
    hidden = kinds(doc, "web.hidden_links")
    assert len(hidden) == 1 and hidden[0]["severity"] == "high"
    ev = hidden[0]["evidence"]
    assert ev["identities"] == ["mobile-from-google"]
    assert {lk["url"] for lk in ev["links"]} == {"https://maxwin-togel.example/", "https://sbobet.com/"}
    assert all(lk["hidden"] == "off-screen" for lk in ev["links"])
    cloaked = kinds(doc, "web.cloaking")
    assert len(cloaked) == 1 and cloaked[0]["evidence"]["identities"] == ["mobile-from-google"]
    assert cloaked[0]["evidence"]["signals"]["mobile-from-google"]


def test_rescan_keeps_one_finding_per_trick(kab: tuple[City, list[tuple[str, str, str]]]) -> None:
    city, _ = kab
    first = _scan(city, "bot.kab.test", "ref.kab.test", "mob.kab.test")
    second = city.scan("--no-rules")
    assert sorted(f["fingerprint"] for f in first["findings"]) == sorted(
        f["fingerprint"] for f in second["findings"])
    assert len(first["findings"]) == 5  # cloaking+judol (bot), redirect (ref), cloaking+hidden (mob)


def test_identity_referer_from_config_is_sent(kab: tuple[City, list[tuple[str, str, str]]]) -> None:
    city, seen = kab
    city.configure(resolve={"*.kab.test": city_resolve(city)}, identities=[
        {"name": "desktop", "user_agent": "Mozilla/5.0 Desktop"},
        {"name": "from-bing", "user_agent": "Mozilla/5.0 Desktop", "referer": "https://www.bing.com/"}])
    doc = _scan(city, "same.kab.test")
    assert doc["stats"]["identities"] == ["desktop", "from-bing"]
    assert sorted(ref for _, _, ref in seen) == ["", "https://www.bing.com/"]


def test_bad_referer_in_config_is_a_config_error(city: City) -> None:
    city.configure(identities=[{"name": "x", "user_agent": "UA", "referer": "google.com"}])
    result = city.cli(["scan", "web", "--no-rules"], expect=2)
    assert "referer" in result.stderr and "Traceback" not in result.stderr


def city_resolve(city: City) -> str:
    """The current *.kab.test mapping of the city's config."""
    text = city.config.read_text()
    return text.split('"*.kab.test" = "', 1)[1].split('"', 1)[0]


def test_per_host_limit_holds_across_identities(city: City) -> None:
    city.configure(per_host=1, workers=8)
    for name in ("p1", "p2"):
        city.sites.hosts[f"{name}.kota.test"] = {"/": Route(body=CLEAN, delay=0.05)}
    city.inventory(("web-p1", "http://p1.kota.test/", "active"), ("web-p2", "http://p2.kota.test/", "active"))
    city.scan("--no-rules")
    for host in ("p1.kota.test", "p2.kota.test"):
        hits = sorted((h for h in city.sites.log if h.host == host and h.path == "/"), key=lambda h: h.start)
        assert len(hits) == 4 and len({h.ua for h in hits}) == 3  # four identities, three user agents
        assert all(a.end <= b.start for a, b in itertools.pairwise(hits)), "overlapping requests"


def test_duplicate_identity_names_are_a_config_error(city: City) -> None:
    city.configure(identities=[{"name": "x", "user_agent": "UA"}, {"name": "x", "user_agent": "UA2"}])
    result = city.cli(["scan", "web", "--no-rules"], expect=2)
    assert "names must be different" in result.stderr


def test_phones_sent_to_the_mobile_site_of_the_same_domain_is_medium(
        kab: tuple[City, list[tuple[str, str, str]]]) -> None:
    city, _ = kab
    doc = _scan(city, "www.kab.test")
    red = kinds(doc, "web.redirect")
    assert [(f["severity"], f["evidence"]["identities"]) for f in red] == [("medium", ["mobile-from-google"])]
    assert "cloaking" not in red[0]["tags"] and "judol" not in red[0]["tags"]
