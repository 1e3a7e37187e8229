package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"modernc.org/sqlite"
)

// backupStepPages is how many pages BackupSQLite copies per step; between
// steps the database is free for other connections, writers included.
const backupStepPages = 256

// BackupSQLite writes a consistent copy of the SQLite database db to the
// file at path, while db stays in use: it is SQLite's online backup API
// (sqlite3_backup_*), which copies the database a few pages at a time and
// starts over by itself when another connection writes meanwhile, so that
// the copy is a snapshot of one moment. The copy is a complete database
// file (WAL content included); restoring is opening it (or moving it into
// place while the server is stopped). path must not be open elsewhere.
//
// It returns an error for a database that is not SQLite.
func BackupSQLite(ctx context.Context, db *bun.DB, path string) error {
	if d, err := DialectOf(db); err != nil || d != SQLite {
		return errors.New("sqldb: BackupSQLite needs an SQLite database")
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: backup: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(interface {
			NewBackup(dstURI string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("sqldb: backup: driver connection %T has no backup API", driverConn)
		}
		b, err := c.NewBackup(path)
		if err != nil {
			return fmt.Errorf("sqldb: backup to %s: %w", path, err)
		}
		for {
			more, err := b.Step(backupStepPages)
			var se *sqlite.Error
			switch {
			case errors.As(err, &se) && (se.Code()&0xff == 5 || se.Code()&0xff == 6):
				// SQLITE_BUSY, SQLITE_LOCKED: a writer holds the lock; the
				// step is retried.
			case err != nil:
				_ = b.Finish()
				return fmt.Errorf("sqldb: backup to %s: %w", path, err)
			case !more:
				return finish(b, path)
			}
			select {
			case <-ctx.Done():
				_ = b.Finish()
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
	})
}

func finish(b *sqlite.Backup, path string) error {
	if err := b.Finish(); err != nil {
		return fmt.Errorf("sqldb: backup to %s: %w", path, err)
	}
	return nil
}
