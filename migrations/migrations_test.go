package migrations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// tables lists the tables of the database's current schema.
func tables(t *testing.T, db *bun.DB) []string {
	t.Helper()
	d, err := sqldb.DialectOf(db)
	if err != nil {
		t.Fatal(err)
	}
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	if d == sqldb.Postgres {
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
	}
	var names []string
	if err := db.NewRaw(q).Scan(context.Background(), &names); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestUpAndDown(t *testing.T) {
	t.Parallel()
	dbtest.EachEmpty(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		if got := tables(t, db); len(got) != 0 {
			t.Fatalf("empty database has tables %v", got)
		}
		if err := migrations.Up(ctx, db); err != nil {
			t.Fatalf("up: %v", err)
		}
		if err := migrations.Up(ctx, db); err != nil {
			t.Fatalf("second up (nothing to do): %v", err)
		}
		up := tables(t, db)
		for _, name := range up {
			if !strings.HasPrefix(name, migrations.TablePrefix) {
				t.Errorf("table %q lacks the %q prefix", name, migrations.TablePrefix)
			}
		}
		if !contains(up, "userdesk_platform_settings") || !contains(up, migrations.MigrationsTable) {
			t.Fatalf("after up: tables %v", up)
		}
		var status, mode, currency string
		if err := db.QueryRowContext(ctx, "SELECT default_user_status, platform_mode, currency FROM userdesk_platform_settings").
			Scan(&status, &mode, &currency); err != nil {
			t.Fatal(err)
		}
		if status != "live" || mode != "switch" || currency != "EUR" {
			t.Fatalf("seeded settings = %s %s %s", status, mode, currency)
		}
		// The settings table holds exactly one row.
		if _, err := db.ExecContext(ctx, "INSERT INTO userdesk_platform_settings (id, currency, asker_percent, asker_fixed, offeror_percent, offeror_fixed, default_user_status, platform_mode, updated_at) VALUES (2, 'USD', '0', '0', '0', '0', 'live', 'switch', ?)", "2026-01-01 00:00:00+00:00"); err == nil {
			t.Fatal("a second settings row was accepted")
		}

		if err := migrations.Down(ctx, db); err != nil {
			t.Fatalf("down: %v", err)
		}
		for _, name := range tables(t, db) {
			if name != migrations.MigrationsTable && name != migrations.LocksTable {
				t.Errorf("table %q survived down", name)
			}
		}
		if err := migrations.Up(ctx, db); err != nil {
			t.Fatalf("up after down: %v", err)
		}
	})
}

