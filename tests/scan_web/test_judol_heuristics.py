"""Judol page heuristics: hidden link blocks, fancy letters, gambling links, injected head tags.

Each trick has a positive page; ordinary city pages (a visible or hidden nav menu, "time
slot", a news article on the dangers of judi online) and the benign corpus (WordPress
core, jQuery, Bootstrap: each HTML/JS/PHP file taken as a page body) give nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from csirt_kit.judol.vocab import load_vocabulary
from csirt_kit.scan.web.judol import hiding, inspect_page, judge

from .conftest import City, Route, kinds, page

URL = "https://dinkes.kota.go.id/"
VOCAB = load_vocabulary(None)
CORPUS = os.environ.get("CSIRT_KIT_TEST_CORPUS", "")  # read at import: the isolation fixture clears it


def verdicts(html: str | bytes) -> dict[str, tuple[str, str]]:
    body = html.encode() if isinstance(html, str) else html
    return {v.kind: (v.severity, v.reason) for v in judge(inspect_page(body, URL, VOCAB))}


HIDDEN_BLOCKS = {
    "display:none": '<div style="display:none">{links}</div>',
    "visibility:hidden": '<div style="visibility: hidden">{links}</div>',
    "off-screen": '<div style="position:absolute; left:-9999px; top:-9999px">{links}</div>',
    "text-indent": '<p style="text-indent:-5000px">{links}</p>',
    "font-size:0": '<span style="font-size:0px">{links}</span>',
    "zero size": '<div style="height:0;width:0;overflow:hidden">{links}</div>',
    "same colour": '<div style="color:#fff;background-color:#ffffff">{links}</div>',
    "css class": '<style>.sponsor{{position:absolute;left:-10000px}}</style><div class="sponsor">{links}</div>',
    "hidden attribute": "<div hidden>{links}</div>",
}
GAMBLING_LINKS = ('<a href="https://link-slot88.example/">Slot88</a> '
                  '<a href="https://toto-macau4d.example/">Toto Macau</a>')


@pytest.mark.parametrize("how", sorted(HIDDEN_BLOCKS))
def test_hidden_block_of_gambling_links_is_high(how: str) -> None:
    block = HIDDEN_BLOCKS[how].format(links=GAMBLING_LINKS)
    got = verdicts(page("Dinas Kesehatan", f"<p>Layanan kesehatan kota</p>{block}").decode())
    assert got["web.hidden_links"][0] == "high", got


def test_visible_nav_menu_and_hidden_submenu_are_not_findings() -> None:
    nav = ("<nav><ul><li><a href='/'>Beranda</a></li><li><a href='/profil'>Profil</a>"
           "<ul class='sub' style='display:none'><li><a href='/profil/visi'>Visi</a></li>"
           "<li><a href='https://jdih.kota.go.id/'>JDIH</a></li></ul></li>"
           "<li><a href='https://www.kemkes.go.id/'>Kemenkes</a></li>"
           "<li><a href='https://lapor.go.id/'>LAPOR!</a></li></ul></nav>"
           "<a class='skip-link' style='position:absolute;left:-9999px' href='#main'>Langsung ke isi</a>"
           "<div id='modal' style='display:none'><a href='https://facebook.com/pemkot'>Facebook</a>"
           "<a href='https://instagram.com/pemkot'>Instagram</a></div>")
    assert verdicts(page("Pemerintah Kota", nav)) == {}


def test_many_hidden_foreign_links_without_gambling_words_are_medium() -> None:
    links = "".join(f'<a href="https://shop{i}.example/">obat murah {i}</a>' for i in range(6))
    got = verdicts(page("Dinas", f'<div style="font-size:0">{links}</div>'))
    assert got["web.hidden_links"][0] == "medium"


def test_fancy_letter_spam_reports_original_and_normalised() -> None:
    sig = inspect_page(page("Dinas", "<p>Info 𝐒𝐋𝐎𝐓 𝐆𝐀𝐂𝐎𝐑 𝐌𝐀𝐗𝐖𝐈𝐍 hari ini</p>"), URL, VOCAB)
    assert sig.fancy[0]["original"] == "Info 𝐒𝐋𝐎𝐓 𝐆𝐀𝐂𝐎𝐑 𝐌𝐀𝐗𝐖𝐈𝐍 hari ini"
    assert sig.fancy[0]["normalized"] == "info slot gacor maxwin hari ini"
    assert judge(sig)[0].kind == "web.judol_content" and judge(sig)[0].severity == "high"


def test_fancy_letters_without_gambling_words_are_fine() -> None:
    assert verdicts(page("Dinas", "<p>𝐒𝐄𝐋𝐀𝐌𝐀𝐓 𝐃𝐀𝐓𝐀𝐍𝐆 di ｐｏｒｔａｌ kota ✨</p>")) == {}


def test_many_visible_links_to_gambling_domains() -> None:
    links = "".join(f'<a href="https://www{i}.sbobet.com/">Agen {i}</a>' for i in range(3))
    assert verdicts(page("Dinas", links))["web.judol_content"][0] == "high"
    one = verdicts(page("Dinas", '<a href="https://m.sbobet.com/">klik</a>'))
    assert one["web.judol_content"][0] == "medium"


@pytest.mark.parametrize("head", [
    "<title>SLOT GACOR Hari Ini Link Slot88 Maxwin</title>",
    "<title>Dinas Kesehatan</title><meta name='description' content='Situs slot gacor terpercaya maxwin'>",
    "<title>Dinas Kesehatan</title><meta property='og:title' content='Bandar Togel Toto Macau 4D'>",
    "<title>Dinas Kesehatan</title><meta name='twitter:title' content='RTP Live slot gacor'>",
])
def test_injected_head_tags(head: str) -> None:
    html = f"<html><head>{head}</head><body><p>Layanan kesehatan</p></body></html>"
    assert verdicts(html)["web.judol_content"][0] == "high"


def test_meta_refresh_to_gambling_site() -> None:
    html = "<html><head><meta http-equiv='refresh' content='0;url=https://togel4d.example/'></head></html>"
    assert "meta refresh" in verdicts(html)["web.judol_content"][1]
    fine = "<html><head><meta http-equiv='refresh' content='0;url=https://portal.kota.go.id/'></head></html>"
    assert verdicts(fine) == {}


CITY_PAGES = {
    "time slot": page("Antrean Online", "<p>Pilih time slot untuk perekaman KTP. Slot tersisa: 12. "
                      "Bonus: layanan gratis.</p><a href='/antrean'>Ambil slot</a>"),
    "dangers of judi online": page(
        "Bahaya Judi Online bagi Pelajar",
        "<p>Pemerintah kota mengingatkan bahaya judi online dan togel. Istilah seperti slot gacor, "
        "maxwin dan rtp live sering dipakai untuk menjerat korban. Satgas pemberantasan judi online "
        "telah memblokir ribuan situs. Laporkan ke aduankonten.id.</p>",
        "<meta name='description' content='Waspada bahaya judi online'>"),
    "football news": page("Persikota Menang 2-1", "<p>Bola sepak, jackpot penonton, tim menang.</p>"),
    "bandar lampung": page("Kunjungan ke Bandar Lampung", "<p>Bandar udara dan pelabuhan.</p>"),
}


@pytest.mark.parametrize("name", sorted(CITY_PAGES))
def test_ordinary_city_pages_give_nothing(name: str) -> None:
    assert verdicts(CITY_PAGES[name]) == {}


def test_scan_web_reports_judol_content_for_everyone_and_not_cloaking(city: City) -> None:
    spam = page("Dinas", "<p>Info</p><div style='display:none'>" + GAMBLING_LINKS + "</div>",
                "<meta property='og:title' content='𝐒𝐋𝐎𝐓 𝐆𝐀𝐂𝐎𝐑 Maxwin'>")
    city.sites.hosts["spam.kota.test"] = {"/": Route(body=spam)}
    for name, body in CITY_PAGES.items():
        city.sites.hosts[f"{name.replace(' ', '-')}.kota.test"] = {"/": Route(body=body)}
    city.inventory(("web-spam", "http://spam.kota.test/", "active"),
                   *[(f"web-{i}", f"http://{n.replace(' ', '-')}.kota.test/", "active")
                     for i, n in enumerate(CITY_PAGES)])
    doc = city.scan("--no-rules")
    assert {(f["kind"], f["asset_id"]) for f in doc["findings"]} == {
        ("web.hidden_links", "web-spam"), ("web.judol_content", "web-spam")}
    judol = kinds(doc, "web.judol_content")[0]
    assert judol["evidence"]["identities"] == ["browser", "browser-from-google", "googlebot",
                                               "mobile-from-google"]
    assert "seen by" not in judol["title"] and "judol" in judol["tags"]
    assert judol["evidence"]["head"] == {"og:title": "𝐒𝐋𝐎𝐓 𝐆𝐀𝐂𝐎𝐑 Maxwin"}


def test_config_domains_reach_the_web_heuristics(city: City) -> None:
    city.configure(identities=[{"name": "browser", "user_agent": "Mozilla/5.0 Test"}])
    city.config.write_text(city.config.read_text() + '\n[judol]\ndomains = ["lucky-wheel.example"]\n')
    links = "".join(f"<a href='https://s{i}.lucky-wheel.example/'>main</a>" for i in range(3))
    city.sites.hosts["lw.kota.test"] = {"/": Route(body=page("Dinas", links))}
    city.inventory(("web-lw", "http://lw.kota.test/", "active"))
    doc = city.scan("--no-rules")
    assert [f["kind"] for f in doc["findings"]] == ["web.judol_content"]


def test_bad_list_file_is_a_clean_cli_error(city: City, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"slot\n\xff\xfe\n")
    city.config.write_text(city.config.read_text() + f'\n[judol]\nkeywords_file = "{bad}"\n')
    result = city.cli(["scan", "web", "--no-rules"], expect=2)
    assert f"{bad}:2" in result.stderr and "Traceback" not in result.stderr


def test_hiding_styles() -> None:
    assert hiding("left:-9999px;position:absolute") == "off-screen"
    assert hiding("margin-left: 10px; left: 0") == ""
    assert hiding("height:1px;overflow:hidden") == "zero size, overflow hidden"
    assert hiding("font-size: 14px") == ""


def test_benign_corpus_gives_no_judol_verdict() -> None:
    if not CORPUS:
        if os.environ.get("CI"):
            pytest.fail("CSIRT_KIT_TEST_CORPUS is not set in CI: run `eval $(.ci/fetch-corpus)`")
        pytest.skip("benign corpus not available: run `eval $(.ci/fetch-corpus)`")
    files = [p for p in sorted(Path(CORPUS).rglob("*"))
             if p.suffix.lower() in (".html", ".htm", ".js", ".php") and p.is_file()]
    assert len(files) > 1000
    noisy = {}
    for path in files:
        got = judge(inspect_page(path.read_bytes(), URL, VOCAB))
        if got:
            noisy[str(path)] = [v.reason for v in got]
    assert noisy == {}


def test_city_pages_stay_quiet_with_the_bundled_rules_too(city: City) -> None:
    for name, body in CITY_PAGES.items():
        city.sites.hosts[f"{name.replace(' ', '-')}.kota.test"] = {"/": Route(body=body)}
    city.inventory(*[(f"web-{i}", f"http://{n.replace(' ', '-')}.kota.test/", "active")
                     for i, n in enumerate(CITY_PAGES)])
    doc = city.scan()  # bundled rules plus the test rules
    assert [f for f in doc["findings"] if not (f["rule"] or "").startswith("web/test_")] == []


def test_visible_links_to_news_about_gambling_are_not_gambling_links() -> None:
    news = page("Berita", "<p>Baca juga:</p>"
                "<a href='https://news.example/2024/bahaya-judi-online-bagi-remaja'>Bahaya judi online</a>"
                "<a href='https://www.komdigi.go.id/berita/satgas-blokir-situs-judi'>Satgas blokir situs judi</a>"
                "<a href='https://bank.example/promo'>Jackpot undian tabungan</a>")
    assert verdicts(news) == {}
    spam = page("Berita", "<a href='https://cdn.example/slot-gacor-maxwin'>Daftar</a>")
    assert verdicts(spam)["web.judol_content"][0] == "medium"


def test_injected_title_is_found_on_a_page_that_reports_on_the_police() -> None:
    html = page("Slot Gacor Hari Ini Maxwin", "<p>Dinas Kominfo dan Polres Kota menggelar sosialisasi "
                "keamanan siber.</p>")
    assert verdicts(html)["web.judol_content"][0] == "high"


def test_gambling_links_in_noscript_are_hidden_links() -> None:
    html = page("Dinas", "<noscript><a href='https://slot-gacor88.example/'>slot gacor</a></noscript>"
                "<noscript><iframe src='https://www.googletagmanager.com/ns.html'></iframe></noscript>")
    assert verdicts(html)["web.hidden_links"] == ("high", "1 hidden link(s) to gambling sites (noscript)")
