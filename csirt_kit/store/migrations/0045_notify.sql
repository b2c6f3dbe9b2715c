-- Notifications: one row per message owed to a channel; (channel, case_key, kind) is unique,
-- so a rerun never queues the same message twice. case_key holds "digest:<department>:<date>"
-- for daily digests.
CREATE TABLE notify_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel     TEXT NOT NULL,
    case_key    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    lang        TEXT NOT NULL DEFAULT 'en',
    payload     TEXT NOT NULL DEFAULT '{}',
    delivery_id TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    sent_at     TEXT,
    UNIQUE (channel, case_key, kind)
);
CREATE INDEX notify_outbox_status ON notify_outbox(status, channel, id);

-- When each channel was first seen: cases older than that (minus its backfill) are not news.
CREATE TABLE notify_channels (
    name        TEXT PRIMARY KEY,
    since       TEXT NOT NULL
);
