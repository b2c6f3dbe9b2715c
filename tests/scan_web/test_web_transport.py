"""Transport: TLS checks (with the host override keeping the TLS name), politeness, resolve rules."""

from __future__ import annotations

import itertools
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from csirt_kit.errors import ConfigError
from csirt_kit.scan.web.resolve import Resolver

from .conftest import City, Route, kinds, page
from .server import LoopbackServer, Sites


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for tls.kota.test, made at test time with openssl."""
    folder = tmp_path_factory.mktemp("tls")
    key, crt = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=tls.kota.test", "-addext", "subjectAltName=DNS:tls.kota.test",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True, timeout=60)
    return key, crt


@pytest.fixture
def tls_server(cert: tuple[Path, Path]) -> LoopbackServer:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert[1]), str(cert[0]))
    sites = Sites(hosts={"tls.kota.test": {"/": Route(body=page("Aman", "slot gacor"))}})
    with LoopbackServer(sites, ctx) as server:
        yield server


def test_self_signed_certificate_is_a_tls_scan_error(city: City, tls_server: LoopbackServer) -> None:
    city.configure(resolve={"tls.kota.test": f"127.0.0.1:{tls_server.port}"})
    city.inventory(("web-tls", "https://tls.kota.test/", "active"))
    doc = city.scan()
    assert doc["findings"] == [] or kinds(doc, "yara.web") == []
    assert doc["errors"] and all("TLS failure" in e["error"] for e in doc["errors"])
    assert "certificate verify failed" in doc["errors"][0]["error"]


def test_trusted_ca_passes_because_the_tls_name_stays_the_sites(
        city: City, tls_server: LoopbackServer, cert: tuple[Path, Path]) -> None:
    city.configure(resolve={"tls.kota.test": f"127.0.0.1:{tls_server.port}"}, ca_bundle=str(cert[1]))
    city.inventory(("web-tls", "https://tls.kota.test/", "active"))
    doc = city.scan()
    assert doc["errors"] == []
    assert [f["evidence"]["url"] for f in kinds(doc, "yara.web")] == ["https://tls.kota.test/"]
    assert {h.host for h in tls_server.sites.log} == {"tls.kota.test"}  # Host header kept


def test_verify_off_scans_with_a_warning(city: City, tls_server: LoopbackServer) -> None:
    city.configure(resolve={"tls.kota.test": f"127.0.0.1:{tls_server.port}"}, verify_tls=False)
    city.inventory(("web-tls", "https://tls.kota.test/", "active"))
    result = city.cli(["--json", "scan", "web", "--no-rules"])
    assert result.json["errors"] == []
    assert "verify_tls is off" in result.stderr


def test_one_request_at_a_time_per_host(city: City) -> None:
    links = "".join(f"<a href='/p{i}'>p{i}</a>" for i in range(5))
    for host in ("one.kota.test", "two.kota.test", "three.kota.test"):
        city.sites.hosts[host] = {"/": Route(body=page("Home", links), delay=0.05),
                                  **{f"/p{i}": Route(delay=0.05) for i in range(5)}}
    city.inventory(*[(f"web-{h.split('.')[0]}", f"http://{h}/", "active")
                     for h in ("one.kota.test", "two.kota.test", "three.kota.test")],
                   ("web-one-b", "http://one.kota.test/p0", "active"))
    city.scan("--no-rules")
    log = city.sites.log
    for host in ("one.kota.test", "two.kota.test", "three.kota.test"):
        spans = sorted((h.start, h.end) for h in log if h.host == host)
        assert len(spans) >= 7
        assert all(prev[1] <= nxt[0] for prev, nxt in itertools.pairwise(spans)), host
    # different hosts were served at the same time (the pool is not serial)
    spans = sorted((h.start, h.end, h.host) for h in log)
    assert any(b[0] < a[1] and a[2] != b[2] for a, b in itertools.pairwise(spans))


def test_resolver_rules() -> None:
    r = Resolver({"*.kota.test": "127.0.0.1:8080", "a.b.kota.test": "10.0.0.1",
                  "*.b.kota.test": "[::1]:9000"})
    assert r.lookup("x.kota.test", 80) == ("127.0.0.1", 8080)
    assert r.lookup("A.B.KOTA.TEST.", 443) == ("10.0.0.1", 443)
    assert r.lookup("c.b.kota.test", 80) == ("::1", 9000)
    assert r.lookup("kota.test", 80) is None
    assert r.lookup("other.example", 80) is None
    with pytest.raises(ConfigError, match="bad port"):
        Resolver({"x.test": "127.0.0.1:http"})


def test_bad_web_config_is_exit_2(city: City) -> None:
    city.config.write_text('[scan.web]\nresolve = {"x.kota.test" = "127.0.0.1:nope"}\n')
    city.inventory(("web-x", "http://x.kota.test/", "active"))
    result = city.cli(["scan", "web", "--no-rules"], expect=2)
    assert "bad port" in result.stderr
    city.config.write_text('[scan.web]\nidentities = [{name = "g", user_agent = "G", crawler = true}]\n')
    result = city.cli(["scan", "web", "--no-rules"], expect=2)
    assert "at least one must not be a crawler" in result.stderr


def test_unreachable_site_is_a_scan_error(city: City) -> None:
    city.configure(resolve={"down.kota.test": "127.0.0.1:9"})
    city.inventory(("web-down", "http://down.kota.test/", "active"))
    started = time.monotonic()
    doc = city.scan("--no-rules")
    assert time.monotonic() - started < 60  # bounded, not a speed claim
    # the same failure for every identity is one error
    assert [e["target"] for e in doc["errors"]] == ["http://down.kota.test/"]
    assert "connection failed" in doc["errors"][0]["error"]
