"""Labels of timeline renderings in English and Indonesian."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "timeline": "Case timeline", "time": "Time", "source": "Source", "what": "Event",
        "details": "Details", "case": "Case", "asset": "Asset", "owner": "Owner",
        "contact": "Contact", "severity": "Severity", "playbook": "Playbook",
        "tasks": "Tasks", "task": "Task", "group": "Group", "generated": "Generated",
        "entries": "entries", "evidence": "evidence", "case_event": "case", "intel": "intel",
        "note": "note", "description": "Description", "previous": "Follows case",
        # kinds of entries
        "log_line": "log line", "log_last": "last matching log line", "file_mtime":
        "file modified", "page_fetched": "page fetched", "detected": "first detected",
        "last_seen": "last seen by scan", "event_date": "MISP event date",
        "ioc_first_seen": "indicator first seen", "ioc_last_seen": "indicator last seen",
        "opened": "case opened", "finding_joined": "finding joined", "severity_raised":
        "severity raised", "task_status": "task status changed", "status": "case status changed",
        "comment": "comment", "synced": "synced with backend", "sync_failed": "sync failed",
        "closed": "case closed", "reopened_as": "followed by a new case",
        "task_log": "task log", "promoted": "alert became a case",
        # captured evidence
        "captured": "Captured evidence", "finding": "Finding", "role": "Kind", "file": "File",
        "size": "Size", "export": "Export", "not_stored": "not stored", "cut": "cut",
    },
    "id": {
        "timeline": "Linimasa kasus", "time": "Waktu", "source": "Sumber", "what": "Kejadian",
        "details": "Keterangan", "case": "Kasus", "asset": "Aset", "owner": "Pemilik (OPD)",
        "contact": "Kontak", "severity": "Tingkat keparahan",
        "playbook": "Playbook", "tasks": "Tugas", "task": "Tugas", "group": "Kelompok",
        "generated": "Dibuat", "entries": "entri", "evidence": "bukti", "case_event": "kasus",
        "intel": "intelijen", "note": "catatan", "description": "Deskripsi",
        "previous": "Lanjutan dari kasus",
        "log_line": "baris log", "log_last": "baris log cocok terakhir", "file_mtime":
        "berkas diubah", "page_fetched": "halaman diambil", "detected": "pertama terdeteksi",
        "last_seen": "terakhir terlihat oleh pemindaian", "event_date": "tanggal event MISP",
        "ioc_first_seen": "indikator pertama terlihat", "ioc_last_seen":
        "indikator terakhir terlihat", "opened": "kasus dibuka", "finding_joined":
        "temuan ditambahkan", "severity_raised": "tingkat keparahan dinaikkan", "task_status":
        "status tugas berubah", "status": "status kasus berubah", "comment": "komentar",
        "synced": "disinkronkan dengan backend", "sync_failed": "sinkronisasi gagal",
        "closed": "kasus ditutup", "reopened_as": "dilanjutkan dengan kasus baru",
        "task_log": "log tugas", "promoted": "alert menjadi kasus",
        "captured": "Bukti tersimpan", "finding": "Temuan", "role": "Jenis", "file": "Berkas",
        "size": "Ukuran", "export": "Ekspor", "not_stored": "tidak disimpan", "cut": "dipotong",
    },
}
LANGS = tuple(LABELS)


def label(lang: str, key: str) -> str:
    """The label for key in lang, falling back to English, then the key itself."""
    return LABELS.get(lang, LABELS["en"]).get(key) or LABELS["en"].get(key, key)
