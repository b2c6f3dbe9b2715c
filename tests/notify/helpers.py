"""Cases made the way the product makes them: findings upserted, then `open_cases`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from csirt_kit.cases.opening import OpenResult, open_cases
from csirt_kit.config import Config, load_config
from csirt_kit.findings import make_finding, upsert_findings
from csirt_kit.models import Asset, Finding
from csirt_kit.store.assets import upsert_assets
from csirt_kit.store.db import Store

NOW = "2026-11-23T03:00:00Z"
TOKEN = "123456789:AAHtestTOKENsecretvalue0123456789xyz"
CHAT = "-1001234567890"


def asset(i: int, owner: str = "") -> Asset:
    """A city website with an owner department."""
    return Asset(id=f"web-{i:03d}", name=f"Situs {i}", kind="website", owner=owner or f"Dinas {i}",
                 contact=f"admin{i}@kota.go.id", criticality="medium",
                 urls=(f"https://situs{i}.kota.go.id/",))


def webshell(asset_id: str, n: int = 0) -> Finding:
    """A high web shell finding: opens a `webshell` case (high)."""
    path = f"/var/www/{asset_id}/uploads/shell{n}.php"
    return make_finding("yara.file", "high", f"PHP web shell in {path}", asset_id=asset_id,
                        ref="webshell_php_eval", locus=path, rule="webshell_php_eval",
                        tags=("webshell",), evidence={"path": path}, seen=NOW)


def vulnerable(asset_id: str) -> Finding:
    """A medium vulnerable-software finding: opens a `vuln-software` case (medium)."""
    return make_finding("vuln.software", "medium", "WordPress 5.0 has CVE-2019-8942",
                        asset_id=asset_id, ref="CVE-2019-8942", locus="wordpress",
                        evidence={"cve": "CVE-2019-8942"}, seen=NOW)


def add_cases(store: Store, config: Config, assets: Iterable[Asset],
              findings: Iterable[Finding]) -> OpenResult:
    """Store assets and findings, then open cases per the bundled playbooks."""
    with store.write() as conn:
        upsert_assets(conn, list(assets), "test", NOW)
        upsert_findings(conn, list(findings), NOW)
    return open_cases(store, config)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(folder: Path, channels: list[dict[str, Any]], lang: str = "en") -> Path:
    """A config file with [[notify.channels]] entries (local case backend)."""
    lines = [f'[general]\nlang = "{lang}"\n[cases]\nbackend = "local"\n']
    for channel in channels:
        lines.append("[[notify.channels]]")
        lines += [f"{key} = {toml_value(value)}" for key, value in channel.items()]
        lines.append("")
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def config_at(path: Path) -> Config:
    """Load the config file (env overrides still apply)."""
    return load_config(str(path))
