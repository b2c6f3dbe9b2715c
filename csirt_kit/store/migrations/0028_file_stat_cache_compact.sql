-- The stat cache in a compact form (replaces 0027's): read back whole on every nightly
-- rescan, so each row is kept small. Keys are the first 8 bytes of the sha256 of the
-- absolute root and file paths (a collision can only cost a re-read: the inode and
-- device must match too). The row carries the result for one rules hash (rules_tag:
-- its first 8 bytes), so an unchanged file needs no other lookup; hits is NULL when
-- the file was clean. Rows of files gone from a scanned root are deleted.
DROP TABLE IF EXISTS file_stat_cache;
CREATE TABLE file_stat_cache (
    root_key  INTEGER NOT NULL,
    path_key  INTEGER NOT NULL,
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    ctime_ns  INTEGER NOT NULL,
    inode     INTEGER NOT NULL,
    device    INTEGER NOT NULL,
    sha256    BLOB NOT NULL,
    rules_tag INTEGER NOT NULL,
    hits      TEXT,
    PRIMARY KEY (root_key, path_key)
) WITHOUT ROWID;
