package dbtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/userdesk/userdesk/internal/pgxdrv"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
)

// Provider names how a PostgreSQL server was found.
type Provider string

// The providers, in the order they are tried.
const (
	ProviderDSN    Provider = "dsn"
	ProviderDocker Provider = "docker"
	ProviderLocal  Provider = "local"
)

// pgServer is a PostgreSQL server the tests may create databases on.
type pgServer struct {
	provider Provider
	config   *pgx.ConnConfig // connects to the maintenance database
	admin    *sql.DB         // for CREATE and DROP DATABASE
	strategy string          // " STRATEGY FILE_COPY" where the server has it
	cloneMu  sync.Mutex      // one clone of a template at a time
}

// connect opens database name on the server through bun.
func (s *pgServer) connect(name string) *bun.DB {
	cfg := s.config.Copy()
	cfg.Database = name
	cfg.DefaultQueryExecMode = sqldb.PostgresQueryExecMode // as sqldb.OpenPostgres
	// The hot statements prepared, as sqldb.OpenPostgres runs them.
	db := sql.OpenDB(pgxdrv.Connector(*cfg, pgx.QueryExecModeCacheStatement))
	// The pool a host gets from sqldb.OpenPostgres: many tests run at
	// once against one server, and an unbounded pool per test database
	// exhausts its max_connections.
	maxOpen, maxIdle, idle, life := sqldb.PostgresPool(runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(maxIdle)
	db.SetConnMaxIdleTime(idle)
	db.SetConnMaxLifetime(life)
	return bun.NewDB(db, pgdialect.New())
}

// newPGServer connects to the maintenance database described by dsn.
func newPGServer(ctx context.Context, p Provider, dsn string) (*pgServer, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DSN: %w", err)
	}
	admin := stdlib.OpenDB(*cfg)
	var version int
	if err := admin.QueryRowContext(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("connect to %s:%d: %w", cfg.Host, cfg.Port, err)
	}
	s := &pgServer{provider: p, config: cfg, admin: admin}
	if version >= 150000 {
		s.strategy = " STRATEGY FILE_COPY"
	}
	atShutdown(func() { _ = admin.Close() })
	return s, nil
}

// findPostgres tries the providers in order; see the package documentation.
func findPostgres(ctx context.Context) (*pgServer, error) {
	if dsn := os.Getenv(EnvPostgresDSN); dsn != "" {
		s, err := newPGServer(ctx, ProviderDSN, dsn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvPostgresDSN, err)
		}
		return s, nil
	}
	dsn, err := startDocker(ctx)
	if err == nil {
		return newPGServer(ctx, ProviderDocker, dsn)
	}
	dockerErr := err
	dsn, err = startLocalCluster(ctx)
	if err == nil {
		return newPGServer(ctx, ProviderLocal, dsn)
	}
	return nil, fmt.Errorf("%s is not set; docker: %v; local binaries: %v", EnvPostgresDSN, dockerErr, err)
}

var (
	pgServerOnce = sync.OnceValues(func() (*pgServer, error) {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		return findPostgres(ctx)
	})
	pgTemplateOnce = sync.OnceValues(func() (string, error) {
		s, err := pgServerOnce()
		if err != nil {
			return "", err
		}
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		return s.migratedTemplate(ctx)
	})
)

// migratedTemplate creates a database, migrates it and returns its name. It
// is dropped when Main ends.
func (s *pgServer) migratedTemplate(ctx context.Context) (string, error) {
	name := randomName("userdesk_template_")
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	atShutdown(func() { s.drop(context.Background(), name) })
	db := s.connect(name)
	defer db.Close()
	if err := migrations.Up(ctx, db); err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	return name, nil
}

// create makes an empty database, or a clone of template when it is not
// empty, and returns its name.
func (s *pgServer) create(ctx context.Context, template string) (string, error) {
	name := randomName("userdesk_test_")
	stmt := "CREATE DATABASE " + quoteIdent(name)
	if template != "" {
		stmt += " TEMPLATE " + quoteIdent(template) + s.strategy
		// A template cannot be copied while another session uses it;
		// the only other sessions are this binary's own clones.
		s.cloneMu.Lock()
		defer s.cloneMu.Unlock()
	}
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		_, err = s.admin.ExecContext(ctx, stmt)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55006" { // object_in_use
			time.Sleep(20 * time.Millisecond) // the template is being released; retry shortly
			continue
		}
		break
	}
	if err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	return name, nil
}

func (s *pgServer) drop(ctx context.Context, name string) {
	_, _ = s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)")
}

// Postgres returns a migrated PostgreSQL database of the test's own, dropped
// when the test ends. Without a server it skips tb, or fails it when
// EnvRequirePostgres is 1.
func Postgres(tb testing.TB) *bun.DB {
	tb.Helper()
	s, err := pgServerOnce()
	if err != nil {
		noPostgres(tb, err)
	}
	tpl, err := pgTemplateOnce()
	if err != nil {
		tb.Fatalf("dbtest: postgres template: %v", err)
	}
	return s.database(tb, tpl)
}

// PostgresEmpty returns an empty PostgreSQL database of the test's own.
func PostgresEmpty(tb testing.TB) *bun.DB {
	tb.Helper()
	s, err := pgServerOnce()
	if err != nil {
		noPostgres(tb, err)
	}
	return s.database(tb, "")
}

// PostgresProvider reports how this test binary found its PostgreSQL
// server, starting it if need be.
func PostgresProvider() (Provider, error) {
	s, err := pgServerOnce()
	if err != nil {
		return "", err
	}
	return s.provider, nil
}

func (s *pgServer) database(tb testing.TB, template string) *bun.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name, err := s.create(ctx, template)
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	db := s.connect(name)
	tb.Cleanup(func() {
		_ = db.Close()
		s.drop(context.Background(), name)
	})
	return db
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// PostgresDSN returns a libpq connection string for db, a database made by
// Postgres or PostgresEmpty, for the command-line tools (pg_dump,
// pg_restore, psql) a test runs on it.
func PostgresDSN(tb testing.TB, db *bun.DB) string {
	tb.Helper()
	s, err := pgServerOnce()
	if err != nil {
		noPostgres(tb, err)
	}
	var name string
	if err := db.QueryRowContext(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		tb.Fatalf("dbtest: current database: %v", err)
	}
	kv := func(k, v string) string {
		return k + "='" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `'`, `\'`) + "' "
	}
	c := s.config
	dsn := kv("host", c.Host) + kv("port", fmt.Sprint(c.Port)) + kv("user", c.User) + kv("dbname", name) + kv("sslmode", "disable")
	if c.Password != "" {
		dsn += kv("password", c.Password)
	}
	return strings.TrimSpace(dsn)
}
