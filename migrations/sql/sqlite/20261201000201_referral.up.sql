-- Referral programme (package referral). One account row per user who takes
-- part: the referral code, the credits balance (changed only by one
-- conditional UPDATE that also appends a ledger entry), and the user's own
-- referrer. A user is never their own referrer (CHECK below); cycles are
-- refused by the package (SQLite write transactions are serialised).
CREATE TABLE userdesk_referral_accounts (
    user_id         TEXT      PRIMARY KEY REFERENCES userdesk_users (id),
    code            TEXT      UNIQUE,
    code_created_at TIMESTAMP,
    balance         INTEGER   NOT NULL DEFAULT 0 CHECK (balance >= 0),
    version         INTEGER   NOT NULL DEFAULT 0 CHECK (version >= 0),
    last_delta      INTEGER   NOT NULL DEFAULT 0,
    changed_by      TEXT,
    changed_at      TIMESTAMP,
    referrer_id     TEXT      REFERENCES userdesk_users (id) CHECK (referrer_id <> user_id),
    referred_at     TIMESTAMP,
    referral_status TEXT      NOT NULL DEFAULT 'none'
                              CHECK (referral_status IN ('none', 'pending', 'rewarded', 'unrewarded')),
    qualified_at    TIMESTAMP,
    erased_at       TIMESTAMP,
    erased_soon     INTEGER   NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX userdesk_referral_accounts_referrer_idx ON userdesk_referral_accounts (referrer_id, referred_at)
    WHERE referrer_id IS NOT NULL;
--bun:split
-- The credits ledger: append-only. seq is the account's version after the
-- entry, so (user_id, seq) orders a user's entries and proves none is
-- missing. Only reason and idempotency_key may be blanked (GDPR erasure);
-- every other UPDATE and every DELETE is refused by the triggers.
CREATE TABLE userdesk_referral_credit_entries (
    id              TEXT      PRIMARY KEY,
    user_id         TEXT      NOT NULL REFERENCES userdesk_users (id),
    seq             INTEGER   NOT NULL,
    amount          INTEGER   NOT NULL CHECK (amount <> 0),
    balance_after   INTEGER   NOT NULL CHECK (balance_after >= 0),
    kind            TEXT      NOT NULL
                              CHECK (kind IN ('operator_set', 'operator_step', 'consumed', 'restored', 'granted', 'expired')),
    operator_id     TEXT,
    referee_id      TEXT,
    reason          TEXT      NOT NULL DEFAULT '',
    idempotency_key TEXT      NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (user_id, seq)
);
--bun:split
CREATE TRIGGER userdesk_referral_credit_entries_no_update BEFORE UPDATE ON userdesk_referral_credit_entries
WHEN NEW.id IS NOT OLD.id OR NEW.user_id IS NOT OLD.user_id OR NEW.seq IS NOT OLD.seq
  OR NEW.amount IS NOT OLD.amount OR NEW.balance_after IS NOT OLD.balance_after OR NEW.kind IS NOT OLD.kind
  OR NEW.operator_id IS NOT OLD.operator_id OR NEW.referee_id IS NOT OLD.referee_id
  OR NEW.created_at IS NOT OLD.created_at OR NEW.reason <> '' OR NEW.idempotency_key <> ''
BEGIN
    SELECT RAISE(ABORT, 'userdesk_referral_credit_entries is append-only: UPDATE refused');
END;
--bun:split
CREATE TRIGGER userdesk_referral_credit_entries_no_delete BEFORE DELETE ON userdesk_referral_credit_entries
BEGIN
    SELECT RAISE(ABORT, 'userdesk_referral_credit_entries is append-only: DELETE refused');
END;
--bun:split
-- Idempotency keys of credit changes, kept at least 24 hours: the
-- fingerprint of the first request and what it produced (the entry, or the
-- balance and version of a "set to N" that found N already).
CREATE TABLE userdesk_referral_idempotency_keys (
    key         TEXT      PRIMARY KEY,
    fingerprint TEXT      NOT NULL,
    user_id     TEXT      NOT NULL,
    entry_id    TEXT,
    balance     INTEGER   NOT NULL,
    version     INTEGER   NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX userdesk_referral_idempotency_keys_created_idx ON userdesk_referral_idempotency_keys (created_at);
--bun:split
CREATE INDEX userdesk_referral_idempotency_keys_user_idx ON userdesk_referral_idempotency_keys (user_id);
--bun:split
-- SHA-256 digests of the device identifiers the host reported for a user,
-- compared between a referee and the referrer.
CREATE TABLE userdesk_referral_devices (
    user_id     TEXT      NOT NULL REFERENCES userdesk_users (id),
    device_hash TEXT      NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, device_hash)
);
--bun:split
-- Abuse flags for review: one open flag per referrer, referee and reason.
CREATE TABLE userdesk_referral_flags (
    id           TEXT      PRIMARY KEY,
    referrer_id  TEXT      NOT NULL REFERENCES userdesk_users (id),
    referee_id   TEXT      REFERENCES userdesk_users (id),
    reason       TEXT      NOT NULL CHECK (reason IN ('shared_phone', 'shared_email', 'shared_payout_account',
                                                      'shared_device', 'erased_referees', 'velocity')),
    detail       TEXT      NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    cleared_at   TIMESTAMP,
    cleared_by   TEXT,
    clear_reason TEXT      NOT NULL DEFAULT ''
);
--bun:split
CREATE UNIQUE INDEX userdesk_referral_flags_open_key ON userdesk_referral_flags
    (referrer_id, reason, COALESCE(referee_id, ''))
    WHERE cleared_at IS NULL;
--bun:split
CREATE INDEX userdesk_referral_flags_open_idx ON userdesk_referral_flags (id) WHERE cleared_at IS NULL;
--bun:split
CREATE INDEX userdesk_referral_flags_referrer_idx ON userdesk_referral_flags (referrer_id, id);
