"""`csirt report`: per-department digests, coverage, and HTML checked in headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from csirt_kit.cases.opening import open_cases
from csirt_kit.config import load_config
from csirt_kit.findings import make_finding, upsert_findings
from csirt_kit.models import Asset
from csirt_kit.store.assets import upsert_assets
from csirt_kit.store.db import open_store

ASSETS = [
    Asset(id="web-dinkes", name="Portal Dinkes", kind="website", owner="Dinas Kesehatan",
          urls=("https://dinkes.kota.example/",), webroot="/var/www/dinkes"),
    Asset(id="web-old", name="Situs Lama", kind="website", owner="Dinas Kesehatan",
          status="suspended", urls=("https://lama.kota.example/",)),
    Asset(id="srv-nolist", name="Server Tanpa Data", kind="server", owner="Dinas Kesehatan"),
    Asset(id="web-disdik", name="Portal Disdik", kind="website", owner="Dinas Pendidikan",
          urls=("https://disdik.kota.example/",)),
]


@pytest.fixture
def seeded(store_path: Path) -> Path:
    store = open_store(store_path)
    with store.write() as conn:
        upsert_assets(conn, ASSETS, "test", "2026-11-01T00:00:00Z")
        findings = [
            make_finding("yara.file", "critical", "PHP web shell", asset_id="web-dinkes",
                         ref="files/webshell_php.yar:x", locus="/var/www/dinkes/up/x.php",
                         tags=["webshell"], evidence={"path": "/var/www/dinkes/up/x.php"}),
            make_finding("web.cloaking", "high", "Judi online spam shown only to Googlebot",
                         asset_id="web-disdik", ref="cloaking", locus="https://disdik.kota.example/",
                         tags=["judol"], evidence={"url": "https://disdik.kota.example/"}),
            make_finding("yara.web", "low", "Old jQuery", asset_id="web-disdik", ref="r",
                         locus="https://disdik.kota.example/<script>"),
        ]
        upsert_findings(conn, findings, "2026-11-02T00:00:00Z")
        conn.executemany("INSERT INTO asset_scans (asset_id, scan, at, status, detail) VALUES "
                         "(?, ?, '2026-11-02T00:00:00Z', ?, ?)",
                         [("web-dinkes", "web", "ok", ""), ("web-dinkes", "files", "error",
                                                            "webroot missing"),
                          ("web-old", "probe", "answering", "https://lama.kota.example/ HTTP 200"),
                          ("web-disdik", "web", "ok", "")])
    open_cases(store, load_config(None))
    store.close()
    return store_path


def test_json_digest_per_department(cli, seeded: Path) -> None:
    doc = cli(["--json", "report"]).json
    depts = {d["owner"]: d for d in doc["items"]}
    assert set(depts) == {"Dinas Kesehatan", "Dinas Pendidikan"}
    dinkes = depts["Dinas Kesehatan"]
    assert dinkes["assets"] == 3 and dinkes["open_by_severity"]["critical"] == 1
    assert dinkes["open_cases"] and dinkes["open_cases"][0]["tasks"]
    assert dinkes["scan_errors"] == [{"asset_id": "web-dinkes", "scan": "files",
                                      "detail": "webroot missing"}]
    assert dinkes["nothing_to_scan"] == ["srv-nolist"]
    assert dinkes["suspended_answering"][0]["asset_id"] == "web-old"
    disdik = depts["Dinas Pendidikan"]
    assert disdik["open_by_severity"]["high"] == 1 and disdik["open_by_severity"]["low"] == 1
    assert disdik["never_scanned"] == []
    assert doc["totals"]["open_findings"] == 3


def test_owner_filter_markdown_and_indonesian(cli, seeded: Path) -> None:
    md = cli(["report", "--owner", "pendidikan"]).stdout
    assert "## Dinas Pendidikan" in md and "Dinas Kesehatan" not in md
    assert "Judi online spam shown only to Googlebot" in md
    indo = cli(["report", "--lang", "id"]).stdout
    assert indo.startswith("# Ringkasan keamanan per OPD")
    assert "Situs nonaktif yang masih menjawab: web-old" in indo
    cli(["report", "--owner", "Dinas Rahasia"], expect=2)
    cli(["report", "--format", "pdf"], expect=2)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_renders_in_headless_chromium(cli, seeded: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    cli(["report", "--format", "html", "--output", out])
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "&lt;script&gt;" not in page or "<script>" not in page
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium for this test (see .ci/run)")
        pytest.skip("chromium is not installed here (CI installs it)")
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--dump-dom", out.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert '<svg id="severity-chart"' in rendered
    assert rendered.count('class="bar ') == 3  # critical (Dinkes), high + low (Disdik)
    assert rendered.count("<section class=\"dept\">") == 2
    assert 'id="totals"' in rendered and "Dinas Pendidikan" in rendered
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1000,800",
                    out.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 5000
