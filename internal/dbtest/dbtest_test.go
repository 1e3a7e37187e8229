package dbtest

import (
	"context"
	"errors"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
)

func TestMain(m *testing.M) { Main(m) }

// TestEachGivesMigratedIsolatedDatabases checks that both dialects get a
// migrated database of their own: a write in one test is not seen by the
// next.
func TestEachGivesMigratedIsolatedDatabases(t *testing.T) {
	t.Parallel()
	for _, round := range []string{"first", "second"} {
		t.Run(round, func(t *testing.T) {
			Each(t, func(t *testing.T, db *bun.DB) {
				ctx := context.Background()
				var currency string
				if err := db.QueryRowContext(ctx, "SELECT currency FROM userdesk_platform_settings").Scan(&currency); err != nil {
					t.Fatalf("settings row: %v", err)
				}
				if currency != "EUR" {
					t.Fatalf("seeded currency = %q, previous round leaked into this database", currency)
				}
				if _, err := db.ExecContext(ctx, "UPDATE userdesk_platform_settings SET currency = 'USD'"); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestPostgresFromDSN proves the DSN path: with USERDESK_TEST_POSTGRES set
// (as CI sets it), the server named there is the one used.
func TestPostgresFromDSN(t *testing.T) {
	if os.Getenv(EnvPostgresDSN) == "" {
		noPostgres(t, errors.New(EnvPostgresDSN+" is not set"))
	}
	p, err := PostgresProvider()
	if err != nil {
		t.Fatal(err)
	}
	if p != ProviderDSN {
		t.Fatalf("provider = %s, want %s", p, ProviderDSN)
	}
	db := Postgres(t)
	var name string
	if err := db.QueryRowContext(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name == "postgres" || len(name) < len("userdesk_test_") || name[:len("userdesk_test_")] != "userdesk_test_" {
		t.Fatalf("test database = %q, want a userdesk_test_ clone", name)
	}
}

// TestLocalCluster proves the local-binaries path: it starts a throwaway
// cluster with the machine's initdb and postgres (as an unprivileged user
// when run as root), migrates and clones a database on it, and stops it.
func TestLocalCluster(t *testing.T) {
	if _, err := pgBinDir(); err != nil {
		noPostgres(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	dsn, err := startLocalCluster(ctx)
	if err != nil {
		t.Fatalf("start local cluster: %v", err)
	}
	s, err := newPGServer(ctx, ProviderLocal, dsn)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := s.migratedTemplate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db := s.database(t, tpl)
	var mode string
	if err := db.QueryRowContext(ctx, "SELECT platform_mode FROM userdesk_platform_settings").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "switch" {
		t.Fatalf("platform_mode = %q", mode)
	}
	var listen string
	if err := db.QueryRowContext(ctx, "SHOW listen_addresses").Scan(&listen); err != nil {
		t.Fatal(err)
	}
	if listen != "" {
		t.Fatalf("listen_addresses = %q, want unix socket only", listen)
	}
	if os.Geteuid() == 0 {
		// initdb refuses root: the cluster's files belong to the unprivileged owner.
		info, err := os.Stat(dsnHost(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		if st, ok := info.Sys().(*syscall.Stat_t); !ok || st.Uid == 0 {
			t.Fatalf("cluster folder owned by root")
		}
	}
}

// TestSQLiteIsOpenedForConcurrentUse checks the test databases come from
// the production opener.
func TestSQLiteIsOpenedForConcurrentUse(t *testing.T) {
	t.Parallel()
	db := SQLite(t)
	d, err := sqldb.DialectOf(db)
	if err != nil || d != sqldb.SQLite {
		t.Fatalf("dialect = %v, %v", d, err)
	}
	var mode string
	if err := db.QueryRowContext(context.Background(), "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Fatalf("journal_mode = %q", mode)
	}
}

func dsnHost(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("host")
}
