package activity_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// mixedBatch is n events of u of several types, with attributes to mask,
// clear ones, odd strings and an operator actor.
func mixedBatch(u, operator uuid.UUID, n int) []activity.NewEvent {
	out := make([]activity.NewEvent, n)
	for i := range out {
		at := t0.Add(-time.Duration(i) * time.Second)
		switch i % 5 {
		case 0:
			out[i] = tap(u, at)
		case 1:
			out[i] = activity.NewEvent{UserID: u, OccurredAt: at, Type: "profile.email_changed", Channel: activity.ChannelWeb,
				Attributes: map[string]any{"new_email": "jean.dupont@example.com"}}
		case 2:
			out[i] = activity.NewEvent{UserID: u, OccurredAt: at, Type: "profile.phone_changed", Channel: activity.ChannelApp,
				Attributes: map[string]any{"new_phone": "+33612345678"}, Actor: activity.Actor{Kind: activity.ActorOperator, ID: &operator}}
		case 3:
			out[i] = activity.NewEvent{UserID: u, OccurredAt: at, Type: "search.performed", Channel: activity.ChannelBot, BotVersion: "2.1",
				Attributes: map[string]any{"query": "café <\"sushi\"> & \\ \u2028 \x01", "results": float64(i), "city": nil}}
		default:
			out[i] = activity.NewEvent{UserID: u, OccurredAt: at, Type: "app.open", Channel: activity.ChannelApp, SessionID: fmt.Sprint("s", i),
				Attributes: map[string]any{"cold_start": i%2 == 0}, Actor: activity.Actor{Kind: activity.ActorSystem}}
		}
	}
	return out
}

// storedEvents returns a user's events as stored, without their ids,
// oldest first.
func storedEvents(tb testing.TB, db bun.IDB, u uuid.UUID) []string {
	tb.Helper()
	var rows []struct {
		OccurredAt time.Time  `bun:"occurred_at"`
		ReceivedAt time.Time  `bun:"received_at"`
		Type       string     `bun:"type"`
		Channel    string     `bun:"channel"`
		DeviceID   string     `bun:"device_id"`
		SessionID  string     `bun:"session_id"`
		AppVersion string     `bun:"app_version"`
		BotVersion string     `bun:"bot_version"`
		Attributes string     `bun:"attributes"`
		ActorKind  string     `bun:"actor_kind"`
		ActorID    *uuid.UUID `bun:"actor_id"`
	}
	if err := db.NewRaw(`SELECT occurred_at, received_at, type, channel, device_id, session_id, app_version, bot_version, attributes, actor_kind, actor_id
		FROM userdesk_events WHERE user_id = ? ORDER BY occurred_at, type`, u).Scan(context.Background(), &rows); err != nil {
		tb.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%s %s %s %s %q %q %q %q %s %s %v", r.OccurredAt.UTC().Format(time.RFC3339Nano), r.ReceivedAt.UTC().Format(time.RFC3339Nano),
			r.Type, r.Channel, r.DeviceID, r.SessionID, r.AppVersion, r.BotVersion, r.Attributes, r.ActorKind, r.ActorID)
	}
	return out
}

// TestRecordEventsLargeBatch records batches large enough for COPY on
// PostgreSQL through a *bun.DB, a bun.Conn and a bun.Tx (the INSERT …
// SELECT path), and on SQLite: each stores the same rows, masks the same
// attributes and skips the events of erased and unknown users.
func TestRecordEventsLargeBatch(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		gone := e.user(t)
		if err := e.users.EraseUser(e.ctx, db, e.admin, gone.ID, "asked"); err != nil {
			t.Fatal(err)
		}
		ways := []struct {
			name   string
			record func(batch []activity.NewEvent) (int64, error)
		}{
			{"db", func(b []activity.NewEvent) (int64, error) { return e.act.RecordEvents(e.ctx, db, b) }},
			{"conn", func(b []activity.NewEvent) (int64, error) {
				conn, err := db.Conn(e.ctx)
				if err != nil {
					return 0, err
				}
				defer conn.Close()
				return e.act.RecordEvents(e.ctx, conn, b)
			}},
			{"tx", func(b []activity.NewEvent) (int64, error) {
				var n int64
				err := db.RunInTx(e.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					var err error
					n, err = e.act.RecordEvents(ctx, tx, b)
					return err
				})
				return n, err
			}},
		}
		var want []string
		for _, w := range ways {
			u := e.user(t)
			batch := mixedBatch(u.ID, e.admin, 250)
			batch = append(batch, mixedBatch(gone.ID, e.admin, 60)...)                 // erased: skipped
			batch = append(batch, mixedBatch(uuid.Must(uuid.NewV7()), e.admin, 60)...) // unknown: skipped
			n, err := w.record(batch)
			if err != nil || n != 250 {
				t.Fatalf("%s: stored %d, %v; want 250", w.name, n, err)
			}
			got := storedEvents(t, db, u.ID)
			if len(got) != 250 {
				t.Fatalf("%s: %d rows", w.name, len(got))
			}
			if want == nil {
				want = got
				continue
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s stores row %d as\n%s\nthe first way as\n%s", w.name, i, got[i], want[i])
				}
			}
			// Nothing but the batch's own users, none of the erased one.
			if c := count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ?", gone.ID); c != 0 {
				t.Fatalf("%s: %d events of the erased user", w.name, c)
			}
			// All users unknown: nothing stored, no error.
			if n, err := w.record(mixedBatch(uuid.Must(uuid.NewV7()), e.admin, 150)); err != nil || n != 0 {
				t.Fatalf("%s: unknown users: %d %v", w.name, n, err)
			}
		}
		if c := count(t, db, "SELECT count(*) FROM userdesk_events"); c != 750 {
			t.Fatalf("rows = %d, want 750", c)
		}
		// Masked at write whatever the path: no clear address or number.
		if c := count(t, db, "SELECT count(*) FROM userdesk_events WHERE attributes LIKE '%jean.dupont%' OR attributes LIKE '%612345678%'"); c != 0 {
			t.Fatalf("%d events hold personal data in clear", c)
		}
		// Attributes read back as recorded (the JSON is encoding/json's).
		u := e.user(t)
		if _, err := e.act.RecordEvents(e.ctx, db, mixedBatch(u.ID, e.admin, 120)); err != nil {
			t.Fatal(err)
		}
		tl, err := e.act.OwnEvents(e.ctx, db, u.ID, activity.EventFilter{Types: []string{"search.performed"}})
		if err != nil || tl.Events != 24 {
			t.Fatalf("own events: %d %v", tl.Events, err)
		}
		a := tl.Entries[0].Event.Attributes
		if a["query"] != "café <\"sushi\"> & \\ \u2028 \x01" || a["results"] != int64(3) || len(a) != 2 {
			t.Fatalf("attributes read back: %#v", a)
		}
	})
}

