package migrations_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/uptrace/bun/migrate"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
)

// A host runs userdesk's migrations with its own bun migrator, beside its
// own migrations and under its own bookkeeping table.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "migrations-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(dir, "host.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	ms, err := migrations.New()
	if err != nil {
		log.Fatal(err)
	}
	// The host's own migration, after userdesk's.
	ms.Add(migrate.Migration{Name: "20990101000000", Comment: "host_listings",
		Up: func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
			_, err := m.DB().ExecContext(ctx, "CREATE TABLE host_listings (id TEXT PRIMARY KEY, owner_id TEXT REFERENCES userdesk_users (id))")
			return err
		}})
	m := migrate.NewMigrator(db, ms, migrate.WithTableName("host_migrations"), migrate.WithLocksTableName("host_migration_locks"))
	if err := m.Init(ctx); err != nil {
		log.Fatal(err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		log.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name IN ('userdesk_users', 'host_listings')").Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(group.Migrations) > 1, n)
	// Output:
	// true 2
}
