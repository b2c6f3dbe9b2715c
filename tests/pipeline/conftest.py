"""A small city for pipeline tests: one site with a webroot and an access log."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

# Harmless stand-ins written at test time: they only look like what the rules hunt.
SHELL = '<?php @eval(base64_decode($_POST["x"])); ?>\n'
ACCESS_LOG = (
    '203.0.113.9 - - [20/Nov/2026:10:00:00 +0700] "GET /index.php?id=1%27%20UNION%20SELECT'
    '%20password%20FROM%20users-- HTTP/1.1" 200 512 "-" "sqlmap/1.7"\n'
    '203.0.113.9 - - [20/Nov/2026:10:00:05 +0700] "POST /uploads/shell.php HTTP/1.1" 200 12 '
    '"-" "Mozilla/5.0"\n'
)


@dataclass(frozen=True)
class City:
    root: Path
    inventory: Path
    config: Path


def make_city(root: Path, extra_config: str = "") -> City:
    www = root / "www"
    (www / "uploads").mkdir(parents=True)
    (www / "uploads" / "shell.php").write_text(SHELL, encoding="utf-8")
    (www / "index.html").write_text("<html><body>Selamat datang</body></html>\n", encoding="utf-8")
    logs = root / "logs"
    logs.mkdir()
    (logs / "access.log").write_text(ACCESS_LOG, encoding="utf-8")
    inventory = root / "inventory.csv"
    inventory.write_text(
        "id,name,kind,owner,criticality,webroot,logs,ips\n"
        f"web-dinkes,Portal Dinkes,website,Dinas Kesehatan,high,{www},{logs / 'access.log'},"
        "203.0.113.10\n", encoding="utf-8")
    config = root / "config.toml"
    config.write_text('[general]\ntimezone = "Asia/Jakarta"\n' + extra_config, encoding="utf-8")
    return City(root, inventory, config)


@pytest.fixture
def city(tmp_path: Path, cli) -> City:
    c = make_city(tmp_path / "city")
    cli(["--config", c.config, "assets", "import", c.inventory])
    return c
