-- A baseline taken while the page matched defacement rules: its restoration is not a defacement.
ALTER TABLE web_baselines ADD COLUMN defaced INTEGER NOT NULL DEFAULT 0;
