-- Referral programme (package referral). One account row per user who takes
-- part: the referral code, the credits balance (changed only by one
-- conditional UPDATE that also appends a ledger entry), and the user's own
-- referrer. A user is never their own referrer (CHECK below); cycles are
-- refused by the package, which locks the chain it walks.
CREATE TABLE userdesk_referral_accounts (
    user_id         uuid        PRIMARY KEY REFERENCES userdesk_users (id),
    code            text        UNIQUE,
    code_created_at timestamptz,
    balance         bigint      NOT NULL DEFAULT 0 CHECK (balance >= 0),
    version         bigint      NOT NULL DEFAULT 0 CHECK (version >= 0),
    last_delta      bigint      NOT NULL DEFAULT 0,
    changed_by      uuid,
    changed_at      timestamptz,
    referrer_id     uuid        REFERENCES userdesk_users (id) CHECK (referrer_id <> user_id),
    referred_at     timestamptz,
    referral_status text        NOT NULL DEFAULT 'none'
                                CHECK (referral_status IN ('none', 'pending', 'rewarded', 'unrewarded')),
    qualified_at    timestamptz,
    erased_at       timestamptz,
    erased_soon     boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL
);
--bun:split
CREATE INDEX userdesk_referral_accounts_referrer_idx ON userdesk_referral_accounts (referrer_id, referred_at)
    WHERE referrer_id IS NOT NULL;
--bun:split
-- The credits ledger: append-only. seq is the account's version after the
-- entry, so (user_id, seq) orders a user's entries and proves none is
-- missing. Only reason and idempotency_key may be blanked (GDPR erasure);
-- every other UPDATE and every DELETE is refused by the trigger.
CREATE TABLE userdesk_referral_credit_entries (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES userdesk_users (id),
    seq             bigint      NOT NULL,
    amount          bigint      NOT NULL CHECK (amount <> 0),
    balance_after   bigint      NOT NULL CHECK (balance_after >= 0),
    kind            text        NOT NULL
                                CHECK (kind IN ('operator_set', 'operator_step', 'consumed', 'restored', 'granted', 'expired')),
    operator_id     uuid,
    referee_id      uuid,
    reason          text        NOT NULL DEFAULT '',
    idempotency_key text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    UNIQUE (user_id, seq)
);
--bun:split
CREATE FUNCTION userdesk_referral_credit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.id, NEW.user_id, NEW.seq, NEW.amount, NEW.balance_after, NEW.kind, NEW.operator_id, NEW.referee_id, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.user_id, OLD.seq, OLD.amount, OLD.balance_after, OLD.kind, OLD.operator_id, OLD.referee_id, OLD.created_at)
       AND NEW.reason = '' AND NEW.idempotency_key = '' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'userdesk_referral_credit_entries is append-only: % refused', TG_OP;
END;
$$;
--bun:split
CREATE TRIGGER userdesk_referral_credit_entries_append_only
    BEFORE UPDATE OR DELETE ON userdesk_referral_credit_entries
    FOR EACH ROW EXECUTE FUNCTION userdesk_referral_credit_entries_append_only();
--bun:split
CREATE TRIGGER userdesk_referral_credit_entries_no_truncate
    BEFORE TRUNCATE ON userdesk_referral_credit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION userdesk_referral_credit_entries_append_only();
--bun:split
-- Idempotency keys of credit changes, kept at least 24 hours: the
-- fingerprint of the first request and what it produced (the entry, or the
-- balance and version of a "set to N" that found N already).
CREATE TABLE userdesk_referral_idempotency_keys (
    key         text        PRIMARY KEY,
    fingerprint text        NOT NULL,
    user_id     uuid        NOT NULL,
    entry_id    uuid,
    balance     bigint      NOT NULL,
    version     bigint      NOT NULL,
    created_at  timestamptz NOT NULL
);
--bun:split
CREATE INDEX userdesk_referral_idempotency_keys_created_idx ON userdesk_referral_idempotency_keys (created_at);
--bun:split
CREATE INDEX userdesk_referral_idempotency_keys_user_idx ON userdesk_referral_idempotency_keys (user_id);
--bun:split
-- SHA-256 digests of the device identifiers the host reported for a user,
-- compared between a referee and the referrer.
CREATE TABLE userdesk_referral_devices (
    user_id     uuid        NOT NULL REFERENCES userdesk_users (id),
    device_hash text        NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, device_hash)
);
--bun:split
-- Abuse flags for review: one open flag per referrer, referee and reason.
CREATE TABLE userdesk_referral_flags (
    id           uuid        PRIMARY KEY,
    referrer_id  uuid        NOT NULL REFERENCES userdesk_users (id),
    referee_id   uuid        REFERENCES userdesk_users (id),
    reason       text        NOT NULL CHECK (reason IN ('shared_phone', 'shared_email', 'shared_payout_account',
                                                        'shared_device', 'erased_referees', 'velocity')),
    detail       text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    cleared_at   timestamptz,
    cleared_by   uuid,
    clear_reason text        NOT NULL DEFAULT ''
);
--bun:split
CREATE UNIQUE INDEX userdesk_referral_flags_open_key ON userdesk_referral_flags
    (referrer_id, reason, COALESCE(referee_id, '00000000-0000-0000-0000-000000000000'::uuid))
    WHERE cleared_at IS NULL;
--bun:split
CREATE INDEX userdesk_referral_flags_open_idx ON userdesk_referral_flags (id) WHERE cleared_at IS NULL;
--bun:split
CREATE INDEX userdesk_referral_flags_referrer_idx ON userdesk_referral_flags (referrer_id, id);
