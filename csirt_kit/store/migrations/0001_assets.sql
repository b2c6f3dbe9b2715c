-- Assets from the city's inventories; list-valued fields as JSON arrays.
CREATE TABLE assets (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    owner       TEXT NOT NULL DEFAULT '',
    contact     TEXT NOT NULL DEFAULT '',
    criticality TEXT NOT NULL DEFAULT 'medium',
    status      TEXT NOT NULL DEFAULT 'active',
    urls        TEXT NOT NULL DEFAULT '[]',
    hostnames   TEXT NOT NULL DEFAULT '[]',
    ips         TEXT NOT NULL DEFAULT '[]',
    networks    TEXT NOT NULL DEFAULT '[]',
    software    TEXT NOT NULL DEFAULT '[]',
    webroot     TEXT NOT NULL DEFAULT '',
    logs        TEXT NOT NULL DEFAULT '[]',
    tags        TEXT NOT NULL DEFAULT '[]',
    notes       TEXT NOT NULL DEFAULT '',
    host        TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    retired_at  TEXT
);
CREATE INDEX assets_owner ON assets(owner);
CREATE INDEX assets_kind ON assets(kind);
CREATE INDEX assets_status ON assets(status);

-- One row per import command: the inventory's revision history.
CREATE TABLE asset_imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    files       TEXT NOT NULL,
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    retired     INTEGER NOT NULL
);

-- Small key/value state (last sync times, cursors) for any subsystem.
CREATE TABLE kv (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
