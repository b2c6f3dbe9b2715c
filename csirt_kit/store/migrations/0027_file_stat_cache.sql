-- Stat cache of file scans: a file whose size, mtime, ctime, inode and device are all
-- unchanged since it was read is not opened again; its sha256 and content key come from
-- here and its result from file_scan_cache (same rules hash). Keyed by absolute path,
-- independent of the rules. Rows of files gone from a scanned root are deleted.
CREATE TABLE file_stat_cache (
    path        TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    ctime_ns    INTEGER NOT NULL,
    inode       INTEGER NOT NULL,
    device      INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    content_key TEXT NOT NULL,
    read_at     TEXT NOT NULL
) WITHOUT ROWID;
