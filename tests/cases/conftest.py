"""Fixtures for case tests: a running TheHive emulator, a store and configs for both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from csirt_kit.config import Config
from tests.cases.helpers import config_at, write_config
from tests.emulators.thehive import TheHiveEmulator

KEY = "test-key-0123456789"


@pytest.fixture
def hive() -> Iterator[TheHiveEmulator]:
    """A TheHive 5 emulator on a loopback port."""
    with TheHiveEmulator(api_key=KEY, organisation="csirt-kota") as server:
        yield server


@pytest.fixture
def hive_config_path(hive: TheHiveEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file pointing at the emulator; the key in the variable it names."""
    monkeypatch.setenv("CSIRT_TEST_THEHIVE_KEY", KEY)
    path = write_config(tmp_path, "thehive", hive.url, timeout=1.0)
    monkeypatch.setenv("CSIRT_KIT_CONFIG", str(path))
    return path


@pytest.fixture
def hive_config(hive_config_path: Path) -> Config:
    """The loaded TheHive config."""
    return config_at(hive_config_path)


@pytest.fixture
def local_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    """The loaded local-backend config."""
    path = write_config(tmp_path, "local")
    monkeypatch.setenv("CSIRT_KIT_CONFIG", str(path))
    return config_at(path)
