-- Release checksum manifests of CMS cores (e.g. WordPress's per-version md5 list).
-- One row per release, one per file; re-importing a release replaces its files.
CREATE TABLE cms_releases (
    cms         TEXT NOT NULL,
    version     TEXT NOT NULL,
    source      TEXT NOT NULL,
    files       INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (cms, version)
) WITHOUT ROWID;

CREATE TABLE cms_checksums (
    cms     TEXT NOT NULL,
    version TEXT NOT NULL,
    path    TEXT NOT NULL,
    md5     TEXT NOT NULL,
    PRIMARY KEY (cms, version, path)
) WITHOUT ROWID;
