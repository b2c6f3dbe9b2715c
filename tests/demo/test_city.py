"""The demo city: deterministic, contained in its folder, the promised size and shape."""

from __future__ import annotations

import csv
import time
from collections import Counter
from pathlib import Path

import pytest

from csirt_kit.config import load_config
from csirt_kit.demo import DemoCity, build_city
from csirt_kit.demo.logs import KNOWN_BAD_IP
from csirt_kit.errors import UsageError
from tests.demo.conftest import tree_digest


def _rows(city: DemoCity) -> list[dict[str, str]]:
    with city.inventory_csv.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_same_seed_gives_a_byte_identical_tree(tmp_path: Path, demo_city: DemoCity) -> None:
    dest = tmp_path / "a"
    build_city(dest, seed=demo_city.seed)
    first = tree_digest(dest)
    import shutil

    shutil.rmtree(dest)
    build_city(dest, seed=demo_city.seed)
    assert tree_digest(dest) == first
    assert any(name.endswith(".gz") for name in first) and "inventory.xlsx" in first
    # Another folder: same bytes once the folder's own path is factored out (the XLSX is
    # compressed, so its copy of the path cannot be swapped; it was compared above).
    moved = tree_digest(demo_city.root, replace_root=True)
    here = tree_digest(dest, replace_root=True)
    assert moved.pop("inventory.xlsx") and here.pop("inventory.xlsx")
    assert moved == here


def test_another_seed_gives_another_city(tmp_path: Path, demo_city: DemoCity) -> None:
    other = build_city(tmp_path / "other", seed=99)
    assert tree_digest(other.root, replace_root=True) != tree_digest(demo_city.root, replace_root=True)
    assert other.expected.suspended == demo_city.expected.suspended == 165


def test_everything_stays_under_dest(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    city = build_city(parent / "city")
    assert [p.name for p in parent.iterdir()] == ["city"]
    root = str(city.root)
    for row in _rows(city):
        for path in [row["webroot"], *row["logs"].split("; ")]:
            if path:
                assert path.startswith(root + "/"), path
    assert all(Path(row["webroot"]).is_dir() for row in _rows(city) if row["webroot"])
    size = sum(p.stat().st_size for p in city.root.rglob("*") if p.is_file())
    assert size < 20 * 1024 * 1024


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty"):
        build_city(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    with pytest.raises(UsageError, match="is a file"):
        build_city(tmp_path / "notes.txt")


def test_inventory_shape(demo_city: DemoCity) -> None:
    rows = _rows(demo_city)
    web = [r for r in rows if r["kind"] in ("website", "webapp")]
    assert len(web) == 900
    assert sum(r["status"] == "suspended" for r in web) == 165
    assert len({r["owner"] for r in web}) == 40
    kinds = Counter(r["kind"] for r in rows)
    assert kinds["cctv"] >= 200 and kinds["nvr"] >= 5 and kinds["wifi-ap"] >= 50 and kinds["server"] >= 20
    owners = {r["owner"] for r in rows}
    for name in ("Dinas Kesehatan", "Dinas Pendidikan", "Badan Perencanaan Pembangunan Daerah",
                 "Dinas Perhubungan", "Kecamatan Sukajadi", "RSUD Kota Demo"):
        assert name in owners
    names = {r["name"] for r in rows}
    assert "SMP Negeri 12 Kota Demo" in names and any(n.startswith("Kelurahan ") for n in names)
    assert {r["status"] for r in rows} == {"active", "suspended"}
    site = demo_city.site("web-www")
    assert demo_city.by_host[site.host] is site
    critical = {r["id"]: r for r in rows if r["criticality"] == "critical"}
    assert "dc-kota" in critical and "sys-112" in critical
    assert all(r["urls"].startswith("http://") and ".kotademo.example/" in r["urls"] for r in web)
    nvr_software = [r["software"] for r in rows if r["kind"] == "nvr"]
    assert all(s.startswith("cpe:2.3:o:") for s in nvr_software)
    assert any("WordPress" in r["software"] for r in web) and any("Moodle" in r["software"] for r in web)
    assert any("SLiMS" in r["software"] for r in web)
    cctv_ips = [r["ips"] for r in rows if r["kind"] == "cctv"]
    assert all(ip.startswith("10.") for ip in cctv_ips)


def test_expected_facts_point_at_real_things(demo_city: DemoCity) -> None:
    ids = {r["id"] for r in _rows(demo_city)}
    expected = demo_city.expected
    assert expected.findings and {f.asset_id for f in expected.findings} <= ids
    for finding in expected.of_kind("yara.file"):
        assert Path(finding.where).is_file()
        assert finding.where.startswith(str(demo_city.webroots_dir))
    for finding in expected.of_kind("yara.log"):
        assert Path(finding.where).is_file()
    kinds = {f.kind for f in expected.findings}
    assert {"yara.file", "yara.web", "yara.log", "ioc.log", "web.cloaking", "web.redirect",
            "intel.asset", "vuln.software"} <= kinds
    assert len(expected.suspended_answering) >= 5
    assert all(demo_city.site(a).status == "suspended" for a in expected.suspended_answering)
    assert expected.clean_webroots and expected.clean_logs


def test_logs_have_wib_times_in_a_fixed_window(demo_city: DemoCity) -> None:
    import gzip

    www = demo_city.logs_dir / "web" / "www.kotademo.example"
    text = (www / "access.log").read_text()
    assert "+0700]" in text and "sqlmap" in text and "Nikto" in text and KNOWN_BAD_IP in text
    rotated = gzip.decompress((www / "access.log.2.gz").read_bytes()).decode()
    assert rotated.count("\n") >= 400 and "/Nov/2026:" in rotated
    auth = next(demo_city.logs_dir.glob("servers/*/auth.log")).read_text()
    assert auth.count("Failed password") >= 50


def test_generation_is_quick_enough_to_run_in_every_demo(tmp_path: Path) -> None:
    # Not a timing assertion: records the figure for the report when run with -s.
    start = time.perf_counter()
    build_city(tmp_path / "t")
    print(f"build_city took {time.perf_counter() - start:.2f} s")


def test_written_config_loads_and_points_into_the_demo(tmp_path: Path, demo_city: DemoCity) -> None:
    path = demo_city.write_config(tmp_path / "demo.toml", 8123)
    config = load_config(str(path), env={})
    assert config.store_path.is_relative_to(demo_city.root)
    feeds = config.get("intel.feeds")
    assert feeds[0]["path"] == str(demo_city.feed_dir) and feeds[0]["format"] == "misp"
    assert config.get("scan.web.resolve") == {"*.kotademo.example": "127.0.0.1:8123"}
    assert config.get("cases.backend") == "local"
    assert config.timezone == "Asia/Jakarta"
