"""Seed assets and findings directly (no scanner needed) and build configs for the backends."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from csirt_kit.config import Config, load_config
from csirt_kit.findings import make_finding, upsert_findings
from csirt_kit.models import Asset, Finding
from csirt_kit.store.assets import upsert_assets
from csirt_kit.store.db import Store

NOW = "2026-11-23T03:00:00Z"


def asset(i: int, criticality: str = "medium", kind: str = "website") -> Asset:
    """A city website with an owner and a contact."""
    return Asset(id=f"web-{i:03d}", name=f"Situs {i}", kind=kind, owner=f"Dinas {i % 7}",
                 contact=f"admin{i}@kota.go.id", criticality=criticality,
                 urls=(f"https://situs{i}.kota.go.id/",), ips=(f"10.20.{i // 250}.{i % 250 + 1}",))


def webshell(asset_id: str, n: int = 0, severity: str = "high") -> Finding:
    """A web shell file found in a webroot."""
    path = f"/var/www/{asset_id}/uploads/shell{n}.php"
    return make_finding("yara.file", severity, f"PHP web shell in {path}", asset_id=asset_id,
                        ref="webshell_php_eval", locus=path, rule="webshell_php_eval",
                        tags=("webshell",), evidence={"path": path, "sha256": f"{n:064x}",
                                                      "snippet": "eval($_POST[x])"}, seen=NOW)


def ioc_hit(asset_id: str, ip: str) -> Finding:
    """A threat-feed IP seen in an access log."""
    return make_finding("ioc.log", "high", f"Indicator {ip} (ip-src) seen in access.log",
                        asset_id=asset_id, ref=f"ip-src:{ip}", locus="access.log", indicator=ip,
                        tags=("ioc", "tlp:green"),
                        evidence={"log_set": "access.log", "line": 7, "indicator": {
                            "source": "circl", "type": "ip-src", "value": ip,
                            "event_info": "Scanner botnet"}}, seen=NOW)


def unmatched(asset_id: str) -> Finding:
    """A finding no bundled playbook takes."""
    return make_finding("yara.file", "low", "Old phpinfo page", asset_id=asset_id,
                        ref="files/local.yar:phpinfo", locus="/var/www/info.php", tags=("hygiene",),
                        evidence={"path": "/var/www/info.php"}, seen=NOW)


def seed(store: Store, assets: Iterable[Asset], findings: Iterable[Finding]) -> None:
    """Insert assets and findings in one transaction."""
    with store.write() as conn:
        upsert_assets(conn, list(assets), "test", NOW)
        upsert_findings(conn, list(findings), NOW)


def write_config(folder: Path, backend: str = "local", url: str = "", timeout: float = 2.0,
                 organisation: str = "csirt-kota", key_env: str = "CSIRT_TEST_THEHIVE_KEY") -> Path:
    """A config file for the local or TheHive backend."""
    path = folder / "config.toml"
    text = f'[cases]\nbackend = "{backend}"\n'
    if backend == "thehive":
        text += (f'[cases.thehive]\nurl = "{url}"\nkey_env = "{key_env}"\n'
                 f'organisation = "{organisation}"\ntimeout = {timeout}\n')
    path.write_text(text, encoding="utf-8")
    return path


def config_at(path: Path) -> Config:
    """Load the config file (env overrides still apply)."""
    return load_config(str(path))
