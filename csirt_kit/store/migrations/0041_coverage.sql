-- When each asset was last covered by each kind of scan, for the coverage report.
CREATE TABLE asset_scans (
    asset_id    TEXT NOT NULL,
    scan        TEXT NOT NULL,          -- web | files | logs | probe
    at          TEXT NOT NULL,
    status      TEXT NOT NULL,          -- ok | error
    detail      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (asset_id, scan)
);
