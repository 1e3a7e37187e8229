-- Leases of background jobs that must run on one replica at a time (the
-- verification outbox's delivery loop): a holder owns the named job until
-- expires_at, and renews the lease while it runs; a holder that dies
-- stops renewing, and another takes the job once the lease expired.
CREATE TABLE userdesk_job_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
