"""The judol vocabulary: normalisation of fancy letters, bundled lists, config extension, bad lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.config import Config, load_config
from csirt_kit.errors import ConfigError
from csirt_kit.judol.vocab import load_vocabulary, normalize_text

FANCY_SLOT_GACOR = {
    "bold": "𝐒𝐋𝐎𝐓 𝐆𝐀𝐂𝐎𝐑",
    "italic": "𝑆𝐿𝑂𝑇 𝐺𝐴𝐶𝑂𝑅",
    "bold italic": "𝑺𝑳𝑶𝑻 𝑮𝑨𝑪𝑶𝑹",
    "script": "𝓢𝓛𝓞𝓣 𝓖𝓐𝓒𝓞𝓡",
    "fraktur": "𝔖𝔏𝔒𝔗 𝔊𝔄ℭ𝔒ℜ",
    "double-struck": "𝕊𝕃𝕆𝕋 𝔾𝔸ℂ𝕆ℝ",
    "monospace": "𝚂𝙻𝙾𝚃 𝙶𝙰𝙲𝙾𝚁",
    "sans bold": "𝗦𝗟𝗢𝗧 𝗚𝗔𝗖𝗢𝗥",
    "fullwidth": "ＳＬＯＴ ＧＡＣＯＲ",
    "circled": "ⓈⓁⓄⓉ ⒼⒶⒸⓄⓇ",
    "negative circled": "🅢🅛🅞🅣 🅖🅐🅒🅞🅡",
    "squared": "🅂🄻🄾🅃 🄶🄰🄲🄾🅁",
    "negative squared": "🆂🅻🅾🆃 🅶🅰🅲🅾🆁",
    "small capitals": "ꜱʟᴏᴛ ɢᴀᴄᴏʀ",
    "cyrillic look-alikes": "ЅLОТ GАСОR",
    "zero-width and soft hyphen": "S\u200bL\u200dOT GA\u00adCOR",
    "strike-through": "S̶L̶O̶T̶ G̶A̶C̶O̶R̶",
}


@pytest.mark.parametrize("style", sorted(FANCY_SLOT_GACOR))
def test_fancy_spellings_normalise_to_slot_gacor(style: str) -> None:
    text = FANCY_SLOT_GACOR[style]
    assert normalize_text(text) == "slot gacor"
    assert "slot gacor" in load_vocabulary(None).terms_in(f"Daftar {text} hari ini")


def test_digits_and_plain_text_survive_normalisation() -> None:
    assert normalize_text("𝟖𝟖 Ｔｏｇｅｌ") == "88 togel"
    assert normalize_text("Pelayanan Publik Kota") == "pelayanan publik kota"
    assert normalize_text("Résumé 東京") == "resume 東京"


def test_whole_words_strong_and_weak() -> None:
    v = load_vocabulary(None)
    assert v.terms_in("Pilih time slot untuk antrean KTP") == []
    assert v.terms_in("Bandar Lampung dan Bandar Udara") == []  # one weak word is not enough
    assert sorted(v.terms_in("bonus deposit pulsa")) == ["bonus", "deposit", "pulsa"]
    assert v.terms_in("Link SLOT88 maxwin") == ["slot88", "maxwin"]
    assert v.terms_in("situsgacor4d terpercaya") == ["situsgacor4d"]  # fragment inside a word
    assert v.terms_in("judicial review") == []


def test_slugs_and_domains() -> None:
    v = load_vocabulary(None)
    assert v.is_gambling_slug("/slot-gacor-hari-ini/")
    assert v.is_gambling_slug("/?p=togel")
    assert v.is_gambling_slug("/%73lot%2Dgacor/")
    assert not v.is_gambling_slug("/layanan/jadwal-slot-vaksin/")
    assert v.is_gambling_domain("www.sbobet.com") and v.is_gambling_domain("sbobet88.net")
    assert v.is_gambling_domain("slot-gacor88.example")
    assert not v.is_gambling_domain("dinkes.kota.go.id")
    assert not v.is_gambling_domain("bandar.kota.go.id")


def _config(tmp_path: Path, body: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return load_config(str(path), env={})


def test_config_extends_the_lists(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# our additions\nkoin emas  # a local spam phrase\n~hadiah\n", encoding="utf-8")
    doms = tmp_path / "doms.txt"
    doms.write_text("spam-kasino.example\n", encoding="utf-8")
    cfg = _config(tmp_path, f'[judol]\nkeywords = ["mega888", "~undian"]\ndomains = ["luckyspin.*"]\n'
                            f'keywords_file = "{words}"\ndomains_file = "{doms}"\n')
    v = load_vocabulary(cfg)
    assert v.terms_in("main MEGA888 sekarang") == ["mega888"]
    assert v.terms_in("Koin Emas gratis") == ["koin emas"]
    assert sorted(v.terms_in("undian hadiah")) == ["hadiah", "undian"]
    assert v.is_gambling_domain("luckyspin.io") and v.is_gambling_domain("a.spam-kasino.example")
    assert load_vocabulary(None).terms_in("main mega888") == []  # bundled lists untouched
    assert v.terms_in("slot gacor")  # bundled entries still there
    doms.write_text("other.example\n", encoding="utf-8")
    assert load_vocabulary(cfg).is_gambling_domain("x.other.example")  # edited file read again


def test_bad_list_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("slot gacor\n# fine\nre:(unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_vocabulary(_config(tmp_path, f'[judol]\nkeywords_file = "{bad}"\n'))
    assert f"{bad}:3" in str(err.value)
    doms = tmp_path / "doms.txt"
    doms.write_text("ok.example\nnot a domain\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_vocabulary(_config(tmp_path, f'[judol]\ndomains_file = "{doms}"\n'))
    assert f"{doms}:2" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_vocabulary(_config(tmp_path, f'[judol]\nkeywords_file = "{tmp_path / "missing.txt"}"\n'))
    assert "missing.txt" in str(err.value)



def test_environment_override_adds_keywords(tmp_path: Path) -> None:
    cfg = load_config(str(_config(tmp_path, "").path), env={"CSIRT_KIT_JUDOL__KEYWORDS": "mega888,~undian"})
    assert load_vocabulary(cfg).terms_in("mega888") == ["mega888"]


def test_bad_config_entries_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_vocabulary(_config(tmp_path, '[judol]\nkeywords = ["ok", "*two words"]\n'))
    assert "[judol] keywords:2" in str(err.value)
    with pytest.raises(ConfigError):
        load_vocabulary(_config(tmp_path, "[judol]\nkeywords = 5\n"))


def test_config_keywords_reach_the_cms_sitemap_check(tmp_path: Path) -> None:
    from csirt_kit.scan.cms.checks import sitemap_spam
    from csirt_kit.scan.cms.options import CmsOptions

    robots = b"User-agent: *\nAllow: /koin-emas-hari-ini/\n"
    home = ("dinkes.kota.go.id",)
    assert sitemap_spam("robots.txt", "robots.txt", robots, home, CmsOptions()) == []
    opts = CmsOptions.from_config(_config(tmp_path, '[judol]\nkeywords = ["koin emas"]\n'))
    assert [s.kind for s in sitemap_spam("robots.txt", "robots.txt", robots, home, opts)] == ["cms.sitemap_spam"]
