"""Inventory import: formats, aliases, upsert, replace, dry run, and every kind of bad file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook

from csirt_kit.inventory.validate import parse_software

CASES = yaml.safe_load((Path(__file__).parent / "inventory_cases.yaml").read_text("utf-8"))

GOOD_CSV = (
    "id,name,kind,owner,contact,criticality,status,urls,ips,networks,software,webroot,logs,tags\n"
    "web-dinkes,Portal Dinkes,website,Dinas Kesehatan,it@dinkes.example,high,active,"
    "https://dinkes.kota.example/,203.0.113.10,,WordPress 6.4.2;nginx/1.18.0,/var/www/dinkes,"
    "/var/log/nginx/dinkes.log,wordpress\n"
    "nvr-1,NVR Alun-alun,nvr,Dinas Perhubungan,,critical,active,,10.20.30.40,10.20.30.0/24,"
    "cpe:2.3:o:hikvision:ds-7608ni_firmware:4.1.64:*:*:*:*:*:*:*,,,cctv\n"
)


def dump(store_path: Path) -> list[Any]:
    """Every asset row, to prove a rejected import changed nothing."""
    if not store_path.exists():
        return []
    conn = sqlite3.connect(store_path)
    try:
        return conn.execute("SELECT * FROM assets ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


@pytest.fixture
def seeded(cli, tmp_path: Path, store_path: Path) -> list[Any]:
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    cli(["assets", "import", good])
    before = dump(store_path)
    assert len(before) == 2
    return before


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_inventory_rejected_whole(cli, tmp_path: Path, store_path: Path, seeded: list[Any],
                                      case: dict[str, Any]) -> None:
    path = tmp_path / case["file"]
    path.write_text(case["content"], encoding="utf-8")
    result = cli(["assets", "import", path], expect=2)
    for expected in case["expect"]:
        assert expected.format(file=path) in result.stderr
    assert "Traceback" not in result.stderr
    assert dump(store_path) == seeded


def test_wrong_encoding_names_line_and_fix(cli, tmp_path: Path, store_path: Path,
                                           seeded: list[Any]) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("id,name,kind\na1,Dinas Pariwisata,website\na2,Caf\xe9 Kota,website\n"
                     .encode("cp1252"))
    result = cli(["assets", "import", path], expect=2)
    assert f"{path}:3: not valid UTF-8 (byte 0xE9 at line 3)" in result.stderr
    assert "--encoding cp1252" in result.stderr
    assert dump(store_path) == seeded
    ok = cli(["--json", "assets", "import", path, "--encoding", "cp1252"])
    assert ok.json["created"] == 2
    assert cli(["--json", "assets", "show", "a2"]).json["name"] == "Café Kota"


def test_xlsx_with_merged_header_cells(cli, tmp_path: Path, store_path: Path,
                                       seeded: list[Any]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["DAFTAR ASET TIK PEMERINTAH KOTA", None, None, None])
    ws.append(["id", "nama", "alamat", None])
    ws.append(["a1", "Portal", "https://a.kota.example/", "203.0.113.1"])
    ws.merge_cells("C2:D2")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    result = cli(["assets", "import", path], expect=2)
    assert f"{path}:2: column D has values but no name in the header row (merged header cells?)" \
        in result.stderr
    assert "unmerge" in result.stderr
    assert dump(store_path) == seeded


def test_xlsx_with_title_row_and_indonesian_aliases(cli, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Inventaris Aset Diskominfo 2026"])
    ws.append(["Kode Aset", "Nama Aplikasi", "Jenis", "OPD", "Alamat Web", "Alamat IP",
               "Kritikalitas", "Status", "Warna"])
    ws.append([101, "SIMPEG", "aplikasi", "BKPSDM", "simpeg.kota.example", "203.0.113.7",
               "tinggi", "aktif", "biru"])
    ws.append([102, "Kamera Simpang Lima", "kamera", "Dinas Perhubungan", None, "10.9.8.7",
               "sedang", "nonaktif", None])
    path = tmp_path / "aset.xlsx"
    wb.save(path)
    result = cli(["--json", "assets", "import", path])
    assert result.json["created"] == 2
    assert "ignored columns: Warna" in result.stderr
    asset = cli(["--json", "assets", "show", "101"]).json
    assert asset["kind"] == "webapp" and asset["owner"] == "BKPSDM"
    assert asset["urls"] == ["http://simpeg.kota.example/"]
    assert asset["criticality"] == "high" and asset["status"] == "active"
    cam = cli(["--json", "assets", "show", "102"]).json
    assert cam["kind"] == "cctv" and cam["status"] == "suspended"
    assert result.json["files"][0]["ignored_columns"] == ["Warna"]


def test_all_formats_give_the_same_assets(cli, tmp_path: Path) -> None:
    rows = [{"id": "a1", "name": "Portal", "kind": "website", "owner": "Diskominfo",
             "urls": "https://a.kota.example/", "ips": "203.0.113.1;2001:db8::1",
             "software": "WordPress 6.4.2"}]
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("id,name,kind,owner,urls,ips,software\n"
                        "a1,Portal,website,Diskominfo,https://a.kota.example/,"
                        "203.0.113.1;2001:db8::1,WordPress 6.4.2\n", encoding="utf-8")
    yaml_path = tmp_path / "a.yaml"
    yaml_path.write_text(yaml.safe_dump({"assets": rows}), encoding="utf-8")
    json_path = tmp_path / "a.json"
    import json

    json_path.write_text(json.dumps([{**rows[0], "ips": ["203.0.113.1", "2001:db8::1"]}]),
                         encoding="utf-8")
    xlsx_path = tmp_path / "a.xlsx"
    wb = Workbook()
    wb.active.append(list(rows[0]))
    wb.active.append(list(rows[0].values()))
    wb.save(xlsx_path)
    shown = []
    for path in (csv_path, yaml_path, json_path, xlsx_path):
        cli(["assets", "import", path])
        doc = cli(["--json", "assets", "show", "a1"]).json
        shown.append({k: v for k, v in doc.items()
                      if k not in ("source", "created_at", "updated_at")})
    assert all(s == shown[0] for s in shown)
    assert shown[0]["ips"] == ["203.0.113.1", "2001:db8::1"]
    assert shown[0]["software"] == [{"name": "WordPress", "version": "6.4.2", "vendor": "",
                                     "cpe": ""}]


def test_reimport_upserts_and_replace_retires(cli, tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    first = cli(["--json", "assets", "import", path]).json
    assert (first["created"], first["updated"], first["unchanged"]) == (2, 0, 0)
    again = cli(["--json", "assets", "import", path]).json
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    changed = tmp_path / "changed.csv"
    changed.write_text(GOOD_CSV.splitlines()[0] + "\n" +
                       GOOD_CSV.splitlines()[1].replace("high", "critical") + "\n",
                       encoding="utf-8")
    dry = cli(["--json", "assets", "import", changed, "--replace", "--dry-run"]).json
    assert dry["updated"] == 1 and dry["retired"] == ["nvr-1"] and dry["dry_run"]
    assert cli(["--json", "assets", "show", "nvr-1"]).json["status"] == "active"
    done = cli(["--json", "assets", "import", changed, "--replace"]).json
    assert done["updated"] == 1 and done["retired"] == ["nvr-1"]
    nvr = cli(["--json", "assets", "show", "nvr-1"]).json
    assert nvr["status"] == "retired" and nvr["retired_at"]
    assert cli(["--json", "assets", "show", "web-dinkes"]).json["criticality"] == "critical"


def test_list_filters_and_search(cli, tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    cli(["assets", "import", path])
    assert cli(["--json", "assets", "list"]).json["count"] == 2
    assert [a["id"] for a in cli(["--json", "assets", "list", "--kind", "nvr"]).json["items"]] \
        == ["nvr-1"]
    assert cli(["--json", "assets", "list", "--owner", "kesehatan"]).json["count"] == 1
    assert cli(["--json", "assets", "list", "--criticality", "critical"]).json["count"] == 1
    assert cli(["--json", "assets", "list", "--search", "hikvision"]).json["count"] == 1
    assert cli(["--json", "assets", "list", "--status", "retired"]).json["count"] == 0
    table = cli(["assets", "list"]).stdout
    assert "web-dinkes" in table and "nvr-1" in table
    cli(["assets", "show", "nope"], expect=2)


def test_ids_derived_when_missing(cli, tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    path.write_text("nama,alamat,ip\nPortal,https://Portal.Kota.example/x,\n"
                    "Kamera,,10.1.1.1\n", encoding="utf-8")
    doc = cli(["--json", "assets", "import", path]).json
    assert doc["created"] == 2
    ids = {a["id"] for a in cli(["--json", "assets", "list"]).json["items"]}
    assert ids == {"portal.kota.example", "10.1.1.1"}


@pytest.mark.parametrize(("text", "name", "version", "vendor"), [
    ("WordPress 6.4.2", "WordPress", "6.4.2", ""),
    ("nginx/1.18.0", "nginx", "1.18.0", ""),
    ("Hikvision DS-7608NI firmware V4.1.64", "Hikvision DS-7608NI firmware", "4.1.64", ""),
    ("cpe:2.3:a:joomla:joomla\\!:3.9.28:*:*:*:*:*:*:*", "joomla\\!", "3.9.28", "joomla"),
    ("cpe:/a:moodle:moodle:4.1.2", "moodle", "4.1.2", "moodle"),
    ("SLiMS", "SLiMS", "", ""),
])
def test_software_forms(text: str, name: str, version: str, vendor: str) -> None:
    sw = parse_software(text)
    assert (sw.name, sw.version, sw.vendor) == (name, version, vendor)


def test_missing_file_and_unknown_suffix(cli, tmp_path: Path) -> None:
    result = cli(["assets", "import", tmp_path / "nope.csv"], expect=2)
    assert "nope.csv: file not found" in result.stderr
    odd = tmp_path / "inv.docx"
    odd.write_text("x", encoding="utf-8")
    assert "unsupported inventory format .docx" in cli(["assets", "import", odd], expect=2).stderr


def test_revisions_and_diff(cli, tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    cli(["assets", "import", path])
    first = cli(["--json", "assets", "diff"]).json
    assert {c["asset_id"]: c["change"] for c in first["items"]} == {"web-dinkes": "created",
                                                                     "nvr-1": "created"}
    lines = GOOD_CSV.splitlines()
    changed = tmp_path / "changed.csv"
    changed.write_text("\n".join([lines[0], lines[1].replace("Dinas Kesehatan", "Dinas Sosial")
                                  .replace("203.0.113.10", "203.0.113.99"),
                                  "web-new,Baru,website,Diskominfo,,low,active,,,,,,,"]) + "\n",
                       encoding="utf-8")
    cli(["assets", "import", changed, "--replace"])
    doc = cli(["--json", "assets", "diff"]).json
    by_id = {c["asset_id"]: c for c in doc["items"]}
    assert by_id["web-new"]["change"] == "created"
    assert by_id["nvr-1"]["change"] == "retired"
    assert set(by_id["web-dinkes"]["labels"]) == {"re-owned", "IPs changed"}
    assert by_id["web-dinkes"]["fields"]["owner"] == {"before": "Dinas Kesehatan",
                                                      "after": "Dinas Sosial"}
    assert by_id["web-dinkes"]["fields"]["ips"]["after"] == ["203.0.113.99"]
    since_start = cli(["--json", "assets", "diff", "0"]).json
    assert since_start["from_revision"] == 0 and since_start["to_revision"] == 2
    revs = cli(["--json", "assets", "revisions"]).json
    assert [r["id"] for r in revs["items"]] == [2, 1] and revs["items"][0]["retired"] == 1
    assert "re-owned" in cli(["assets", "diff"]).stdout
    cli(["assets", "diff", "9"], expect=2)
    cli(["assets", "import", changed, "--dry-run"])
    assert cli(["--json", "assets", "revisions"]).json["count"] == 2


def test_fast_json_listing_has_the_shape_of_asset_to_dict(store) -> None:
    import json

    from csirt_kit.inventory.validate import parse_software
    from csirt_kit.models import Asset
    from csirt_kit.store.assets import (
        AssetFilter,
        list_asset_dicts,
        list_assets,
        list_assets_json,
        upsert_assets,
    )

    assets = [Asset(id="a1", name="Portal", kind="website", owner="Dinas A",
                    urls=("https://a.kota.example/",), ips=("203.0.113.1",), tags=("x",),
                    software=(parse_software("WordPress 6.4.2"),), webroot="/var/www/a"),
              Asset(id="n1", name="NVR", kind="nvr", owner="Dinas B", networks=("10.0.0.0/24",))]
    with store.write() as conn:
        upsert_assets(conn, assets, "t", "2026-11-01T00:00:00Z")
    for flt in (None, AssetFilter(kind="nvr"), AssetFilter(search="wordpress")):
        expected = [a.to_dict() for a in list_assets(store.conn, flt)]
        assert list_asset_dicts(store.conn, flt) == expected
        text, count = list_assets_json(store.conn, flt)
        assert json.loads(text) == expected and count == len(expected)
        assert [list(d) for d in json.loads(text)] == [list(d) for d in expected]  # key order
