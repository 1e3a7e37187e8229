// Package migrations holds userdesk's database schema as bun migrations.
//
// The schema is exported as a *migrate.Migrations ([New]) so that a host can
// run it with its own tooling, or with [Up] and [Down], which use a migrator
// whose bookkeeping tables are namespaced ([MigrationsTable],
// [LocksTable]) so that they never touch the host's own bun migrations.
//
// Every table userdesk creates starts with [TablePrefix] ("userdesk_"), so
// it never collides with a host's own users, listings or bookings tables.
//
// Each migration has one SQL file per dialect, embedded in the binary:
// sql/pg/NAME.up.sql, sql/pg/NAME.down.sql, sql/sqlite/NAME.up.sql and
// sql/sqlite/NAME.down.sql. A file may hold several statements separated by
// a line that reads "--bun:split". Each migration runs in one transaction
// (PostgreSQL and SQLite both have transactional DDL), so a failed migration
// leaves nothing behind.
//
// Tables:
//
//   - userdesk_platform_settings: one row of platform-wide settings
//     (standard fee schedule, currency, default initial user status,
//     switch or non-switch platform mode).
//   - userdesk_users, userdesk_user_roles, userdesk_user_languages: the
//     platform's users, with their roles and spoken languages as join
//     tables; the detail view's columns (PSP, counters, fee override,
//     verification flags, erasure tombstone) and the search columns.
//     On PostgreSQL, userdesk_users also carries the roles (role_mask)
//     and the spoken languages with their primary subtags
//     (language_keys) for the users list's sort indexes, kept by
//     triggers on the two join tables.
//   - userdesk_operators, userdesk_operator_roles: back-office operators.
//   - userdesk_sessions: hashed login-session tokens of operators and
//     users.
//   - userdesk_audit_log: the append-only audit log (triggers refuse
//     UPDATE and DELETE).
//   - userdesk_bank_accounts: sealed bank details.
//   - userdesk_categories, userdesk_user_categories: the category catalog
//     and each user's categories.
//   - userdesk_guests, userdesk_guest_roles: guest invitations.
//   - userdesk_impersonation_tokens: issued impersonation tokens and their
//     revocation.
//   - userdesk_thirdparty_links: each user's link to an external profile,
//     one per provider (package thirdparty): status, reason, last check,
//     snapshot, ambiguous candidates, and the queued retry of an automatic
//     link.
//   - userdesk_sevenrooms_merges: reconnects with a field-by-field merge,
//     with both sides' snapshots for undo (package thirdparty/sevenrooms).
//   - userdesk_sevenrooms_webhook_deliveries: ids of accepted SevenRooms
//     webhook deliveries, so that replays are refused.
//   - userdesk_thirdparty_leases: which replica runs the third-party
//     background work (health checks, retries) and until when.
//   - userdesk_login_throttle: failed-guess counters of the reference
//     server's login and password-change throttle (hashed keys), shared
//     by its replicas.
//   - userdesk_verification_tokens: hashed single-use links (email
//     verification, email change, password reset), each bound to a user
//     and the address it was sent to (package verification).
//   - userdesk_verification_codes: hashed SMS codes with their send and
//     wrong-check counts.
//   - userdesk_verification_messages: the outbox of emails and SMS the
//     verification package queues in the transaction of the change they
//     announce, and their delivery state.
//   - userdesk_verification_throttle: request counters per hashed key
//     (address, user, client address, phone number) and time window.
//   - userdesk_id_verifications: the evidence behind each change of the ID
//     verification flag (reason, reference, source, operator).
//   - userdesk_job_leases: which replica runs a background job that must
//     run once (the verification outbox's delivery loop), until when.
//   - userdesk_referral_accounts: each participating user's referral code,
//     credits balance (with its version) and own referrer (package
//     referral).
//   - userdesk_referral_credit_entries: the append-only credits ledger
//     (triggers refuse DELETE and every UPDATE but the erasure's blanking
//     of reason and idempotency key).
//   - userdesk_referral_idempotency_keys: idempotency keys of credit
//     changes and their first result, kept at least 24 hours.
//   - userdesk_referral_devices: digests of the devices a user was seen on.
//   - userdesk_referral_flags: abuse flags for review.
//   - userdesk_reservations: the reservations of each user that package
//     usermgmt/activity indexes (provider and provider id unique).
//   - userdesk_events: the append-only log of users' interactions
//     (usermgmt/activity; pruned by its retention job, never updated).
//     On PostgreSQL it is partitioned by occurred_at: the partitions,
//     named userdesk_events_pYYYYMMDD, are created and dropped by
//     usermgmt/activity at run time, not by a migration;
//     userdesk_events_default takes the rows no partition covers.
//   - userdesk_devices: the devices linked to each user's account
//     (usermgmt/activity); userdesk_sessions.device_id ties a user's
//     session to one of them.
//   - userdesk_saved_views: the back office's saved views of the users
//     list (name, list query, owner, the role it is shared with;
//     usermgmt.SavedView).
//   - userdesk_user_counts: users (erased left out) per status and role
//     mask, kept by triggers on userdesk_users and userdesk_user_roles
//     (on PostgreSQL as insert-only deltas folded every 256 rows), so
//     that the users list's unfiltered, status and role counts read no
//     user row.
//   - userdesk_user_search, userdesk_user_search_ids (SQLite only): an
//     FTS5 trigram index of the users' search columns and the stable
//     integer rowid of each live user it is keyed by, kept by triggers on
//     those columns.
//
// On PostgreSQL the users list's indexes need the pg_trgm extension, which
// the migrations create (CREATE EXTENSION IF NOT EXISTS pg_trgm): the
// migrating role needs the right to create it, or a DBA creates it first.
package migrations
