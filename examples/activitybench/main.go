// Command activitybench measures package usermgmt/activity at scale: batch
// ingest of events, the user page's last 200 events and last 100 App/Bot
// reservations, and a retention pass over expired events while other
// goroutines keep inserting. Figures are in BENCHMARKS.md.
//
//	go run ./examples/activitybench -users 1000000 -events 10000000
//	go run ./examples/activitybench -sqlite /tmp/activitybench.db -users 100000 -events 1000000
//
// On PostgreSQL it creates the database -name on the server -server (drops
// it first unless -reuse), migrates it and seeds -users synthetic users with
// the examples/usergen generator. Events go in through the library
// (Service.RecordEvents, one statement per batch) from -workers goroutines:
// -expired/200 "heavy" users get 200 events 120 days old (past the 90 days
// of app.tap) and 200 recent ones, so a pass has -expired events to prune;
// the rest are spread at random over every user, within the last 30 days.
// Reservations are bulk-inserted (not through RecordReservation, whose own
// rate is measured on a sample): heavy bookers with 150 each across all
// channels, the rest spread.
//
// -only-ingest stops after the ingest line ("ingest: N events in T = X
// events/s …"), for the ingest rate alone:
//
//	go run ./examples/activitybench -users 1000000 -events 10000000 -only-ingest
//
// -in-tx ingests each batch inside a transaction of the caller, which
// takes RecordEvents' INSERT … SELECT path instead of COPY, for an A/B
// under the same load; -cpuprofile profiles the ingest phase.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/usergen/synth"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

type config struct {
	users, events, expired, reservations int
	batch, workers, runs                 int
	pruneBatch                           int
	inTx, ab, randomTimes, keeper        bool
	insertEvery                          time.Duration
}

