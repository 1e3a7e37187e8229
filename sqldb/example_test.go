package sqldb_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/userdesk/userdesk/sqldb"
)

// OpenSQLite opens the embedded database: a file, created if needed,
// with a pool for writes and a read pool for bun's SELECTs.
func ExampleOpenSQLite() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "userdesk-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(dir, "userdesk.db"), sqldb.WithSQLiteReaders(4))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE notes (body TEXT NOT NULL)"); err != nil {
		log.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO notes (body) VALUES (?)", "hello"); err != nil {
		log.Fatal(err)
	}
	var body string // read on the read pool, which sees the commit
	if err := db.NewSelect().TableExpr("notes").ColumnExpr("body").Scan(ctx, &body); err != nil {
		log.Fatal(err)
	}
	d, _ := sqldb.DialectOf(db)
	fmt.Println(d, body)
	// Output: sqlite hello
}
