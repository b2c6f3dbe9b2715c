-- Inventory history: what each import (revision) changed, with the values before and after.
CREATE TABLE asset_history (
    revision    INTEGER NOT NULL REFERENCES asset_imports(id),
    asset_id    TEXT NOT NULL,
    change      TEXT NOT NULL,          -- created | updated | retired
    before      TEXT,                   -- JSON of the changed columns before (NULL when created)
    after       TEXT,                   -- JSON of the changed columns after
    PRIMARY KEY (revision, asset_id)
);
