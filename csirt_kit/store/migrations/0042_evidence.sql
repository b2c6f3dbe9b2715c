-- Evidence captured for findings: each row links a finding to one content-addressed blob
-- in the store folder (evidence/ab/cdef....gz, named by the sha256 of the stored bytes).
-- A row with sha256 '' records content that was not stored (over the per-finding cap).
-- Rows are never updated: a finding whose file or evidence changes gains new rows, so
-- earlier versions stay exportable.
CREATE TABLE finding_evidence (
    fingerprint   TEXT NOT NULL,
    role          TEXT NOT NULL,            -- evidence | file | log_lines | snippets | body | headers | text
    name          TEXT NOT NULL,
    sha256        TEXT NOT NULL,            -- of the stored (possibly cut) bytes, '' when skipped
    size          INTEGER NOT NULL,         -- stored bytes
    original_size INTEGER,                  -- size of the source when known
    truncated     INTEGER NOT NULL DEFAULT 0,
    note          TEXT NOT NULL DEFAULT '',
    captured_at   TEXT NOT NULL,
    PRIMARY KEY (fingerprint, role, name, sha256)
) WITHOUT ROWID;
CREATE INDEX finding_evidence_sha256 ON finding_evidence(sha256);
