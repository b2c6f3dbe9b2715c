"""Baselines per URL and web.defacement: a large change with a new title or a defacement rule hit."""

from __future__ import annotations

from .conftest import City, Route, kinds, page

ORIGINAL = page("Kelurahan Sukamaju", "Selamat datang di laman resmi Kelurahan Sukamaju. " * 20)
DEFACED = page("H4CKED", "Your security is zero. Greetings to all crews. " * 5)
EDITED = page("Kelurahan Sukamaju", "Selamat datang di laman resmi Kelurahan Sukamaju. " * 19 + "Pengumuman baru.")


def test_defacement_against_the_baseline(city: City) -> None:
    route = Route(body=ORIGINAL)
    city.sites.hosts["kel.kota.test"] = {"/": route}
    city.inventory(("web-kel", "http://kel.kota.test/", "active"))
    assert kinds(city.scan("--no-rules"), "web.defacement") == []  # first scan takes the baseline
    route.body = EDITED
    assert kinds(city.scan("--no-rules"), "web.defacement") == []  # small edit: new baseline
    route.body = DEFACED
    found = kinds(city.scan("--no-rules"), "web.defacement")
    assert len(found) == 1
    ev = found[0]["evidence"]
    assert (ev["old_title"], ev["new_title"]) == ("Kelurahan Sukamaju", "H4CKED")
    assert ev["similarity"] < 0.5 and found[0]["severity"] == "high"
    again = kinds(city.scan("--no-rules"), "web.defacement")  # baseline kept: still reported
    assert [f["fingerprint"] for f in again] == [found[0]["fingerprint"]]
    route.body = ORIGINAL  # restored: quiet again
    assert kinds(city.scan("--no-rules"), "web.defacement") == []


def test_same_title_needs_a_defacement_rule(city: City) -> None:
    route = Route(body=ORIGINAL)
    city.sites.hosts["kel.kota.test"] = {"/": route}
    city.inventory(("web-kel", "http://kel.kota.test/", "active"))
    city.scan()
    route.body = page("Kelurahan Sukamaju", "totally different words here " * 3)
    assert kinds(city.scan(), "web.defacement") == []
    route.body = ORIGINAL
    city.scan()
    route.body = page("Kelurahan Sukamaju", "Hacked by test-crew. " * 3)
    found = kinds(city.scan(), "web.defacement")
    assert len(found) == 1 and "web/test_web.yar:test_deface" in found[0]["evidence"]["rules"]
    assert found[0]["title"] == "Page replaced by defacement content"


def test_restoring_a_site_first_seen_defaced_is_not_a_defacement(city: City) -> None:
    route = Route(body=page("Hacked", "Hacked by test-crew. " * 3))
    city.sites.hosts["kel.kota.test"] = {"/": route}
    city.inventory(("web-kel", "http://kel.kota.test/", "active"))
    first = city.scan()
    assert kinds(first, "web.defacement") == []  # no baseline yet: the rule hit is a yara.web finding
    assert [f["rule"] for f in kinds(first, "yara.web")] == ["web/test_web.yar:test_deface"]
    route.body = ORIGINAL
    assert kinds(city.scan(), "web.defacement") == []  # restored: becomes the baseline
    route.body = DEFACED
    assert len(kinds(city.scan(), "web.defacement")) == 1
