package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
)

// Environment variables read by the helper.
const (
	// EnvPostgresDSN names a PostgreSQL server to test against.
	EnvPostgresDSN = "USERDESK_TEST_POSTGRES"
	// EnvRequirePostgres, set to 1, turns a missing PostgreSQL into a
	// test failure instead of a skip.
	EnvRequirePostgres = "USERDESK_REQUIRE_POSTGRES"
)

// setupTimeout bounds the one-off work of a test binary: starting a
// cluster or container and migrating a template.
const setupTimeout = 2 * time.Minute

// Main runs the package's tests, then removes what the helper set up for
// the test binary (template databases, a local cluster, a container), and
// exits. Call it from TestMain:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	shutdown()
	os.Exit(code)
}

var (
	teardownMu sync.Mutex
	teardowns  []func()
)

// atShutdown registers f to run when Main ends, last registered first.
func atShutdown(f func()) {
	teardownMu.Lock()
	defer teardownMu.Unlock()
	teardowns = append(teardowns, f)
}

func shutdown() {
	teardownMu.Lock()
	fs := teardowns
	teardowns = nil
	teardownMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// Each runs fn as two subtests, "sqlite" and "postgres", each with its own
// freshly migrated database. The postgres subtest is skipped (or fails, see
// EnvRequirePostgres) when no PostgreSQL can be found.
func Each(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// EachEmpty is Each with databases that have no migrations applied, for
// tests of the migrations themselves.
func EachEmpty(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteEmpty(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresEmpty(t)) })
}

// sqliteTemplate is the migrated template file of this test binary.
var sqliteTemplate = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "userdesk-sqlite-template-")
	if err != nil {
		return "", err
	}
	atShutdown(func() { _ = os.RemoveAll(dir) })
	path := filepath.Join(dir, "template.db")
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	db, err := sqldb.OpenSQLite(ctx, path)
	if err != nil {
		return "", err
	}
	if err := migrations.Up(ctx, db); err != nil {
		_ = db.Close()
		return "", err
	}
	// Closing the last connection checkpoints the WAL into the main file,
	// so the file alone is a complete copy.
	if err := db.Close(); err != nil {
		return "", err
	}
	return path, nil
})

// SQLite returns a migrated SQLite database of the test's own, closed and
// removed when the test ends.
func SQLite(tb testing.TB) *bun.DB {
	tb.Helper()
	tpl, err := sqliteTemplate()
	if err != nil {
		tb.Fatalf("dbtest: sqlite template: %v", err)
	}
	path := filepath.Join(tb.TempDir(), "test.db")
	if err := copyFile(tpl, path); err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	return openSQLite(tb, path)
}

// SQLiteEmpty returns an empty SQLite database of the test's own.
func SQLiteEmpty(tb testing.TB) *bun.DB {
	tb.Helper()
	return openSQLite(tb, filepath.Join(tb.TempDir(), "test.db"))
}

func openSQLite(tb testing.TB, path string) *bun.DB {
	tb.Helper()
	db, err := sqldb.OpenSQLite(context.Background(), path)
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		_ = dst.Close()
		return err
	}
	return dst.Close()
}

// randomName returns prefix followed by 16 random hex digits: a database
// name that no other test or test binary will pick.
func randomName(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// requirePostgres reports whether EnvRequirePostgres asks for PostgreSQL.
func requirePostgres() bool { return os.Getenv(EnvRequirePostgres) == "1" }

// noPostgres skips tb, or fails it when PostgreSQL is required.
func noPostgres(tb testing.TB, why error) {
	tb.Helper()
	msg := fmt.Sprintf("dbtest: no PostgreSQL for this test (%v). Enable the PostgreSQL tests with "+
		"%s=postgres://user@host:5432/postgres?sslmode=disable, a running Docker engine, or the PostgreSQL "+
		"server binaries (initdb, postgres) installed", why, EnvPostgresDSN)
	if requirePostgres() {
		tb.Fatalf("%s; %s=1 makes this a failure", msg, EnvRequirePostgres)
	}
	tb.Skip(msg)
}
