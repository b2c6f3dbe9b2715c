"""The demo web server: virtual hosts by Host header, cloaking, redirects, suspended sites."""

from __future__ import annotations

import socket

import requests

from csirt_kit.demo import DemoCity, DemoWebServer
from csirt_kit.demo import content as c
from csirt_kit.demo.logs import GOOGLEBOT_UA

BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/130.0 Safari/537.36")
MOBILE = ("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/129.0 Mobile Safari/537.36")
GOOGLE = "https://www.google.com/"


def get(port: int, host: str, path: str = "/", ua: str = BROWSER, referer: str = "",
        method: str = "GET") -> requests.Response:
    headers = {"Host": host, "User-Agent": ua}
    if referer:
        headers["Referer"] = referer
    return requests.request(method, f"http://127.0.0.1:{port}{path}", headers=headers,
                            allow_redirects=False, timeout=5)


def _host(city: DemoCity, profile: str) -> str:
    return next(s.host for s in city.sites if s.profile == profile)


def test_virtual_hosts_are_chosen_by_host_header(demo_city: DemoCity, demo_server: tuple) -> None:
    _, port = demo_server
    a, b = [s for s in demo_city.sites if s.profile == "clean"][:2]
    page_a, page_b = get(port, a.host), get(port, f"{b.host}:{port}")
    assert page_a.status_code == page_b.status_code == 200
    assert a.name in page_a.text and b.name in page_b.text and a.name not in page_b.text
    assert get(port, "nowhere.kotademo.example").status_code == 404
    assert get(port, a.host, "/no/such/page").status_code == 404
    assert get(port, a.host, "/assets/js/app.js").headers["Content-Type"] == "application/javascript"
    head = get(port, a.host, method="HEAD")
    assert head.status_code == 200 and head.text == "" and int(head.headers["Content-Length"]) > 0


def test_clean_site_is_the_same_for_googlebot_and_browser(demo_city: DemoCity, demo_server: tuple) -> None:
    _, port = demo_server
    for site in [s for s in demo_city.sites if s.profile == "clean"][:20]:
        as_browser = get(port, site.host).text
        assert get(port, site.host, ua=GOOGLEBOT_UA).text == as_browser
        assert get(port, site.host, referer=GOOGLE, ua=MOBILE).text == as_browser
        assert "slot gacor" not in as_browser.lower()


def test_cloaked_site_shows_spam_to_googlebot_and_google_visitors_only(
        demo_city: DemoCity, demo_server: tuple) -> None:
    _, port = demo_server
    host = _host(demo_city, "cloaking")
    browser = get(port, host).text
    bot = get(port, host, ua=GOOGLEBOT_UA).text
    from_google = get(port, host, referer=GOOGLE).text
    assert browser != bot and "slot gacor" not in browser.lower()
    assert "slot gacor" in bot.lower() and "togel" in bot.lower()
    assert from_google == bot
    assert get(port, host, referer="https://www.bing.com/").text == browser


def test_mobile_visitors_from_google_are_redirected_off_site(demo_city: DemoCity, demo_server: tuple) -> None:
    _, port = demo_server
    host = _host(demo_city, "mobile-redirect")
    hop = get(port, host, ua=MOBILE, referer=GOOGLE)
    assert hop.status_code == 302
    assert hop.headers["Location"].startswith(f"https://{c.GAMBLING_DOMAINS[0]}/")
    assert get(port, host, ua=MOBILE).status_code == 200
    assert get(port, host, referer=GOOGLE).status_code == 200
    hijacked = get(port, _host(demo_city, "redirect"), "/berita/")
    assert hijacked.status_code == 301 and c.GAMBLING_DOMAINS[1] in hijacked.headers["Location"]


def test_suspended_sites_mostly_refuse_but_some_still_answer(demo_city: DemoCity, demo_server: tuple) -> None:
    _, port = demo_server
    codes = {s.asset_id: get(port, s.host).status_code for s in demo_city.sites
             if s.status == "suspended"}
    assert len(codes) == 165
    answering = {a for a, code in codes.items() if code == 200}
    assert answering == set(demo_city.expected.suspended_answering)
    refused = [code for code in codes.values() if code != 200]
    assert set(refused) == {404, 503} and len(refused) == 165 - len(answering)


def test_compromised_pages(demo_city: DemoCity, demo_server: tuple) -> None:
    _, port = demo_server
    shell_host = _host(demo_city, "webshell")
    assert f'href="/{c.SHELL_PATH}"' in get(port, shell_host).text
    shell = get(port, shell_host, f"/{c.SHELL_PATH}")
    assert shell.status_code == 200 and "type=password" in shell.text
    assert get(port, shell_host, f"/{c.SHELL_PATH}", method="POST").status_code == 200
    assert "Hacked by" in get(port, _host(demo_city, "defaced")).text
    skim_host = _host(demo_city, "skimmer")
    assert f'src="/{c.SKIMMER_PATH}"' in get(port, skim_host).text
    assert c.SKIMMER_DOMAIN in get(port, skim_host, f"/{c.SKIMMER_PATH}").text
    assert "CoinHive.Anonymous" in get(port, _host(demo_city, "miner")).text


def test_doorway_site_advertises_gambling_slugs(demo_city: DemoCity, demo_server: tuple) -> None:
    _, port = demo_server
    site = next(s for s in demo_city.sites if s.profile == "doorway")
    robots = get(port, site.host, "/robots.txt").text
    sitemap = get(port, site.host, "/sitemap.xml").text
    for slug in c.GAMBLING_SLUGS:
        assert f"/{slug}/" in robots and f"/{slug}/" in sitemap
        page = get(port, site.host, f"/{slug}/")
        assert page.status_code == 200 and "maxwin" in page.text.lower()
    verification = c.verification_name(site)
    assert verification.startswith("google") and verification.endswith(".html")
    assert get(port, site.host, f"/{verification}").text.startswith("google-site-verification:")
    other = next(s for s in demo_city.sites if s.profile == "clean")
    assert get(port, other.host, "/sitemap.xml").status_code == 404
    assert "slot" not in get(port, other.host, "/robots.txt").text


def test_server_is_loopback_and_stops(demo_city: DemoCity) -> None:
    with DemoWebServer(demo_city) as server:
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        assert get(port, "www.kotademo.example").status_code == 200
        assert server.requests == 1
    with socket.socket() as probe:
        probe.settimeout(1)
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_before_the_compromise_every_site_is_clean(demo_city: DemoCity) -> None:
    with DemoWebServer(demo_city, compromised=False) as server:
        _, port = server.address
        defaced = _host(demo_city, "defaced")
        assert "Hacked by" not in get(port, defaced).text
        assert "slot gacor" not in get(port, _host(demo_city, "cloaking"), ua=GOOGLEBOT_UA).text.lower()
        assert get(port, _host(demo_city, "redirect")).status_code == 200
        assert get(port, _host(demo_city, "webshell"), f"/{c.SHELL_PATH}").status_code == 404
        suspended = demo_city.expected.suspended_answering[0]
        assert get(port, demo_city.site(suspended).host).status_code == 200
        server.set_compromised(True)
        assert "Hacked by" in get(port, defaced).text
