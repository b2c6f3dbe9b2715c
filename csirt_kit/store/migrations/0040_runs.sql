-- One row per `csirt run`: when, how it ended, and its summary document.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL DEFAULT 'running',
    summary     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_started ON runs(started_at);
