"""Column aliases (English and Indonesian) and value vocabularies of the inventory."""

from __future__ import annotations

import functools
import re

# Canonical field -> accepted column names after normalisation (lower case, '_' for
# spaces and punctuation). Indonesian spreadsheets name the same thing many ways.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "asset_id", "id_aset", "kode", "kode_aset", "no_aset", "nomor_aset"),
    "name": ("name", "nama", "nama_aset", "nama_aplikasi", "nama_situs", "nama_layanan",
             "aplikasi", "judul", "title"),
    "kind": ("kind", "type", "jenis", "jenis_aset", "tipe", "kategori", "category"),
    "owner": ("owner", "opd", "dinas", "instansi", "department", "dept", "unit", "unit_kerja",
              "perangkat_daerah", "skpd", "pemilik", "satker"),
    "contact": ("contact", "kontak", "pic", "email", "e_mail", "telepon", "telp", "no_hp", "hp",
                "cp", "narahubung", "penanggung_jawab"),
    "criticality": ("criticality", "kritikalitas", "tingkat_kritis", "kekritisan", "prioritas",
                    "priority", "kategori_kritis"),
    "status": ("status", "keadaan", "status_aset", "state"),
    "urls": ("urls", "url", "alamat", "alamat_web", "alamat_url", "link", "website", "situs",
             "laman"),
    "hostnames": ("hostnames", "hostname", "domain", "domains", "subdomain", "fqdn",
                  "nama_domain"),
    "ips": ("ips", "ip", "ip_address", "ip_addresses", "alamat_ip", "ip_publik", "ip_lokal",
            "ipv4", "ipv6"),
    "networks": ("networks", "network", "cidr", "subnet", "segmen", "segmen_jaringan",
                 "jaringan", "blok_ip"),
    "software": ("software", "perangkat_lunak", "cms", "firmware", "platform", "teknologi",
                 "versi", "cpe"),
    "webroot": ("webroot", "docroot", "document_root", "web_root", "path", "direktori"),
    "logs": ("logs", "log", "log_path", "log_paths", "berkas_log", "lokasi_log"),
    "tags": ("tags", "tag", "label", "labels"),
    "notes": ("notes", "note", "catatan", "keterangan", "deskripsi", "description", "ket"),
    "host": ("host", "server", "hosting", "server_hosting", "worker"),
}
LIST_FIELDS = ("urls", "hostnames", "ips", "networks", "software", "logs", "tags")

_ALIAS_TO_FIELD = {alias: field for field, aliases in COLUMN_ALIASES.items()
                   for alias in aliases}

KIND_ALIASES: dict[str, str] = {
    "website": "website", "web": "website", "situs": "website", "situs_web": "website",
    "web_site": "website", "laman": "website", "portal": "website",
    "webapp": "webapp", "web_app": "webapp", "aplikasi": "webapp", "aplikasi_web": "webapp",
    "app": "webapp", "application": "webapp", "spbe": "webapp", "e_government": "webapp",
    "server": "server", "peladen": "server", "vm": "server", "host": "server",
    "cctv": "cctv", "camera": "cctv", "kamera": "cctv", "ip_camera": "cctv", "ipcam": "cctv",
    "nvr": "nvr", "dvr": "nvr", "recorder": "nvr",
    "wifi_ap": "wifi-ap", "wifi": "wifi-ap", "ap": "wifi-ap", "access_point": "wifi-ap",
    "hotspot": "wifi-ap", "wifi_publik": "wifi-ap",
    "network": "network", "jaringan": "network", "router": "network", "switch": "network",
    "firewall": "network", "subnet": "network",
    "database": "database", "db": "database", "basis_data": "database", "basisdata": "database",
    "other": "other", "lainnya": "other", "lain_lain": "other", "lain": "other",
}
CRITICALITY_ALIASES: dict[str, str] = {
    "low": "low", "rendah": "low", "1": "low",
    "medium": "medium", "sedang": "medium", "menengah": "medium", "normal": "medium", "2": "medium",
    "high": "high", "tinggi": "high", "3": "high",
    "critical": "critical", "kritis": "critical", "sangat_tinggi": "critical", "vital": "critical",
    "4": "critical",
}
STATUS_ALIASES: dict[str, str] = {
    "active": "active", "aktif": "active", "online": "active", "live": "active",
    "berjalan": "active", "up": "active",
    "suspended": "suspended", "suspend": "suspended", "nonaktif": "suspended",
    "non_aktif": "suspended", "tidak_aktif": "suspended", "ditangguhkan": "suspended",
    "offline": "suspended", "maintenance": "suspended", "down": "suspended",
    "retired": "retired", "pensiun": "retired", "dihapus": "retired", "decommissioned": "retired",
    "dihentikan": "retired", "removed": "retired",
}


@functools.lru_cache(maxsize=4096)
def normalise_key(text: str) -> str:
    """Lower-case a name and join its words with '_' ('Alamat IP' -> 'alamat_ip')."""
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")


def canonical_column(name: str) -> str:
    """The field a column name stands for, or '' when it is not known."""
    return _ALIAS_TO_FIELD.get(normalise_key(name), "")


def vocabulary_value(raw: str, aliases: dict[str, str]) -> str:
    """Map a free-text value through an alias table ('' when unknown)."""
    return aliases.get(normalise_key(raw), "")