// TestRecordEventsDuringErase ingests large batches of a user while the
// user is erased: afterwards, and after the retention pass's sweep of
// late events, nothing of the erased user is left, and every event of the
// other user in the same batches is stored.
func TestRecordEventsDuringErase(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		victim, other := e.user(t), e.user(t)
		const workers, batches = 2, 6
		var wg sync.WaitGroup
		errs := make(chan error, workers*batches+1)
		start := make(chan struct{})
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				<-start
				for b := 0; b < batches; b++ {
					batch := append(mixedBatch(victim.ID, e.admin, 100), mixedBatch(other.ID, e.admin, 50)...)
					for i := range batch {
						batch[i].OccurredAt = batch[i].OccurredAt.Add(-time.Duration(w*batches+b) * time.Hour)
					}
					if _, err := e.act.RecordEvents(e.ctx, db, batch); err != nil {
						errs <- fmt.Errorf("worker %d batch %d: %w", w, b, err)
					}
				}
			}(w)
		}
		close(start)
		// Erase once ingest is under way: the first batch has landed.
		for deadline := time.Now().Add(30 * time.Second); count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ?", other.ID) == 0; {
			if time.Now().After(deadline) {
				t.Fatal("no batch landed in 30 s")
			}
			runtime.Gosched()
		}
		if err := e.users.EraseUser(e.ctx, db, e.admin, victim.ID, "asked"); err != nil {
			errs <- err
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if _, err := e.act.PruneEvents(e.ctx, db, activity.PruneOptions{}); err != nil {
			t.Fatal(err)
		}
		if c := count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ?", victim.ID); c != 0 {
			t.Fatalf("%d events of the erased user left", c)
		}
		if c := count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ?", other.ID); c != workers*batches*50 {
			t.Fatalf("other user: %d events, want %d", c, workers*batches*50)
		}
		if _, err := e.act.ExportOwnActivity(e.ctx, db, victim.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("export of the erased user: %v", err)
		}
	})
}

// TestRecordEventsQueryExecModes runs the COPY path on connections whose
// DSN picks each of pgx's query exec modes (a host behind PgBouncer asks
// for simple_protocol or exec), and checks that it was COPY.
func TestRecordEventsQueryExecModes(t *testing.T) {
	t.Parallel()
	base := dbtest.Postgres(t)
	e := newEnv(t, base)
	u, gone := e.user(t), e.user(t)
	if err := e.users.EraseUser(e.ctx, base, e.admin, gone.ID, "asked"); err != nil {
		t.Fatal(err)
	}
	var name, user, port, sockets string
	if err := base.QueryRowContext(e.ctx, "SELECT current_database(), current_user, current_setting('port'), current_setting('unix_socket_directories')").Scan(&name, &user, &port, &sockets); err != nil {
		t.Fatal(err)
	}
	dsn := func(mode string) string {
		if server := os.Getenv(dbtest.EnvPostgresDSN); server != "" {
			cfg, err := url.Parse(server)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Path = "/" + name
			q := cfg.Query()
			q.Set("default_query_exec_mode", mode)
			cfg.RawQuery = q.Encode()
			return cfg.String()
		}
		host, _, _ := strings.Cut(sockets, ",")
		return fmt.Sprintf("host=%s port=%s user=%s dbname=%s default_query_exec_mode=%s", strings.TrimSpace(host), port, user, name, mode)
	}
	for i, mode := range []string{"cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol"} {
		db, err := sqldb.OpenPostgres(e.ctx, dsn(mode))
		if err != nil {
			t.Fatal(err)
		}
		batch := mixedBatch(u.ID, e.admin, 150)
		for j := range batch {
			batch[j].OccurredAt = batch[j].OccurredAt.Add(-time.Duration(i) * time.Hour)
		}
		batch = append(batch, mixedBatch(gone.ID, e.admin, 20)...)
		// COPY runs on the pgx connection, where bun's hooks do not see
		// it: a statement they count is the INSERT … SELECT fallback,
		// taken when the driver connection is not (or no longer reaches)
		// pgx's.
		counted, qc := dbtest.CountQueries(db)
		n, err := e.act.RecordEvents(e.ctx, counted, batch)
		_ = db.Close()
		if err != nil || n != 150 {
			t.Fatalf("%s: %d %v", mode, n, err)
		}
		if c := qc.Count(); c != 0 {
			t.Fatalf("%s: %d statements through bun: the batch did not go through COPY", mode, c)
		}
	}
	if c := count(t, base, "SELECT count(*) FROM userdesk_events WHERE user_id = ?", u.ID); c != 5*150 {
		t.Fatalf("rows = %d", c)
	}
}
