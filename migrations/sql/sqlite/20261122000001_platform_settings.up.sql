-- One row of platform-wide settings. SQLite has no exact decimal type, so
-- fees are TEXT holding decimal strings, read back through package fees
-- (never REAL); range checks live in Go. Timestamps are UTC text in bun's
-- format, whose text order is time order.
CREATE TABLE userdesk_platform_settings (
    id                  INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    currency            TEXT    NOT NULL CHECK (length(currency) = 3),
    asker_percent       TEXT    NOT NULL,
    asker_fixed         TEXT    NOT NULL,
    offeror_percent     TEXT    NOT NULL,
    offeror_fixed       TEXT    NOT NULL,
    default_user_status TEXT    NOT NULL CHECK (default_user_status IN ('live', 'in_review')),
    platform_mode       TEXT    NOT NULL CHECK (platform_mode IN ('switch', 'non_switch')),
    version             INTEGER NOT NULL DEFAULT 1,
    updated_at          TIMESTAMP NOT NULL
);
--bun:split
INSERT INTO userdesk_platform_settings
    (id, currency, asker_percent, asker_fixed, offeror_percent, offeror_fixed,
     default_user_status, platform_mode, version, updated_at)
VALUES (1, 'EUR', '0', '0', '10', '0', 'live', 'switch', 1,
        strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'));
