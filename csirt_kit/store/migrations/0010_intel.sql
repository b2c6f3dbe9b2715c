-- Threat intel: sources and their sync state, events, indicators, objects, sightings queue.
CREATE TABLE intel_sources (
    name          TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,              -- misp | feed:misp | feed:csv | feed:text
    location      TEXT NOT NULL DEFAULT '',   -- url or path (never a key)
    sightings     INTEGER NOT NULL DEFAULT 0, -- 1: queue sightings back to this MISP
    cursor        TEXT NOT NULL DEFAULT '',   -- MISP: attribute timestamp (epoch) of the next pull
    resume        TEXT NOT NULL DEFAULT '',   -- JSON of an interrupted paged pull
    last_attempt  TEXT NOT NULL DEFAULT '',
    last_success  TEXT NOT NULL DEFAULT '',
    last_status   TEXT NOT NULL DEFAULT '',   -- ok | problems | unreachable | server | auth | config
    last_error    TEXT NOT NULL DEFAULT '',
    last_stats    TEXT NOT NULL DEFAULT '{}'
);

-- MISP events as a source knows them; feeds compare manifest timestamps with these.
CREATE TABLE intel_events (
    source        TEXT NOT NULL,
    uuid          TEXT NOT NULL,
    info          TEXT NOT NULL DEFAULT '',
    date          TEXT NOT NULL DEFAULT '',
    threat_level  TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '[]',
    timestamp     INTEGER NOT NULL DEFAULT 0,
    last_seen     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source, uuid)
) WITHOUT ROWID;

-- One row per (source, attribute); key = attribute uuid, else "type:value".
CREATE TABLE indicators (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    key           TEXT NOT NULL,
    type          TEXT NOT NULL,
    value         TEXT NOT NULL,
    event_uuid    TEXT NOT NULL DEFAULT '',
    object_key    TEXT NOT NULL DEFAULT '',   -- object uuid (feeds) or id (servers)
    object_relation TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '',   -- JSON list of the attribute's own tags, '' if none
    to_ids        INTEGER NOT NULL DEFAULT 1,
    comment       TEXT NOT NULL DEFAULT '',
    first_seen    TEXT NOT NULL DEFAULT '',
    last_seen     TEXT NOT NULL DEFAULT '',
    changed       INTEGER NOT NULL DEFAULT 0, -- source timestamp (epoch) of the attribute
    expires       TEXT NOT NULL DEFAULT '',   -- '' = never; else ISO UTC
    removed       TEXT NOT NULL DEFAULT '',   -- when the source stopped listing it ('' = listed)
    warninglists  TEXT NOT NULL DEFAULT '',   -- JSON list of list names, '' if none
    UNIQUE (source, key)
);
CREATE INDEX indicators_type_value ON indicators(type, value);
CREATE INDEX indicators_event ON indicators(source, event_uuid);

-- Attributes of MISP objects that give context (vulnerability objects: CVE, CPEs, CVSS, ranges).
CREATE TABLE intel_objects (
    source        TEXT NOT NULL,
    key           TEXT NOT NULL,
    event_uuid    TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL DEFAULT '',
    attributes    TEXT NOT NULL DEFAULT '{}', -- JSON {attribute key: [relation, type, value]}
    changed       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, key)
) WITHOUT ROWID;

-- Sightings waiting to be sent to a MISP server (one per indicator and day).
CREATE TABLE intel_sightings (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    type          TEXT NOT NULL,
    value         TEXT NOT NULL,
    day           TEXT NOT NULL,
    seen_at       TEXT NOT NULL,
    sent_at       TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    UNIQUE (source, type, value, day)
);
