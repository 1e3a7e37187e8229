-- Leases of background work (package thirdparty): the replica named in
-- holder runs the work called name until expires_at, renewing the lease
-- as it goes; a replica that stops renewing (killed, partitioned) loses it
-- when it expires and another takes over.
CREATE TABLE userdesk_thirdparty_leases (
    name       TEXT        PRIMARY KEY,
    holder     TEXT        NOT NULL CHECK (holder <> ''),
    expires_at TIMESTAMP   NOT NULL
);
