-- TheHive alert mode, pulled task logs and evidence attachments (issue #10).
-- remote_kind: what backend_id names on the server ('case' or 'alert'); alert_id: the alert
-- a case came from (kept after an analyst promoted or merged it, so lookups still work).
ALTER TABLE cases ADD COLUMN remote_kind TEXT NOT NULL DEFAULT 'case';
ALTER TABLE cases ADD COLUMN alert_id TEXT;

-- Task logs already known here: written by us ('ours') or pulled from the server ('theirs'),
-- so a log is never pulled back twice.
CREATE TABLE case_remote_logs (
    log_id      TEXT NOT NULL,
    backend     TEXT NOT NULL,
    case_key    TEXT NOT NULL,
    task_idx    INTEGER,
    created_ms  INTEGER NOT NULL DEFAULT 0,
    origin      TEXT NOT NULL,
    PRIMARY KEY (backend, log_id)
);

-- Small per-backend bookmarks (e.g. the newest task log time already pulled).
CREATE TABLE case_sync_marks (
    backend     TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (backend, name)
);
