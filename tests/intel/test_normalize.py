"""Normalisers per MISP type, type detection for lists, and the compiled warninglists."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from csirt_kit.intel.normalize import detect_type, host_part, ip_part, normalize
from csirt_kit.intel.warninglists import compile_lists, load_index


@pytest.mark.parametrize(("type_", "raw", "expected"), [
    ("ip-dst", " 198.18.0.1 ", "198.18.0.1"),
    ("ip-dst", "198.18.0.1/32", "198.18.0.1"),
    ("ip-dst", "198.18.0.7/24", "198.18.0.0/24"),
    ("ip-src", "2001:DB8::1", "2001:db8::1"),
    ("ip-dst", "198[.]18[.]0[.]1", "198.18.0.1"),
    ("ip-dst|port", "198.18.0.1|0443", "198.18.0.1|443"),
    ("domain|ip", "Evil.Example.|198.18.0.1", "evil.example|198.18.0.1"),
    ("domain", "WWW.Evil.Example.", "www.evil.example"),
    ("hostname", "bücher.example", "xn--bcher-kva.example"),
    ("url", "HXXP://Evil.Example:80/a?b=1#frag", "http://evil.example/a?b=1"),
    ("url", "evil.example/path", "http://evil.example/path"),
    ("url", "https://evil.example:8443", "https://evil.example:8443/"),
    ("md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
    ("vulnerability", "cve-2021-36260", "CVE-2021-36260"),
])
def test_normalize(type_: str, raw: str, expected: str) -> None:
    assert normalize(type_, raw) == expected


@pytest.mark.parametrize(("type_", "raw"), [
    ("ip-dst", "300.1.1.1"), ("domain", "bad_domain..example"), ("url", "http:///nohost"),
    ("md5", "xyz"), ("ip-dst|port", "198.18.0.1"), ("domain", ""),
])
def test_normalize_rejects(type_: str, raw: str) -> None:
    with pytest.raises(ValueError):
        normalize(type_, raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("198.18.0.1", "ip-dst"), ("10.0.0.0/8", "ip-dst"), ("evil.example", "domain"),
    ("http://x.example/a", "url"), ("x.example/a.php", "url"), ("a" * 64, "sha256"),
    ("CVE-2020-0001", "vulnerability"), ("a@b.example", "email-src"), ("hello", None),
])
def test_detect_type(raw: str, expected: str | None) -> None:
    assert detect_type(raw) == expected


def test_parts() -> None:
    assert ip_part("domain|ip", "a.example|198.18.0.1") == "198.18.0.1"
    assert host_part("url", "http://a.example/x") == "a.example"
    assert host_part("url", "http://198.18.0.1/x") == ""


def _wl(name: str, kind: str, entries: list[str], types: list[str] | None = None) -> SimpleNamespace:
    return SimpleNamespace(name=name, type=kind, list=entries, matching_attributes=types or [])


def test_compiled_index_handles_cidrs_hosts_urls_and_types() -> None:
    index = compile_lists([
        _wl("nets", "cidr", ["198.18.0.0/15", "2001:db8::/32"]),
        _wl("cdn", "hostname", ["cdn.example"]),
        _wl("strings", "string", ["exact.example"]),
        _wl("hashes", "string", ["d41d8cd98f00b204e9800998ecf8427e"], ["md5"]),
        _wl("subs", "substring", ["mailinator"], ["email-src"]),
    ])
    assert index.check("ip-dst", "198.19.255.1") == ("nets",)
    assert index.check("ip-dst", "198.18.4.0/24") == ("nets",)
    assert index.check("ip-dst", "198.0.0.0/8") == ()
    assert index.check("ip-dst", "2001:db8::5") == ("nets",)
    assert index.check("url", "http://198.18.0.9/x") == ("nets",)
    assert index.check("domain", "img.cdn.example") == ("cdn",)
    assert index.check("url", "https://a.cdn.example/x.js") == ("cdn",)
    assert index.check("domain", "notcdn.example") == ()
    assert index.check("domain", "exact.example") == ("strings",)
    assert index.check("md5", "d41d8cd98f00b204e9800998ecf8427e") == ("hashes",)
    assert index.check("filename", "d41d8cd98f00b204e9800998ecf8427e") == ()
    assert index.check("email-src", "x@mailinator.com") == ("subs",)


def test_bundled_lists_cover_what_fast_mode_misses() -> None:
    index = load_index()
    assert "List of known IPv4 public DNS resolvers" in index.check("ip-dst", "8.8.8.8")
    assert "List of RFC 1918 CIDR blocks" in index.check("ip-src", "10.1.2.3")
    assert "List of known google domains" in index.check("url", "https://www.google.com/x")
    assert index.check("domain", "evil-c2-kota.example") == ()
