-- Web baselines: the last accepted content of each scanned URL (defacement detection).
CREATE TABLE web_baselines (
    url         TEXT PRIMARY KEY,
    asset_id    TEXT,
    sha256      TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    snapshot    TEXT NOT NULL DEFAULT '',
    size        INTEGER NOT NULL DEFAULT 0,
    first_seen  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX web_baselines_asset ON web_baselines(asset_id);
