// Command enumbench measures how alike the no-enumeration answers of
// package verification are in time: for each flow it times -n requests
// naming an address that has an account and -n naming one that has none,
// interleaved (so that drift of the machine hits both alike), and prints
// the medians and their difference as a Markdown table.
//
//	go run ./verification/cmd/enumbench                 # SQLite in a temp dir
//	go run ./verification/cmd/enumbench -postgres 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// Flows: Register (existing address / new address), RequestPasswordReset,
// ResendEmailVerification and RequestEmailChange (address taken / free).
// Rate limits are switched off (they would refuse most tries); password
// hashing uses usermgmt's production parameters (argon2id, m = 19 MiB,
// t = 2), as registration's cost is mostly that hash. With -postgres it
// creates the database "verification_enumbench" on that server and drops it
// at the end.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

func main() {
	pg := flag.String("postgres", "", "maintenance URL of a PostgreSQL server (default: SQLite in a temporary folder)")
	n := flag.Int("n", 200, "tries per path")
	flag.Parse()
	ctx := context.Background()
	db, dialect, done := open(ctx, *pg)
	defer done()

	users, err := usermgmt.New(usermgmt.Config{Permissions: verification.Permissions()})
	if err != nil {
		log.Fatal(err)
	}
	existing := make([]*usermgmt.User, 20)
	for i := range existing {
		if existing[i], err = users.Register(ctx, db, registration(fmt.Sprintf("known%d@example.com", i))); err != nil {
			log.Fatal(err)
		}
	}
	mover, err := users.Register(ctx, db, registration("mover@example.com"))
	if err != nil {
		log.Fatal(err)
	}
	for _, floor := range []time.Duration{-1, 0} {
		run(ctx, db, dialect, existing, mover, floor, *n)
	}
}

// run times every flow on a verification.Service with that AnswerFloor.
func run(ctx context.Context, db *bun.DB, dialect string, existing []*usermgmt.User, mover *usermgmt.User, floor time.Duration, n int) {
	off := verification.Limit{Max: -1}
	users, err := usermgmt.New(usermgmt.Config{Permissions: verification.Permissions()})
	if err != nil {
		log.Fatal(err)
	}
	v, err := verification.New(verification.Config{Users: users, SendAtRegistration: true, AnswerFloor: floor,
		Limits: verification.RateLimits{PerAddress: off, PerUser: off, PerClient: off}})
	if err != nil {
		log.Fatal(err)
	}
	c := verification.Client{IP: "192.0.2.1", Language: "en"}
	fresh := func() string { return "new-" + uuid.NewString() + "@example.com" }
	known := func(i int) string { return existing[i%len(existing)].Email }

	flows := []struct {
		name string
		hit  func(i int) error // an address with an account
		miss func(i int) error // an address without one
	}{
		{"Register", func(i int) error { return v.Register(ctx, db, registration(known(i)), c) },
			func(int) error { return v.Register(ctx, db, registration(fresh()), c) }},
		{"RequestPasswordReset", func(i int) error { return v.RequestPasswordReset(ctx, db, known(i), c) },
			func(int) error { return v.RequestPasswordReset(ctx, db, fresh(), c) }},
		{"ResendEmailVerification", func(i int) error { return v.ResendEmailVerification(ctx, db, known(i), c) },
			func(int) error { return v.ResendEmailVerification(ctx, db, fresh(), c) }},
		{"RequestEmailChange", func(i int) error { return v.RequestEmailChange(ctx, db, mover.ID, known(i), c) },
			func(int) error { return v.RequestEmailChange(ctx, db, mover.ID, fresh(), c) }},
	}
	what := "AnswerFloor off (the work alone)"
	if floor == 0 {
		what = fmt.Sprintf("AnswerFloor at its default (%s)", verification.DefaultAnswerFloor)
	}
	fmt.Printf("\n%s, %s, %d tries per path, medians\n\n", dialect, what, n)
	fmt.Println("| flow | address has an account | address has none | difference |")
	fmt.Println("| --- | --- | --- | --- |")
	for _, f := range flows {
		for i := range 10 { // warm up
			must(f.hit(i))
			must(f.miss(i))
		}
		var hits, misses []time.Duration
		for i := range n {
			a, b := f.hit, f.miss
			if i%2 == 1 { // alternate which path goes first
				a, b = b, a
			}
			da, db := timed(a, i), timed(b, i)
			if i%2 == 1 {
				da, db = db, da
			}
			hits, misses = append(hits, da), append(misses, db)
		}
		mh, mm := median(hits), median(misses)
		diff := 100 * float64(mh-mm) / float64(min(mh, mm))
		fmt.Printf("| %s | %s | %s | %+.1f %% |\n", f.name, round(mh), round(mm), diff)
	}
}

func timed(f func(int) error, i int) time.Duration {
	t := time.Now()
	must(f(i))
	return time.Since(t)
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func round(d time.Duration) string {
	if d > 10*time.Millisecond {
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

func registration(email string) usermgmt.Registration {
	return usermgmt.Registration{Email: email, Password: "correct horse battery staple", FirstName: "Bench", LastName: "Mark",
		PreferredLanguage: "en", Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleAsker}}
}

// open returns a migrated database: SQLite in a temporary folder, or a
// fresh PostgreSQL database on the server of maint.
func open(ctx context.Context, maint string) (*bun.DB, string, func()) {
	if maint == "" {
		dir, err := os.MkdirTemp("", "enumbench-")
		if err != nil {
			log.Fatal(err)
		}
		db, err := sqldb.OpenSQLite(ctx, filepath.Join(dir, "bench.db"))
		if err != nil {
			log.Fatal(err)
		}
		must(migrations.Up(ctx, db))
		return db, "SQLite (file, WAL)", func() { db.Close(); os.RemoveAll(dir) }
	}
	const name = "verification_enumbench"
	admin, err := sqldb.OpenPostgres(ctx, maint)
	if err != nil {
		log.Fatal(err)
	}
	_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		log.Fatal(err)
	}
	dsn, err := withDatabase(maint, name)
	if err != nil {
		log.Fatal(err)
	}
	db, err := sqldb.OpenPostgres(ctx, dsn)
	if err != nil {
		log.Fatal(err)
	}
	must(migrations.Up(ctx, db))
	return db, "PostgreSQL", func() {
		db.Close()
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name)
		admin.Close()
	}
}
