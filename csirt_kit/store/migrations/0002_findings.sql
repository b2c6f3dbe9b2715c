-- Findings: one row per fingerprint; rescans update last_seen and seen_count.
CREATE TABLE findings (
    fingerprint      TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    asset_id         TEXT,
    severity         TEXT NOT NULL,
    title            TEXT NOT NULL,
    rule             TEXT,
    indicator        TEXT,
    tags             TEXT NOT NULL DEFAULT '[]',
    evidence         TEXT NOT NULL DEFAULT '{}',
    first_seen       TEXT NOT NULL,
    last_seen        TEXT NOT NULL,
    seen_count       INTEGER NOT NULL DEFAULT 1,
    status           TEXT NOT NULL DEFAULT 'new',
    case_key         TEXT,
    previous_case_key TEXT,
    suppressed_by    TEXT,
    suppressed_at    TEXT,
    suppressed_reason TEXT,
    suppressed_sha256 TEXT
);
CREATE INDEX findings_status ON findings(status);
CREATE INDEX findings_asset ON findings(asset_id);
CREATE INDEX findings_kind ON findings(kind);
CREATE INDEX findings_case ON findings(case_key);
CREATE INDEX findings_last_seen ON findings(last_seen);
