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
// Tables so far:
//
//   - userdesk_platform_settings: one row of platform-wide settings
//     (standard fee schedule, currency, default initial user status,
//     switch or non-switch platform mode).
package migrations
