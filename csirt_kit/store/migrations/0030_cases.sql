-- Cases: the local case store (the case itself with backend "local", a mirror with "thehive").
CREATE TABLE cases (
    key           TEXT PRIMARY KEY,
    base_key      TEXT NOT NULL,
    generation    INTEGER NOT NULL DEFAULT 1,
    previous_key  TEXT,
    playbook      TEXT NOT NULL,
    group_value   TEXT NOT NULL,
    asset_id      TEXT,
    title         TEXT NOT NULL,
    title_id      TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    description_id TEXT NOT NULL DEFAULT '',
    severity      TEXT NOT NULL,
    tlp           TEXT NOT NULL DEFAULT 'amber',
    pap           TEXT NOT NULL DEFAULT 'amber',
    tags          TEXT NOT NULL DEFAULT '[]',
    status        TEXT NOT NULL DEFAULT 'New',
    stage         TEXT NOT NULL DEFAULT 'open',
    impact_status TEXT,
    summary       TEXT,
    backend       TEXT NOT NULL,
    backend_id    TEXT,
    backend_url   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    closed_at     TEXT
);
CREATE INDEX cases_base ON cases(base_key, generation);
CREATE INDEX cases_stage ON cases(stage);
CREATE INDEX cases_asset ON cases(asset_id);

CREATE TABLE case_tasks (
    case_key    TEXT NOT NULL REFERENCES cases(key),
    idx         INTEGER NOT NULL,
    grp         TEXT NOT NULL DEFAULT 'default',
    title       TEXT NOT NULL,
    title_id    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    description_id TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'Waiting',
    backend_id  TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (case_key, idx)
);

CREATE TABLE case_observables (
    case_key    TEXT NOT NULL REFERENCES cases(key),
    data_type   TEXT NOT NULL,
    data        TEXT NOT NULL,
    ioc         INTEGER NOT NULL DEFAULT 0,
    tlp         TEXT NOT NULL DEFAULT 'amber',
    message     TEXT NOT NULL DEFAULT '',
    added_at    TEXT NOT NULL,
    PRIMARY KEY (case_key, data_type, data)
);

-- Every finding that ever joined a case (findings.case_key only holds the current one).
CREATE TABLE case_findings (
    case_key    TEXT NOT NULL REFERENCES cases(key),
    fingerprint TEXT NOT NULL,
    joined_at   TEXT NOT NULL,
    PRIMARY KEY (case_key, fingerprint)
);
CREATE INDEX case_findings_fp ON case_findings(fingerprint);

-- The case timeline: opened, finding_joined, task_status, comment, note, synced, closed, ...
CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_key    TEXT NOT NULL,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events(case_key, at);

-- Writes still owed to a remote case backend, recorded in the transaction that changed the findings.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_key    TEXT NOT NULL,
    backend     TEXT NOT NULL,
    op          TEXT NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}',
    progress    TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX outbox_pending ON outbox(status, case_key, id);
