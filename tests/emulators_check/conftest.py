"""Fixtures: a started TheHive emulator and real thehive4py clients pointed at it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator

import hypothesis.configuration
import pytest
import requests
import urllib3.util.retry
from thehive4py import TheHiveApi

from tests.emulators.thehive import TheHiveEmulator

# Hypothesis caches into ./.hypothesis by default; keep the repository clean.
hypothesis.configuration.set_hypothesis_home_dir(tempfile.mkdtemp(prefix="csirt-hypothesis-"))

KEY = "test-key"
ORG = "csirt-kota"


class TimeoutAdapter(requests.adapters.HTTPAdapter):
    """The contract's 1.4 workaround: a default timeout for every request."""

    def __init__(self, timeout: float, **kw: object) -> None:
        self._timeout = timeout
        super().__init__(**kw)  # type: ignore[arg-type]

    def send(self, request, **kw):  # type: ignore[no-untyped-def]
        if kw.get("timeout") is None:
            kw["timeout"] = self._timeout
        return super().send(request, **kw)


def make_api(hive: TheHiveEmulator, timeout: float = 5.0, **kw: object) -> TheHiveApi:
    """The client as csirt-kit uses it: no retries, a timeout adapter on both schemes."""
    kw.setdefault("apikey", KEY)
    kw.setdefault("organisation", ORG)
    api = TheHiveApi(hive.url, max_retries=0, **kw)  # type: ignore[arg-type]
    api.session.mount("http://", TimeoutAdapter(timeout, max_retries=0))
    api.session.mount("https://", TimeoutAdapter(timeout, max_retries=0))
    return api


@pytest.fixture
def hive() -> Iterator[TheHiveEmulator]:
    with TheHiveEmulator(api_key=KEY, organisation=ORG) as emulator:
        yield emulator
    assert emulator.errors == [], "the emulator itself raised while answering"


@pytest.fixture
def api(hive: TheHiveEmulator) -> TheHiveApi:
    return make_api(hive)


@pytest.fixture
def admin_api(hive: TheHiveEmulator) -> TheHiveApi:
    """The same key acting in the "admin" organisation (custom field definitions)."""
    return make_api(hive, organisation="admin")


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record urllib3's retry sleeps instead of sleeping (DEFAULT_RETRY backs off for ~30 s)."""
    recorded: list[float] = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", recorded.append)
    return recorded


@pytest.fixture
def new_case(api: TheHiveApi) -> Callable[..., dict]:
    def create(title: str = "Defacement of dinas-x.go.id", **fields: object) -> dict:
        return api.case.create({"title": title, "description": "found by csirt-kit", **fields})  # type: ignore[typeddict-item]

    return create
