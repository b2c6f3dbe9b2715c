"""Fixtures of the demo tests: one city built per session, and its loopback web server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from csirt_kit.demo import DemoCity, DemoWebServer, build_city


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> DemoCity:
    """The demo city with the default seed, built once (read-only for tests)."""
    return build_city(tmp_path_factory.mktemp("demo") / "city")


@pytest.fixture(scope="session")
def demo_server(demo_city: DemoCity) -> Iterator[tuple[DemoWebServer, int]]:
    """The demo web server on a free loopback port."""
    server = DemoWebServer(demo_city)
    _, port = server.start()
    yield server, port
    server.stop()


def tree_digest(root: Path, replace_root: bool = False) -> dict[str, str]:
    """sha256 of every file under root keyed by relative path (optionally with root written as ROOT)."""
    import hashlib

    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if replace_root:
                data = data.replace(str(root).encode(), b"ROOT")
            out[str(path.relative_to(root))] = hashlib.sha256(data).hexdigest()
    return out