func main() {
	server := flag.String("server", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "maintenance database URL of the PostgreSQL server")
	name := flag.String("name", "activity_bench", "PostgreSQL benchmark database name (created)")
	sqlitePath := flag.String("sqlite", "", "run on this SQLite file instead of PostgreSQL (removed first unless -reuse)")
	reuse := flag.Bool("reuse", false, "reuse a seeded database (skips seeding and ingest)")
	noPrune := flag.Bool("no-prune", false, "stop after the reads, before the retention pass (so that a -reuse run reads the same data again: A/B comparisons of the reads)")
	onlyIngest := flag.Bool("only-ingest", false, "stop after the ingest phase (seeding users and ingesting events), before reservations, reads and retention")
	var c config
	flag.IntVar(&c.users, "users", 1_000_000, "users to seed")
	flag.IntVar(&c.events, "events", 10_000_000, "events to ingest")
	flag.IntVar(&c.expired, "expired", 0, "expired events to prune (zero: events/10)")
	flag.IntVar(&c.reservations, "reservations", 0, "reservations to seed (zero: one per user)")
	flag.IntVar(&c.batch, "batch", 2000, "events per RecordEvents batch")
	flag.IntVar(&c.workers, "workers", 2, "concurrent ingest goroutines (SQLite: 1 is best)")
	flag.IntVar(&c.runs, "runs", 300, "timed runs per read scenario")
	flag.BoolVar(&c.inTx, "in-tx", false, "ingest each batch inside a transaction of the caller (RecordEvents' INSERT … SELECT path instead of COPY)")
	flag.BoolVar(&c.ab, "ab", false, "alternate the two ingest paths batch by batch (COPY, then -in-tx's INSERT … SELECT) and report each one's batch latency, both under the same load")
	flag.BoolVar(&c.randomTimes, "random-times", false, "load the recent events at random times within the last 30 days, in random order (the first benchmark's data), instead of in time order as they would have arrived")
	flag.BoolVar(&c.keeper, "keeper", false, "add one old event of a user with no other, so that the old events' partition cannot be dropped whole and the pass deletes row by row")
	flag.IntVar(&c.pruneBatch, "prune-batch", activity.DefaultPruneBatch, "PruneOptions.BatchSize")
	flag.DurationVar(&c.insertEvery, "insert-every", 0, "pace of each of the 2 goroutines inserting during the retention pass: one batch of 100 events per this period (zero: back to back, as fast as the machine goes)")
	partitionHours := flag.Int("partition-hours", 0, "Config.EventPartitionPeriod in hours (zero: the default, 7 days)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the ingest phase to this file")
	cover := flag.Bool("cover", true, "before the reads, give the closed events partitions their covering indexes (CoverEventPartitions, as the retention job does); false drops them instead, for an A/B of the reads with -reuse (PostgreSQL)")
	flag.Parse()
	if c.expired == 0 {
		c.expired = c.events / 10
	}
	if c.reservations == 0 {
		c.reservations = c.users
	}
	ctx := context.Background()
	db := open(ctx, *server, *name, *sqlitePath, *reuse)
	defer db.Close()
	d, _ := sqldb.DialectOf(db)
	fmt.Printf("activitybench on %s: %d users, %d events (%d expired), %d reservations, batch %d, %d workers; %d CPUs, %s\n\n",
		d, c.users, c.events, c.expired, c.reservations, c.batch, c.workers, runtime.NumCPU(), runtime.Version())

	users, err := usermgmt.New(usermgmt.Config{Permissions: activity.Permissions()})
	if err != nil {
		log.Fatal(err)
	}
	act, err := activity.New(activity.Config{Users: users, MinAppVersion: "3.0.0", EventPartitionPeriod: time.Duration(*partitionHours) * time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	op := operator(ctx, users, db)

	var have int
	must(db.NewRaw("SELECT count(*) FROM userdesk_users").Scan(ctx, &have))
	if have == 0 {
		start := time.Now()
		err := synth.LoadFast(ctx, db, synth.NewGenerator(1, time.Now(), c.users), c.users, func(done int) {
			fmt.Fprintf(os.Stderr, "\rseeding users %d / %d", done, c.users)
		})
		fmt.Fprintln(os.Stderr)
		must(err)
		fmt.Printf("seeded %d users in %v\n", c.users, time.Since(start).Round(time.Second))
	}
	ids := userIDs(ctx, db)
	rng := rand.New(rand.NewPCG(7, 11))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	heavy := ids[:min(len(ids), c.expired/activity.KeepEvents)]
	bookers := ids[len(ids)-min(len(ids), c.reservations/4/150):]

	var events int64
	must(db.NewRaw("SELECT count(*) FROM userdesk_events").Scan(ctx, &events))
	if events > 0 && *onlyIngest {
		log.Fatal("-only-ingest: the database already holds events (drop -reuse)")
	}
	if events == 0 {
		if *cpuProfile != "" {
			f, err := os.Create(*cpuProfile)
			must(err)
			must(pprof.StartCPUProfile(f))
		}
		// The partitions of the history's two periods (120 days ago, the
		// last 30 days) and the next ones, as a host creates them before
		// loading a history.
		start := time.Now()
		old := time.Now().Add(-120 * 24 * time.Hour)
		n1, err := act.EnsureEventPartitions(ctx, db, old.Add(-time.Duration(activity.KeepEvents)*time.Minute), old.Add(time.Minute))
		must(err)
		n2, err := act.EnsureEventPartitions(ctx, db, time.Now().Add(-30*24*time.Hour), time.Time{})
		must(err)
		if n1+n2 > 0 {
			fmt.Printf("events partitions: %d created in %v\n", n1+n2, time.Since(start).Round(time.Millisecond))
		}
		before := serverStats(ctx, db, d)
		ingest(ctx, act, db, c, ids, heavy)
		printStats(ctx, db, d, before)
		if *cpuProfile != "" {
			pprof.StopCPUProfile()
		}
		if *onlyIngest {
			sizes(ctx, db, d)
			return
		}
		seedReservations(ctx, db, c, ids, bookers)
		recordSample(ctx, act, db, ids)
		if d == sqldb.Postgres {
			mustExec(ctx, db, "VACUUM ANALYZE userdesk_events")
			mustExec(ctx, db, "VACUUM ANALYZE userdesk_reservations")
		} else {
			mustExec(ctx, db, "ANALYZE")
		}
	}
	if d == sqldb.Postgres {
		coverPartitions(ctx, act, db, *cover)
		// The reads are timed after the load's and the indexes' writes
		// have reached the disk, not during the checkpoint that writes
		// them.
		mustExec(ctx, db, "CHECKPOINT")
	}
	sizes(ctx, db, d)

	fmt.Println("\n| read (one library call, as a handler makes it) | runs | median | p95 | max | rows |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: |")
	timeline := func(u uuid.UUID) int {
		tl, err := act.UserTimeline(ctx, db, op, u, activity.EventFilter{})
		must(err)
		return len(tl.Entries)
	}
	card := func(u uuid.UUID) int {
		cd, err := act.UserReservations(ctx, db, op, u, activity.ReservationFilter{})
		must(err)
		return len(cd.Upcoming) + len(cd.Past)
	}
	measure("last 200 events, user with 400 events (UserTimeline)", c.runs, heavy, timeline)
	measure("last 200 events, random user (UserTimeline)", c.runs, ids, timeline)
	tapOnly := func(u uuid.UUID) int {
		tl, err := act.UserTimeline(ctx, db, op, u, activity.EventFilter{Types: []string{"app.tap"}, Channels: []activity.Channel{activity.ChannelApp}})
		must(err)
		return len(tl.Entries)
	}
	measure("last 200 events filtered by type and channel, heavy user", c.runs, heavy, tapOnly)
	measure("last 100 App/Bot reservations, user with 150 (UserReservations)", c.runs, bookers, card)
	measure("last 100 App/Bot reservations, random user (UserReservations)", c.runs, ids, card)
	if *noPrune {
		return
	}

	prune(ctx, act, db, c, ids)
	measure("last 200 events, heavy user, after the pass", c.runs, heavy, timeline)
	if d == sqldb.Postgres {
		mustExec(ctx, db, "VACUUM userdesk_events")
	}
	measure("last 200 events, heavy user, after the pass and VACUUM", c.runs, heavy, timeline)
}

// open creates (or reuses) the benchmark database and migrates it.
func open(ctx context.Context, server, name, sqlitePath string, reuse bool) *bun.DB {
	if sqlitePath != "" {
		if !reuse {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(sqlitePath + suffix)
			}
		}
		db, err := sqldb.OpenSQLite(ctx, sqlitePath)
		must(err)
		must(migrations.Up(ctx, db))
		return db
	}
	admin, err := sqldb.OpenPostgres(ctx, server)
	must(err)
	defer admin.Close()
	if !reuse {
		mustExec(ctx, admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	var exists bool
	must(admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", name).Scan(&exists))
	if !exists {
		mustExec(ctx, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	}
	cfg, err := pgx.ParseConfig(server)
	must(err)
	db, err := sqldb.OpenPostgres(ctx, fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name))
	must(err)
	must(migrations.Up(ctx, db))
	return db
}

func userIDs(ctx context.Context, db *bun.DB) []uuid.UUID {
	var ids []uuid.UUID
	must(db.NewRaw("SELECT id FROM userdesk_users WHERE deleted_at IS NULL ORDER BY id").Scan(ctx, &ids))
	return ids
}

var (
	interactionTypes = []string{"app.open", "app.screen_view", "app.tap", "search.performed", "venue.viewed", "bot.message", "reservation.created"}
	screens          = []string{"home", "search", "venue", "booking", "profile", "referral"}
)

// event makes one synthetic event of the user at t.
func event(r *rand.Rand, u uuid.UUID, typ string, t time.Time) activity.NewEvent {
	e := activity.NewEvent{UserID: u, Type: typ, OccurredAt: t, Channel: activity.ChannelApp, DeviceID: "dev-" + u.String()[:8],
		SessionID: fmt.Sprintf("s%d", r.IntN(1_000_000)), AppVersion: "3.4.1"}
	switch typ {
	case "app.screen_view":
		e.Attributes = map[string]any{"screen": screens[r.IntN(len(screens))]}
	case "app.tap":
		e.Attributes = map[string]any{"screen": screens[r.IntN(len(screens))], "target": "cta"}
	case "search.performed":
		e.Attributes = map[string]any{"query": "sushi", "results": r.IntN(80), "city": "Paris"}
	case "venue.viewed":
		e.Attributes = map[string]any{"venue_id": fmt.Sprintf("v%d", r.IntN(5000))}
	case "bot.message":
		e.Channel, e.AppVersion, e.BotVersion = activity.ChannelBot, "", "2.1.0"
		e.Attributes = map[string]any{"bot_kind": "whatsapp", "intent": "book"}
	case "reservation.created":
		e.Attributes = map[string]any{"reservation_id": fmt.Sprintf("r%d", r.IntN(1<<30)), "party_size": 1 + r.IntN(8)}
	}
	return e
}

// ingest records c.events events through RecordEvents from c.workers
// goroutines and reports the rate, overall and per tenth of the load.
func ingest(ctx context.Context, act *activity.Service, db *bun.DB, c config, ids, heavy []uuid.UUID) {
	now := time.Now()
	batches := make(chan []activity.NewEvent, c.workers*2)
	go func() {
		defer close(batches)
		r := rand.New(rand.NewPCG(1, 2))
		batch := make([]activity.NewEvent, 0, c.batch)
		emit := func(e activity.NewEvent) {
			batch = append(batch, e)
			if len(batch) == c.batch {
				batches <- batch
				batch = make([]activity.NewEvent, 0, c.batch)
			}
		}
		old := now.Add(-120 * 24 * time.Hour)
		if c.randomTimes {
			n := 0
			for _, u := range heavy {
				for i := 0; i < activity.KeepEvents && n < c.events; i++ {
					emit(event(r, u, "app.tap", old.Add(-time.Duration(i)*time.Minute)))
					emit(event(r, u, interactionTypes[r.IntN(len(interactionTypes))], now.Add(-time.Duration(r.Int64N(int64(30*24*time.Hour))))))
					n += 2
				}
			}
			for ; n < c.events; n++ {
				emit(event(r, ids[r.IntN(len(ids))], randomType(r), now.Add(-time.Duration(r.Int64N(int64(30*24*time.Hour))))))
			}
		} else {
			// In time order, as the events would have arrived: first the
			// heavy users' old taps (120 days ago, one per minute back
			// from there, oldest first), then the last 30 days evenly,
			// each event of a random user, the heavy users getting their
			// 200 recent ones among them.
			oldTaps := min(len(heavy)*activity.KeepEvents, c.events/2)
			for i := 0; i < oldTaps; i++ {
				u := heavy[i%len(heavy)]
				k := activity.KeepEvents - 1 - i/len(heavy)
				emit(event(r, u, "app.tap", old.Add(-time.Duration(k)*time.Minute)))
			}
			recent := c.events - oldTaps
			if c.keeper {
				emit(event(r, ids[len(ids)-1], "app.tap", old))
				recent--
			}
			heavyLeft := oldTaps
			start := now.Add(-30 * 24 * time.Hour)
			step := 30 * 24 * time.Hour / time.Duration(max(recent, 1))
			for i := 0; i < recent; i++ {
				t := start.Add(time.Duration(i) * step)
				if heavyLeft > 0 && r.IntN(recent-i) < heavyLeft {
					heavyLeft--
					emit(event(r, heavy[heavyLeft%len(heavy)], interactionTypes[r.IntN(len(interactionTypes))], t))
					continue
				}
				emit(event(r, ids[r.IntN(len(ids))], randomType(r), t))
			}
		}
		if len(batch) > 0 {
			batches <- batch
		}
	}()
	var done atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var abLat [2][]time.Duration // COPY, INSERT … SELECT
	var nBatch atomic.Int64
	tenth := int64(max(c.events/10, 1))
	var marks []time.Duration
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < c.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				t := time.Now()
				var err error
				path := 0
				if c.inTx || (c.ab && nBatch.Add(1)%2 == 0) {
					path = 1
				}
				if path == 1 {
					err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
						_, err := act.RecordEvents(ctx, tx, b)
						return err
					})
				} else {
					_, err = act.RecordEvents(ctx, db, b)
				}
				if err != nil {
					log.Fatal(err)
				}
				el := time.Since(t)
				before := done.Load()
				after := done.Add(int64(len(b)))
				mu.Lock()
				lat = append(lat, el)
				abLat[path] = append(abLat[path], el)
				if before/tenth != after/tenth {
					marks = append(marks, time.Since(start))
					fmt.Fprintf(os.Stderr, "\ringested %d / %d (%.0f/s)", after, c.events, float64(after)/time.Since(start).Seconds())
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Fprintln(os.Stderr)
	total := time.Since(start)
	var rates []float64
	prev := time.Duration(0)
	for _, m := range marks {
		rates = append(rates, float64(tenth)/(m-prev).Seconds())
		prev = m
	}
	sort.Float64s(rates)
	path := "COPY"
	if c.ab {
		path = "COPY and INSERT … SELECT alternating"
	} else if c.inTx {
		path = "INSERT … SELECT in the caller's transaction"
	}
	fmt.Printf("ingest: %d events in %v = %.0f events/s through RecordEvents (batches of %d, %d workers, %s)\n",
		done.Load(), total.Round(time.Second), float64(done.Load())/total.Seconds(), c.batch, c.workers, path)
	if len(rates) > 0 {
		fmt.Printf("  rate per tenth of the load: min %.0f, median %.0f, max %.0f events/s\n", rates[0], rates[len(rates)/2], rates[len(rates)-1])
	}
	p := percentiles(lat)
	fmt.Printf("  batch latency: median %v, p95 %v, max %v\n", p[0], p[1], p[2])
	if c.ab {
		for i, name := range []string{"COPY", "INSERT … SELECT (in a transaction)"} {
			p := percentiles(abLat[i])
			fmt.Printf("  -ab %s: %d batches, latency median %v, p95 %v, max %v\n", name, len(abLat[i]), p[0], p[1], p[2])
		}
	}
}

func randomType(r *rand.Rand) string {
	if r.IntN(50) == 0 {
		return "auth.login"
	}
	return interactionTypes[r.IntN(len(interactionTypes))]
}

// stats are the server-wide WAL and buffer counters (every database of
// the server: other benchmarks running at the same time count too).
type stats struct {
	at                                  time.Time
	walRecords, walFPI, walBytes        int64
	walBuffersFull                      int64
	ckptTimed, ckptReq                  int64
	bufCheckpoint, bufClean, bufBackend int64
}

func serverStats(ctx context.Context, db *bun.DB, d sqldb.Dialect) stats {
	st := stats{at: time.Now()}
	if d != sqldb.Postgres {
		return st
	}
	must(db.QueryRowContext(ctx, "SELECT wal_records, wal_fpi, wal_bytes::bigint, wal_buffers_full FROM pg_stat_wal").
		Scan(&st.walRecords, &st.walFPI, &st.walBytes, &st.walBuffersFull))
	must(db.QueryRowContext(ctx, "SELECT checkpoints_timed, checkpoints_req, buffers_checkpoint, buffers_clean, buffers_backend FROM pg_stat_bgwriter").
		Scan(&st.ckptTimed, &st.ckptReq, &st.bufCheckpoint, &st.bufClean, &st.bufBackend))
	return st
}

// printStats prints what the ingest cost the server: WAL (full-page
// images), checkpoints, buffers written, and each events index's reads.
func printStats(ctx context.Context, db *bun.DB, d sqldb.Dialect, b stats) {
	if d != sqldb.Postgres {
		return
	}
	a := serverStats(ctx, db, d)
	fmt.Printf("  server during ingest (all databases): WAL %d MB, %d records, %d full-page images (%.0f%% of records), %d wal_buffers_full; checkpoints %d timed + %d requested; buffers written by checkpoints %d, bgwriter %d, backends %d (8 KB each)\n",
		(a.walBytes-b.walBytes)>>20, a.walRecords-b.walRecords, a.walFPI-b.walFPI, 100*float64(a.walFPI-b.walFPI)/float64(max(a.walRecords-b.walRecords, 1)),
		a.walBuffersFull-b.walBuffersFull, a.ckptTimed-b.ckptTimed, a.ckptReq-b.ckptReq, a.bufCheckpoint-b.bufCheckpoint, a.bufClean-b.bufClean, a.bufBackend-b.bufBackend)
	rows, err := db.QueryContext(ctx, `SELECT COALESCE((SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = indexrelid), indexrelname::text), sum(idx_blks_read), sum(idx_blks_hit),
		sum(pg_relation_size(indexrelid)) FROM pg_statio_user_indexes WHERE relname LIKE 'userdesk\_events%' GROUP BY 1 ORDER BY 1`)
	must(err)
	defer rows.Close()
	for rows.Next() {
		var name string
		var read, hit, size int64
		must(rows.Scan(&name, &read, &hit, &size))
		fmt.Printf("  index %s: %d MB, blocks read %d, hit %d\n", name, size>>20, read, hit)
	}
	must(rows.Err())
	var parts int
	must(db.QueryRowContext(ctx, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'userdesk_events'::regclass").Scan(&parts))
	fmt.Printf("  events partitions: %d\n", parts)
}

// seedReservations bulk-inserts reservations: 150 for each booker across
// every channel, the rest one each to random users.
func seedReservations(ctx context.Context, db *bun.DB, c config, ids, bookers []uuid.UUID) {
	start := time.Now()
	r := rand.New(rand.NewPCG(3, 4))
	now := time.Now().UTC().Truncate(time.Microsecond)
	channels := []activity.Channel{activity.ChannelApp, activity.ChannelApp, activity.ChannelBot, activity.ChannelWeb, activity.ChannelOther, activity.ChannelBackOffice}
	rows := make([]activity.Reservation, 0, 5000)
	n := 0
	flush := func() {
		if len(rows) == 0 {
			return
		}
		_, err := db.NewInsert().Model(&rows).Exec(ctx)
		must(err)
		rows = rows[:0]
	}
	add := func(u uuid.UUID) {
		id, _ := uuid.NewV7()
		booked := now.Add(-time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
		visit := booked.Add(time.Duration(r.Int64N(int64(60 * 24 * time.Hour))))
		ch := channels[r.IntN(len(channels))]
		res := activity.Reservation{ID: id, UserID: u, Provider: "sevenrooms", ProviderID: id.String(), VenueID: fmt.Sprintf("v%d", r.IntN(5000)),
			VenueName: "Chez Paul", Channel: ch, Role: usermgmt.RoleAsker, BookedAt: booked, VisitAt: visit, VisitTimezone: "Europe/Paris",
			PartySize: 1 + r.IntN(8), Status: activity.StatusCompleted, ProviderStatus: "COMPLETE", LastSyncedAt: now, CreatedAt: now, UpdatedAt: now}
		if ch == activity.ChannelBot {
			res.BotKind = "whatsapp"
		}
		rows = append(rows, res)
		n++
		if len(rows) == cap(rows) {
			flush()
		}
	}
	for _, u := range bookers {
		for i := 0; i < 150 && n < c.reservations; i++ {
			add(u)
		}
	}
	for n < c.reservations {
		add(ids[r.IntN(len(ids))])
	}
	flush()
	fmt.Printf("reservations: %d bulk-inserted in %v (%d users with 150 each)\n", n, time.Since(start).Round(time.Second), len(bookers))
}

// recordSample times RecordReservation (upsert with counters) and its
// replay on a sample.
func recordSample(ctx context.Context, act *activity.Service, db *bun.DB, ids []uuid.UUID) {
	const n = 2000
	now := time.Now()
	recs := make([]activity.ReservationRecord, n)
	for i := range recs {
		recs[i] = activity.ReservationRecord{UserID: ids[i%len(ids)], Provider: "app", ProviderID: fmt.Sprintf("bench-%d", i), VenueName: "Chez Paul",
			Channel: activity.ChannelApp, Role: usermgmt.RoleAsker, BookedAt: now, VisitAt: now.Add(24 * time.Hour), VisitTimezone: "Europe/Paris",
			PartySize: 2, Status: activity.StatusBooked, SyncedAt: now}
	}
	for _, pass := range []string{"new", "replayed"} {
		start := time.Now()
		for _, r := range recs {
			if _, _, err := act.RecordReservation(ctx, db, r); err != nil {
				log.Fatal(err)
			}
		}
		el := time.Since(start)
		fmt.Printf("RecordReservation, %s: %d in %v = %.0f/s (one goroutine)\n", pass, n, el.Round(time.Millisecond), n/el.Seconds())
	}
}

// inserter runs two goroutines that insert batches of 100 events without
// pause until stop is closed, and returns the latencies they saw.
func inserter(ctx context.Context, act *activity.Service, db *bun.DB, ids []uuid.UUID, every time.Duration, stop <-chan struct{}) func() []time.Duration {
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			for {
				select {
				case <-stop:
					return
				default:
				}
				b := make([]activity.NewEvent, 100)
				for i := range b {
					b[i] = event(r, ids[r.IntN(len(ids))], "app.tap", time.Now())
				}
				t := time.Now()
				if _, err := act.RecordEvents(ctx, db, b); err != nil {
					log.Fatal(err)
				}
				el := time.Since(t)
				mu.Lock()
				lat = append(lat, el)
				mu.Unlock()
				if every > el {
					select {
					case <-stop:
						return
					case <-time.After(every - el):
					}
				}
			}
		}(w)
	}
	return func() []time.Duration {
		wg.Wait()
		return lat
	}
}

// prune measures the concurrent inserts alone for 15 s (the baseline),
// then runs one retention pass while they go on, and reports both.
func prune(ctx context.Context, act *activity.Service, db *bun.DB, c config, ids []uuid.UUID) {
	stop := make(chan struct{})
	wait := inserter(ctx, act, db, ids, c.insertEvery, stop)
	time.Sleep(15 * time.Second)
	close(stop)
	base := wait()
	stop = make(chan struct{})
	wait = inserter(ctx, act, db, ids, c.insertEvery, stop)
	start := time.Now()
	rep, err := act.PruneEvents(ctx, db, activity.PruneOptions{BatchSize: c.pruneBatch})
	el := time.Since(start)
	close(stop)
	during := wait()
	must(err)
	fmt.Printf("\nretention pass: %d deleted of %d expired examined in %v (%.0f deleted/s, %d partitions dropped whole, %d batches of %d), complete %v\n",
		rep.TotalDeleted(), rep.Examined, el.Round(time.Millisecond), float64(rep.TotalDeleted())/el.Seconds(), rep.PartitionsDropped, rep.Batches, c.pruneBatch, rep.Complete)
	if len(rep.PartitionsCovered) > 0 {
		fmt.Printf("  the pass covered %d closed partitions (%v)\n", len(rep.PartitionsCovered), rep.PartitionsCovered)
	}
	for _, x := range []struct {
		name string
		lat  []time.Duration
	}{{"without a pass (15 s baseline)", base}, {"during the pass", during}} {
		p := percentiles(x.lat)
		over := 0
		for _, l := range x.lat {
			if l > 100*time.Millisecond {
				over++
			}
		}
		fmt.Printf("  inserts of 100 events from 2 goroutines (one batch per %v each), %s: %d batches, median %v, p95 %v, p99 %v, max %v, %d over 100 ms\n",
			c.insertEvery, x.name, len(x.lat), ms(p[0]), ms(p[1]), ms(p99(x.lat)), ms(p[2]), over)
	}
}

// measure times fn on c random users of pool after a short warm-up and
// prints a table row.
func measure(name string, runs int, pool []uuid.UUID, fn func(uuid.UUID) int) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 10; i++ {
		fn(pool[r.IntN(len(pool))])
	}
	lat := make([]time.Duration, 0, runs)
	rows := 0
	for i := 0; i < runs; i++ {
		u := pool[r.IntN(len(pool))]
		t := time.Now()
		rows = max(rows, fn(u))
		lat = append(lat, time.Since(t))
	}
	p := percentiles(lat)
	fmt.Printf("| %s | %d | %s | %s | %s | ≤ %d |\n", name, runs, ms(p[0]), ms(p[1]), ms(p[2]), rows)
}

func percentiles(d []time.Duration) [3]time.Duration {
	if len(d) == 0 {
		return [3]time.Duration{}
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return [3]time.Duration{s[len(s)/2], s[len(s)*95/100], s[len(s)-1]}
}

func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)*99/100]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func sizes(ctx context.Context, db *bun.DB, d sqldb.Dialect) {
	var events, reservations int64
	must(db.NewRaw("SELECT count(*) FROM userdesk_events").Scan(ctx, &events))
	must(db.NewRaw("SELECT count(*) FROM userdesk_reservations").Scan(ctx, &reservations))
	fmt.Printf("\nrows: %d events, %d reservations\n", events, reservations)
	if d != sqldb.Postgres {
		return
	}
	for _, t := range []string{"userdesk_events", "userdesk_reservations"} {
		var table, indexes string
		// A partitioned table's size is its partitions'.
		must(db.NewRaw(`SELECT pg_size_pretty(COALESCE(sum(pg_table_size(relid)), pg_table_size(?::regclass))),
			pg_size_pretty(COALESCE(sum(pg_indexes_size(relid)), pg_indexes_size(?::regclass)))
			FROM pg_partition_tree(?::regclass)`, t, t, t).Scan(ctx, &table, &indexes))
		fmt.Printf("%s: table %s, indexes %s\n", t, table, indexes)
	}
}

func operator(ctx context.Context, s *usermgmt.Service, db *bun.DB) uuid.UUID {
	var id uuid.UUID
	err := db.QueryRowContext(ctx, "SELECT id FROM userdesk_operators WHERE email_normalized = 'activitybench@example.com'").Scan(&id)
	if err == nil {
		return id
	}
	if !errors.Is(err, sql.ErrNoRows) {
		log.Fatal(err)
	}
	op, err := s.CreateOperator(ctx, db, usermgmt.NewOperator{
		Name: "activitybench", Email: "activitybench@example.com", Password: "activitybench password", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport},
	})
	must(err)
	return op.ID
}

// coverPartitions gives the closed events partitions their covering
// indexes, or drops them (on = false), and says what it did.
func coverPartitions(ctx context.Context, act *activity.Service, db *bun.DB, on bool) {
	start := time.Now()
	if on {
		done, err := act.CoverEventPartitions(ctx, db)
		must(err)
		var size string
		must(db.NewRaw(`SELECT pg_size_pretty(COALESCE(sum(pg_relation_size(c.oid)), 0)) FROM pg_class c
			WHERE c.relkind = 'i' AND c.relname LIKE 'userdesk_events_p%_cover'`).Scan(ctx, &size))
		fmt.Printf("covering indexes: %d partitions covered in %v; all covering indexes %s\n", len(done), time.Since(start).Round(time.Millisecond), size)
		return
	}
	var names []string
	must(db.NewRaw(`SELECT relname FROM pg_class WHERE relkind = 'i' AND relname LIKE 'userdesk_events_p%_cover'`).Scan(ctx, &names))
	for _, n := range names {
		mustExec(ctx, db, "DROP INDEX "+pgx.Identifier{n}.Sanitize())
	}
	fmt.Printf("covering indexes: %d dropped (-cover=false)\n", len(names))
}

func mustExec(ctx context.Context, db bun.IDB, q string) {
	if _, err := db.ExecContext(ctx, q); err != nil {
		log.Fatalf("%s: %v", q, err)
	}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
