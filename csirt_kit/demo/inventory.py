"""The demo inventory: web assets plus CCTV, NVRs, Wi-Fi APs, servers, 112 and the data centre."""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from csirt_kit.demo.names import DOMAIN, KELURAHAN
from csirt_kit.demo.sites import HOSTING_SERVERS, DemoSite

COLUMNS = ("id", "name", "kind", "owner", "contact", "criticality", "status", "urls", "hostnames",
           "ips", "networks", "software", "webroot", "logs", "tags", "notes", "host")
# The XLSX variant uses the Indonesian headers a city spreadsheet would have.
XLSX_HEADERS = ("Kode Aset", "Nama Aplikasi", "Jenis", "OPD", "PIC", "Kritikalitas", "Status",
                "Alamat URL", "Nama Domain", "Alamat IP", "Segmen Jaringan", "Perangkat Lunak",
                "Document Root", "Lokasi Log", "Label", "Keterangan", "Server")
KOMINFO = "Dinas Komunikasi dan Informatika"
DISHUB = "Dinas Perhubungan"
NVR_VULNERABLE = "cpe:2.3:o:hikvision:ds-7616ni-k2_firmware:4.30.085:*:*:*:*:*:*:*"
NVR_PATCHED = "cpe:2.3:o:hikvision:ds-7616ni-k2_firmware:4.74.105:*:*:*:*:*:*:*"
NVR_OTHER = "cpe:2.3:o:dahua:nvr5216-16p-i_firmware:4.001.0000000.4:*:*:*:*:*:*:*"
CAMERA_CPES = ("cpe:2.3:o:hikvision:ds-2cd2143g2-i_firmware:5.7.3:*:*:*:*:*:*:*",
               "cpe:2.3:o:dahua:ipc-hfw2431s-s-s2_firmware:2.800.0000000.33:*:*:*:*:*:*:*")
AP_CPE = "cpe:2.3:o:mikrotik:routeros:6.48.6:*:*:*:*:*:*:*"
DC_NETWORKS = ("203.0.113.0/25", "198.51.100.0/25", "10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16")
Row = dict[str, str]


def _contact(code: str) -> str:
    return f"pic.{code}@{DOMAIN}"


def site_row(site: DemoSite, webroot: str = "", logs: Sequence[str] = ()) -> Row:
    """The inventory row of one web asset."""
    notes = "Ditangguhkan: masa hosting habis, menunggu konfirmasi OPD" if site.status == "suspended" else ""
    return {"id": site.asset_id, "name": site.name, "kind": site.kind, "owner": site.owner,
            "contact": _contact(site.owner_code), "criticality": site.criticality,
            "status": site.status, "urls": site.url, "hostnames": site.host, "ips": site.ip,
            "networks": "", "software": "; ".join(site.software), "webroot": webroot,
            "logs": "; ".join(logs), "tags": "; ".join(site.tags), "notes": notes,
            "host": site.server}


def _row(**values: str) -> Row:
    row = dict.fromkeys(COLUMNS, "")
    row["status"] = "active"
    row.update(values)
    return row


