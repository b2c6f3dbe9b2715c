"""Fixtures for intel tests: the MISP emulator, feed folders and servers, config files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.config import Config, load_config
from csirt_kit.store.db import Store, open_store
from tests.emulators.feeds import FeedEvent, FeedServer, write_feed
from tests.emulators.misp import MispEmulator

EV1 = "5c4f2e0a-1111-4a5e-9c1d-0a0b0c0d0e0f"
EV2 = "5c4f2e0a-2222-4a5e-9c1d-0a0b0c0d0e0f"
EV3 = "5c4f2e0a-3333-4a5e-9c1d-0a0b0c0d0e0f"


def city_events() -> list[FeedEvent]:
    """Events whose indicators hit the test city (see `city_assets`), plus noise."""
    return [
        FeedEvent(EV1, "C2 infrastructure targeting city sites",
                  [("ip-dst", "198.18.7.7", True), ("domain", "evil-c2.example", True),
                   ("ip-dst", "8.8.8.8", False), ("url", "http://dinkes.kota.example/wp-content/x.php", True),
                   ("ip-dst", "172.31.9.0/24", True), ("md5", "d41d8cd98f00b204e9800998ecf8427e", True)],
                  tags=["tlp:amber"], threat_level=1),
        FeedEvent(EV2, "Hikvision NVR command injection", [("vulnerability", "CVE-2021-36260", True)],
                  vulns=[{"id": "CVE-2021-36260", "cvss": "9.8",
                          "cpes": ["cpe:2.3:o:hikvision:ds-7608ni-k2_firmware:4.1.25:*:*:*:*:*:*:*"]}],
                  tags=["tlp:green"]),
        FeedEvent(EV3, "Noise", [("domain", "unrelated.example", True), ("ip-dst", "198.18.200.1", True)]),
    ]


def city_assets_csv(path: Path) -> Path:
    """A small inventory the events above correlate with."""
    path.write_text(
        "id,name,kind,owner,status,ips,networks,urls,hostnames,software\n"
        "web-dinkes,Website Dinas Kesehatan,website,Dinas Kesehatan,active,198.18.7.7,,"
        "https://dinkes.kota.example/,,WordPress 5.8.1\n"
        "nvr-balai,NVR Balai Kota,nvr,Diskominfo,active,172.31.9.20,,,,"
        "cpe:2.3:o:hikvision:ds-7608ni-k2_firmware:4.1.25:*:*:*:*:*:*:*\n"
        "mail,Mail server,server,Diskominfo,active,,,,mx.evil-c2.example,\n"
        "old,Old site,website,Bappeda,retired,198.18.200.1,,,,\n",
        encoding="utf-8")
    return path


def write_config(path: Path, misp: list[dict[str, Any]] | None = None,
                 feeds: list[dict[str, Any]] | None = None, extra: str = "") -> Path:
    """A TOML config with [[intel.misp]] and [[intel.feeds]] entries."""
    lines: list[str] = []
    for kind, entries in (("misp", misp or []), ("feeds", feeds or [])):
        for entry in entries:
            lines.append(f"[[intel.{kind}]]")
            lines.extend(f"{k} = {json.dumps(v)}" for k, v in entry.items())
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def compiled_warninglists(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Compile the bundled warninglists once per test session (each test has its own cache dir)."""
    from csirt_kit.intel.warninglists import load_index

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("warninglists-cache")))
        load_index()


@pytest.fixture
def misp() -> Iterator[MispEmulator]:
    """A started MISP emulator."""
    emu = MispEmulator().start()
    yield emu
    emu.stop()


@pytest.fixture
def misp_key(misp: MispEmulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """The emulator's key exported as CSIRT_TEST_MISP_KEY."""
    monkeypatch.setenv("CSIRT_TEST_MISP_KEY", misp.key)
    return misp.key


@pytest.fixture
def feed_dir(tmp_path: Path) -> Path:
    """A MISP feed folder written with PyMISP's feed export."""
    return write_feed(tmp_path / "feed", city_events())


@pytest.fixture
def feed_server(feed_dir: Path) -> Iterator[FeedServer]:
    """The feed folder served over loopback HTTP."""
    server = FeedServer(feed_dir, hang_seconds=3.0).start()
    yield server
    server.stop()


@pytest.fixture
def file_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated store in a file (sync code uses several transactions)."""
    s = open_store(tmp_path / "intel.db")
    yield s
    s.close()


def config_for(path: Path) -> Config:
    """Load a config file written by write_config."""
    return load_config(str(path), env={})