func TestEveryMigrationHasBothDialects(t *testing.T) {
	t.Parallel()
	ms, err := migrations.New()
	if err != nil {
		t.Fatal(err)
	}
	sorted := ms.Sorted()
	if len(sorted) == 0 {
		t.Fatal("no migrations")
	}
	for _, m := range sorted {
		if m.Up == nil || m.Down == nil || m.Comment == "" {
			t.Errorf("migration %s is incomplete", m.Name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSearchColumnsRebuilt: a database migrated before the transliterating
// fold holds search columns made by the old one; migrating it rebuilds
// them, so "ostergaard" finds Østergaard.
func TestSearchColumnsRebuilt(t *testing.T) {
	t.Parallel()
	dbtest.EachEmpty(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		all, err := migrations.New()
		if err != nil {
			t.Fatal(err)
		}
		old := migrate.NewMigrations()
		for _, m := range all.Sorted() {
			if m.Name < "20261201000002" {
				old.Add(m)
			}
		}
		m := migrate.NewMigrator(db, old, migrate.WithTableName(migrations.MigrationsTable),
			migrate.WithLocksTableName(migrations.LocksTable), migrate.WithMarkAppliedOnSuccess(true))
		if err := m.Init(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// A row as the old code wrote it: Ø kept as is.
		if _, err := db.ExecContext(ctx, `INSERT INTO userdesk_users (id, first_name, last_name, email, email_normalized, user_type, status,
			created_at, updated_at, search_text, sort_name, phone, phone_digits)
			VALUES ('01a2334a-b824-7d9e-9846-c8634370bc5e', 'Søren', 'Østergaard', 'soren@example.dk', 'soren@example.dk', 'individual', 'live',
			'2026-11-01 10:00:00.000000', '2026-11-01 10:00:00.000000', 'søren østergaard soren@example.dk', 'østergaard søren', '+4512345678', '')`); err != nil {
			t.Fatal(err)
		}
		if err := migrations.Up(ctx, db); err != nil {
			t.Fatal(err)
		}
		var text, names, digits, sortName string
		if err := db.QueryRowContext(ctx, "SELECT search_text, name_text, phone_digits, sort_name FROM userdesk_users").Scan(&text, &names, &digits, &sortName); err != nil {
			t.Fatal(err)
		}
		if text != "soren ostergaard soren@example.dk" || names != "soren ostergaard" || digits != "4512345678" || sortName != "ostergaard\x01soren" {
			t.Fatalf("rebuilt columns: %q %q %q %q", text, names, digits, sortName)
		}
	})
}

// TestEventsPartitionedKeepsHistory: migrating a database that holds
// events to the partitioned events table (20261204000101) keeps every
// event (in the default partition on PostgreSQL), and rolling it back puts
// them in one table again.
func TestEventsPartitionedKeepsHistory(t *testing.T) {
	t.Parallel()
	dbtest.EachEmpty(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		all, err := migrations.New()
		if err != nil {
			t.Fatal(err)
		}
		old := migrate.NewMigrations()
		for _, m := range all.Sorted() {
			if m.Name < "20261204000101" {
				old.Add(m)
			}
		}
		m := migrate.NewMigrator(db, old, migrate.WithTableName(migrations.MigrationsTable),
			migrate.WithLocksTableName(migrations.LocksTable), migrate.WithMarkAppliedOnSuccess(true))
		if err := m.Init(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for i, at := range []string{"2026-11-01 10:00:00.000000+00:00", "2025-01-01 10:00:00.000000+00:00", "2026-12-01 09:00:00.000000+00:00"} {
			if _, err := db.ExecContext(ctx, `INSERT INTO userdesk_events (id, user_id, occurred_at, received_at, type, channel, attributes, actor_kind)
				VALUES (?, '01a2334a-b824-7d9e-9846-c8634370bc5e', ?, ?, 'app.tap', 'app', '{"screen":"home"}', 'user')`,
				fmt.Sprintf("01a2334a-b824-7d9e-9846-c8634370bc%02d", i), at, at); err != nil {
				t.Fatal(err)
			}
		}
		check := func(when string) {
			t.Helper()
			var n int
			var attrs string
			if err := db.QueryRowContext(ctx, "SELECT count(*), min(attributes) FROM userdesk_events WHERE user_id = '01a2334a-b824-7d9e-9846-c8634370bc5e'").Scan(&n, &attrs); err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if n != 3 || attrs != `{"screen":"home"}` {
				t.Fatalf("%s: %d events, %s", when, n, attrs)
			}
		}
		d, err := sqldb.DialectOf(db)
		if err != nil {
			t.Fatal(err)
		}
		check("before")
		if err := migrations.Up(ctx, db); err != nil {
			t.Fatal(err)
		}
		check("partitioned")
		if d == sqldb.Postgres {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM userdesk_events_default").Scan(&n); err != nil || n != 3 {
				t.Fatalf("default partition: %d %v", n, err)
			}
		}
		mm, err := migrations.NewMigrator(db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mm.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		check("rolled back")
		if d == sqldb.Postgres {
			var kind string
			if err := db.QueryRowContext(ctx, "SELECT relkind::text FROM pg_class WHERE oid = 'userdesk_events'::regclass").Scan(&kind); err != nil || kind != "r" {
				t.Fatalf("after the rollback the events table is %q (%v)", kind, err)
			}
		}
	})
}
