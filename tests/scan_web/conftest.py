"""Fixtures of the web scanner tests: a virtual-host loopback server and a city pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .server import LoopbackServer, Route, Sites

RULES = Path(__file__).parent / "rules"


def page(title: str, body: str, extra_head: str = "") -> bytes:
    """A small HTML page."""
    return (f"<html><head><title>{title}</title>{extra_head}</head><body>{body}</body></html>").encode()


@dataclass
class City:
    """A loopback server, a config that resolves *.kota.test to it, and an inventory."""

    sites: Sites
    port: int
    config: Path
    tmp: Path
    cli: Any

    def configure(self, resolve: dict[str, str] | None = None, **web: object) -> None:
        """Rewrite [scan.web] with short timeouts plus `web` keys; *.kota.test goes to the server."""
        keys = {"timeout": 0.5, "total_timeout": 3, "max_bytes": 100_000, "workers": 8, **web}
        lines = ["[scan.web]"]
        for k, v in keys.items():
            lines.append(f"{k} = {_toml(v)}")
        lines.append(f"resolve = {_toml({**(resolve or {}), '*.kota.test': f'127.0.0.1:{self.port}'})}")
        self.config.write_text("\n".join(lines) + "\n")

    def inventory(self, *rows: tuple[str, str, str]) -> None:
        """Import assets (id, url, status)."""
        inv = self.tmp / "inventory.csv"
        body = "id,name,kind,owner,status,urls\n" + "".join(
            f"{i},{i},website,Diskominfo,{status},{url}\n" for i, url, status in rows)
        inv.write_text(body)
        self.cli(["assets", "import", str(inv)])

    def scan(self, *args: str, expect: int | tuple[int, ...] = 0) -> dict[str, Any]:
        """`csirt --json scan web ARGS --rules tests` and its document."""
        result = self.cli(["--json", "scan", "web", *args, "--rules", str(RULES)], expect=expect)
        return result.json if result.stdout.strip() else {}


def _toml(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f'"{k}" = {_toml(x)}' for k, x in v.items()) + "}"
    return str(v)


@pytest.fixture
def city(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[City]:
    """A running loopback server with an empty site table and a config aimed at it."""
    sites = Sites()
    with LoopbackServer(sites) as server:
        config = tmp_path / "config.toml"
        monkeypatch.setenv("CSIRT_KIT_CONFIG", str(config))
        c = City(sites, server.port, config, tmp_path, cli)
        c.configure()
        yield c


def kinds(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Findings of one kind (test rules only for yara.web)."""
    out = [f for f in doc["findings"] if f["kind"] == kind]
    if kind == "yara.web":
        out = [f for f in out if ":test_" in (f["rule"] or "")]
    return out


__all__ = ["City", "Route", "kinds", "page"]
