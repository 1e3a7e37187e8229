-- One row of platform-wide settings. Fees are NUMERIC (exact decimals);
-- the CHECK constraints mirror the rules of package fees.
CREATE TABLE userdesk_platform_settings (
    id                  smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    currency            char(3)     NOT NULL,
    asker_percent       numeric     NOT NULL CHECK (asker_percent BETWEEN 0 AND 100),
    asker_fixed         numeric     NOT NULL CHECK (asker_fixed >= 0),
    offeror_percent     numeric     NOT NULL CHECK (offeror_percent BETWEEN 0 AND 100),
    offeror_fixed       numeric     NOT NULL CHECK (offeror_fixed >= 0),
    default_user_status text        NOT NULL CHECK (default_user_status IN ('live', 'in_review')),
    platform_mode       text        NOT NULL CHECK (platform_mode IN ('switch', 'non_switch')),
    version             bigint      NOT NULL DEFAULT 1,
    updated_at          timestamptz NOT NULL
);
--bun:split
INSERT INTO userdesk_platform_settings
    (id, currency, asker_percent, asker_fixed, offeror_percent, offeror_fixed,
     default_user_status, platform_mode, version, updated_at)
VALUES (1, 'EUR', 0, 0, 10, 0, 'live', 'switch', 1, now());
