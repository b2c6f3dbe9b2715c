-- Content-hash cache of file scans: content already scanned with the same rules is not
-- scanned again (in this run or a later one). content_key is the sha256 of the content,
-- mixed with the file's externals when a loaded rule reads them. hits is a JSON list
-- ('[]' for clean content). Rows of other rule sets are dropped when a scan stores its own.
CREATE TABLE file_scan_cache (
    rules_hash  TEXT NOT NULL,
    content_key TEXT NOT NULL,
    hits        TEXT NOT NULL,
    scanned_at  TEXT NOT NULL,
    PRIMARY KEY (rules_hash, content_key)
) WITHOUT ROWID;
