package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestBackupRestore backs up a live database the way sqldb's package
// documentation says (pg_dump of the userdesk_ tables' data, restored
// into a freshly migrated database; SQLite's online backup API), restores
// it into a fresh database, and checks that the users list, an export and
// a login work on the copy.
func TestBackupRestore(t *testing.T) {
	t.Parallel()
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		for _, tool := range []string{"pg_dump", "pg_restore"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Fatalf("%s: %v", tool, err)
			}
		}
		src := dbtest.Postgres(t)
		seedBackup(t, src)
		file := filepath.Join(t.TempDir(), "userdesk.dump")
		if err := sqldb.BackupSQLite(context.Background(), src, file); err == nil {
			t.Fatal("BackupSQLite accepted a PostgreSQL database")
		}
		run(t, "pg_dump", "--data-only", "--format=custom", "--table=userdesk_*", "--exclude-table-data=userdesk_migration*",
			"--file="+file, "--dbname="+dbtest.PostgresDSN(t, src))
		dst := dbtest.PostgresEmpty(t)
		if err := migrations.Up(context.Background(), dst); err != nil {
			t.Fatal(err)
		}
		// The migrations seed the platform settings' one row; the
		// backup's replaces it.
		if _, err := dst.ExecContext(context.Background(), "DELETE FROM userdesk_platform_settings"); err != nil {
			t.Fatal(err)
		}
		run(t, "pg_restore", "--data-only", "--disable-triggers", "--single-transaction", "--exit-on-error", "--dbname="+dbtest.PostgresDSN(t, dst), file)
		checkRestored(t, dst)
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		src, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "live.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = src.Close() })
		if err := migrations.Up(ctx, src); err != nil {
			t.Fatal(err)
		}
		seedBackup(t, src)
		// A writer keeps writing during the backup: the copy is still one
		// consistent moment.
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = src.ExecContext(ctx, "UPDATE userdesk_users SET timezone = timezone")
			}
		}()
		file := filepath.Join(t.TempDir(), "backup.db")
		err = sqldb.BackupSQLite(ctx, src, file)
		close(stop)
		<-done
		if err != nil {
			t.Fatal(err)
		}
		dst, err := sqldb.OpenSQLite(ctx, file)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = dst.Close() })
		var check string
		if err := dst.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			t.Fatalf("integrity of the copy: %q %v", check, err)
		}
		checkRestored(t, dst)
	})
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// seedBackup fills db through the API: an operator, three users, a fee
// override and a status change (audited).
func seedBackup(t *testing.T, db *bun.DB) {
	t.Helper()
	e := newE2E(t, db)
	admin := e.operator(usermgmt.RoleAdmin)
	ada := e.register("Ada", "Lovelace", "ada@example.com", "+447700900001", "asker")
	e.register("Bob", "Builder", "bob@example.com", "", "offeror")
	e.register("Chloé", "Dupont", "chloe@example.com", "+33612345678", "asker", "offeror")
	admin.json("PUT", "/admin/v1/users/"+ada+"/fees", map[string]any{"version": e.version(ada), "asker_percent": "0"}, 200)
	admin.json("PUT", "/admin/v1/users/"+ada+"/status", map[string]any{"version": e.version(ada), "status": "in_review", "reason": "backup test"}, 200)
}

// checkRestored runs a fresh server on the restored database: the
// operator and a user log in with the passwords set before the backup,
// the list and the export have the three users and the audit trail.
func checkRestored(t *testing.T, db *bun.DB) {
	t.Helper()
	e := newE2E(t, db)
	out := e.anon.json("POST", "/admin/v1/login", map[string]string{"email": "admin@ops.test", "password": "operator password admin"}, 200)
	admin := e.anon.as(out["token"].(string))
	e.anon.json("POST", "/v1/login", map[string]string{"email": "chloe@example.com", "password": "user password 1234"}, 200)
	page := admin.json("GET", "/admin/v1/users?sort=name&dir=asc", nil, 200)
	items := page["items"].([]any)
	var names []string
	for _, it := range items {
		names = append(names, it.(map[string]any)["full_name"].(string))
	}
	if strings.Join(names, ", ") != "Bob Builder, Chloé Dupont, Ada Lovelace" {
		t.Fatalf("restored list: %v", names)
	}
	if n := admin.json("GET", "/admin/v1/users/count", nil, 200)["count"]; n != float64(3) {
		t.Fatalf("restored count: %v", n)
	}
	if n := admin.json("GET", "/admin/v1/users/count?status=in_review", nil, 200)["count"]; n != float64(1) {
		t.Fatalf("restored status count: %v", n)
	}
	ada := items[2].(map[string]any)
	if ada["status"] != "in_review" || ada["fees"] != "customized" {
		t.Fatalf("restored user: %v", ada)
	}
	st, _, raw := admin.do("GET", "/admin/v1/users/export?format=csv&sort=name&dir=asc", nil)
	if st != 200 {
		t.Fatalf("export: %d %s", st, raw)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(recs) != 4 || !strings.Contains(strings.Join(recs[2], ","), "chloe@example.com") {
		t.Fatalf("restored export: %q %v", recs, err)
	}
	trail := admin.json("GET", "/admin/v1/users/"+ada["id"].(string)+"/audit", nil, 200)
	if n := len(trail["items"].([]any)); n < 2 {
		t.Fatalf("restored audit trail: %v", trail)
	}
}
