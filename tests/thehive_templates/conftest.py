"""Fixtures: a TheHive 5 emulator, a config pointing at it, and a folder of extra playbooks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulators.thehive import TheHiveEmulator

KEY = "tpl-key-5f0c2a9e71d3"
ORG = "csirt-kota"


@pytest.fixture
def hive() -> Iterator[TheHiveEmulator]:
    """TheHive 5 on a loopback port, with no custom field defined yet."""
    with TheHiveEmulator(api_key=KEY, organisation=ORG) as server:
        yield server


@pytest.fixture
def extra_playbooks(tmp_path: Path) -> Path:
    """An empty folder listed in [playbooks] paths (tests drop YAML files into it)."""
    folder = tmp_path / "playbooks"
    folder.mkdir()
    return folder


def write_config(path: Path, url: str, extra: str = "", *, playbooks: Path | None = None,
                 general: str = "") -> Path:
    """A config using the TheHive backend; the key lives in CSIRT_TEST_THEHIVE_KEY."""
    text = f"[general]\n{general}\n" if general else ""
    if playbooks is not None:
        text += f'[playbooks]\npaths = ["{playbooks}"]\n'
    text += (f'[cases]\nbackend = "thehive"\n[cases.thehive]\nurl = "{url}"\n'
             f'key_env = "CSIRT_TEST_THEHIVE_KEY"\norganisation = "{ORG}"\ntimeout = 2.0\n{extra}')
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def config_path(hive: TheHiveEmulator, tmp_path: Path, extra_playbooks: Path,
                monkeypatch: pytest.MonkeyPatch) -> Path:
    """The config file the CLI reads in this test (CSIRT_KIT_CONFIG)."""
    monkeypatch.setenv("CSIRT_TEST_THEHIVE_KEY", KEY)
    path = write_config(tmp_path / "config.toml", hive.url, playbooks=extra_playbooks)
    monkeypatch.setenv("CSIRT_KIT_CONFIG", str(path))
    return path
