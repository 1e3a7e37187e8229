package migrations

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/userdesk/userdesk/sqldb"
)

// TablePrefix starts the name of every table userdesk creates.
const TablePrefix = "userdesk_"

// MigrationsTable and LocksTable are the bookkeeping tables of the migrator
// returned by NewMigrator. They are not bun's defaults, so a host that runs
// its own bun migrations keeps its own history apart.
const (
	MigrationsTable = TablePrefix + "migrations"
	LocksTable      = TablePrefix + "migration_locks"
)

//go:embed sql
var files embed.FS

// dirOf maps a dialect to its folder of SQL files.
func dirOf(d sqldb.Dialect) string {
	if d == sqldb.Postgres {
		return "sql/pg"
	}
	return "sql/sqlite"
}

// New returns userdesk's migrations, in order, ready for a migrate.Migrator
// on either dialect: each migration picks its SQL when it runs, from the
// dialect of the database it runs on. Each call builds a fresh value.
func New() (*migrate.Migrations, error) {
	names, err := migrationNames()
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	for _, name := range names {
		id, comment, _ := strings.Cut(name, "_")
		ms.Add(migrate.Migration{
			Name:    id,
			Comment: comment,
			Up:      runFile(name + ".up.sql"),
			Down:    runFile(name + ".down.sql"),
		})
	}
	return ms, nil
}

// migrationNames lists the migrations (file names without the .up.sql
// suffix) and checks that every dialect has both directions of each.
func migrationNames() ([]string, error) {
	var names []string
	for _, d := range []sqldb.Dialect{sqldb.Postgres, sqldb.SQLite} {
		entries, err := fs.ReadDir(files, dirOf(d))
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		var these []string
		for _, e := range entries {
			if name, ok := strings.CutSuffix(e.Name(), ".up.sql"); ok {
				if _, err := fs.Stat(files, path.Join(dirOf(d), name+".down.sql")); err != nil {
					return nil, fmt.Errorf("migrations: %s has no down migration for %s", name, d)
				}
				these = append(these, name)
			}
		}
		sort.Strings(these)
		if names == nil {
			names = these
			continue
		}
		if strings.Join(names, ",") != strings.Join(these, ",") {
			return nil, fmt.Errorf("migrations: dialects disagree: %v and %v", names, these)
		}
	}
	return names, nil
}

// runFile returns a bun migration function that runs the file of that name
// for the migrator's dialect, in one transaction.
func runFile(file string) func(context.Context, *migrate.Migrator, *migrate.Migration) error {
	return func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
		db := m.DB()
		d, err := sqldb.DialectOf(db)
		if err != nil {
			return err
		}
		stmts, err := statements(path.Join(dirOf(d), file))
		if err != nil {
			return err
		}
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, stmt := range stmts {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migrations: %s: %w", file, err)
				}
			}
			if step := goSteps[file]; step != nil {
				if err := step(ctx, tx); err != nil {
					return fmt.Errorf("migrations: %s: %w", file, err)
				}
			}
			return nil
		})
	}
}

// statements reads an embedded SQL file and splits it on "--bun:split" lines.
func statements(name string) ([]string, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var stmts []string
	var cur bytes.Buffer
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			stmts = append(stmts, s)
		}
		cur.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "--bun:split" {
			flush()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return stmts, sc.Err()
}

// NewMigrator returns a bun migrator for userdesk's migrations whose
// bookkeeping lives in MigrationsTable and LocksTable.
func NewMigrator(db *bun.DB) (*migrate.Migrator, error) {
	ms, err := New()
	if err != nil {
		return nil, err
	}
	return migrate.NewMigrator(db, ms,
		migrate.WithTableName(MigrationsTable),
		migrate.WithLocksTableName(LocksTable),
		migrate.WithMarkAppliedOnSuccess(true),
	), nil
}

// Up applies every migration not applied yet. Concurrent callers (several
// server replicas starting at once) are serialised by the migrator's lock.
func Up(ctx context.Context, db *bun.DB) error {
	m, err := NewMigrator(db)
	if err != nil {
		return err
	}
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("migrations: init: %w", err)
	}
	if err := lock(ctx, m); err != nil {
		return err
	}
	defer func() { _ = m.Unlock(context.WithoutCancel(ctx)) }()
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrations: up: %w", err)
	}
	return nil
}

// Down rolls back every applied migration, newest group first, leaving no
// userdesk table but the migrator's own bookkeeping.
func Down(ctx context.Context, db *bun.DB) error {
	m, err := NewMigrator(db)
	if err != nil {
		return err
	}
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("migrations: init: %w", err)
	}
	if err := lock(ctx, m); err != nil {
		return err
	}
	defer func() { _ = m.Unlock(context.WithoutCancel(ctx)) }()
	for {
		g, err := m.Rollback(ctx)
		if err != nil {
			return fmt.Errorf("migrations: down: %w", err)
		}
		if g.IsZero() {
			return nil
		}
	}
}

// lockWait bounds how long Up and Down wait for another process's
// migration lock before giving up.
const lockWait = 30 * time.Second

// lock takes the migrator's lock (a row in LocksTable), waiting while
// another process holds it. A process that died while migrating leaves its
// row behind; the error says how to clear it.
func lock(ctx context.Context, m *migrate.Migrator) error {
	deadline := time.Now().Add(lockWait)
	for {
		err := m.Lock(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("migrations: %w; if no migration is running, delete the row in %s", err, LocksTable)
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("migrations: lock: %w", errors.Join(err, ctx.Err()))
		case <-t.C:
		}
	}
}