def infra_rows(rng: random.Random, auth_log: str, auth_host: str) -> list[Row]:
    """Servers, database, 112, data centre, NVRs, cameras and Wi-Fi APs."""
    rows = [_row(id="dc-kota", name="Pusat Data Kota Demo", kind="network", owner=KOMINFO,
                 contact=_contact("diskominfo"), criticality="critical",
                 networks="; ".join(DC_NETWORKS), tags="datacenter; spbe",
                 notes="Ruang server utama, seluruh layanan SPBE"),
            _row(id="sys-112", name="Call Center Darurat 112", kind="server", owner=KOMINFO,
                 contact=_contact("diskominfo"), criticality="critical", ips="198.51.100.40",
                 hostnames=f"pbx112.{DOMAIN}", software="Asterisk 18.20.0; Debian 11",
                 tags="112; darurat", notes="Layanan darurat 24 jam"),
            _row(id="fw-core", name="Firewall Inti Pusat Data", kind="network", owner=KOMINFO,
                 contact=_contact("diskominfo"), criticality="critical", ips="203.0.113.1",
                 software="cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*", tags="datacenter")]
    for n in range(1, HOSTING_SERVERS + 1):
        sid = f"srv-web{n:02d}"
        logs = auth_log if sid == auth_host else ""
        rows.append(_row(id=sid, name=f"Server Hosting Bersama {n:02d}", kind="server",
                         owner=KOMINFO, contact=_contact("diskominfo"), criticality="high",
                         ips=f"203.0.113.{10 + n}", hostnames=f"{sid}.{DOMAIN}",
                         software=rng.choice(("Ubuntu 20.04; OpenSSH 8.2p1", "Debian 11; OpenSSH 8.4p1",
                                              "CentOS 7; OpenSSH 7.4p1")),
                         logs=logs, tags="hosting"))
    for n in range(1, 13):
        sid = f"srv-app{n:02d}"
        rows.append(_row(id=sid, name=f"Server Aplikasi SPBE {n:02d}", kind="server",
                         owner=KOMINFO, contact=_contact("diskominfo"), criticality="high",
                         ips=f"198.51.100.{20 + n}", hostnames=f"{sid}.{DOMAIN}",
                         software="Ubuntu 22.04; OpenSSH 8.9p1", tags="spbe"))
    for n in (1, 2):
        rows.append(_row(id=f"db-{n:02d}", name=f"Server Basis Data {n:02d}", kind="database",
                         owner=KOMINFO, contact=_contact("diskominfo"), criticality="critical",
                         ips=f"10.10.1.{10 + n}", software="MySQL 5.7.44; Ubuntu 18.04",
                         tags="database"))
    for k, (kec, villages) in enumerate(KELURAHAN.items(), start=1):
        district = kec.removeprefix("kec-")
        nvr_cpe = NVR_VULNERABLE if k % 3 == 1 else (NVR_PATCHED if k % 3 == 2 else NVR_OTHER)
        rows.append(_row(id=f"nvr-{district}", name=f"NVR CCTV Kecamatan {district.title()}",
                         kind="nvr", owner=DISHUB, contact=_contact("dishub"),
                         criticality="high", ips=f"10.20.{k}.250", software=nvr_cpe,
                         tags="cctv; atcs"))
        for n in range(1, 31):
            spot = villages[(n - 1) % len(villages)]
            rows.append(_row(id=f"cctv-{district}-{n:03d}", name=f"CCTV {spot} {n:03d}",
                             kind="cctv", owner=DISHUB, contact=_contact("dishub"),
                             criticality="medium", ips=f"10.20.{k}.{n + 10}",
                             software=CAMERA_CPES[n % 2], tags="cctv", host=f"nvr-{district}"))
        for n in range(1, 9):
            spot = villages[n % len(villages)]
            rows.append(_row(id=f"wifi-{district}-{n:02d}", name=f"Wi-Fi Publik {spot} {n:02d}",
                             kind="wifi-ap", owner=KOMINFO, contact=_contact("diskominfo"),
                             criticality="low", ips=f"10.30.{k}.{n + 10}", software=AP_CPE,
                             tags="wifi-publik"))
    return rows


def write_csv(path: Path, rows: Sequence[Row]) -> Path:
    """The inventory as CSV (English column names)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: Sequence[Row]) -> Path:
    """The inventory as an XLSX workbook with a title row and Indonesian headers."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)  # streams rows: several times faster for 1,200 rows
    sheet = workbook.create_sheet("Inventaris Aset")
    sheet.append(["Inventaris Aset TIK Pemerintah Kota Demo (data sintetis)"])
    sheet.append(list(XLSX_HEADERS))
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue()))
    return path


_DATE = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a workbook with fixed entry times and document dates (byte-identical reruns)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _DATE.sub(rb"\g<1>2026-01-01T00:00:00Z\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    return out.getvalue()
