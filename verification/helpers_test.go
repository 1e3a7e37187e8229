package verification_test

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
	"github.com/userdesk/userdesk/verification"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// env is one test's world: a database, both services on one clock, and a
// log buffer that must never see a secret.
type env struct {
	t     *testing.T
	ctx   context.Context
	db    *bun.DB
	clock *usermgmttest.Clock
	users *usermgmt.Service
	v     *verification.Service
	logs  *syncBuffer

	sleepMu sync.Mutex
	sleeps  []time.Duration
}

// recordSleep stands in for the answer floor's timer: it records the wait
// and returns at once.
func (e *env) recordSleep(_ context.Context, d time.Duration) error {
	e.sleepMu.Lock()
	defer e.sleepMu.Unlock()
	e.sleeps = append(e.sleeps, d)
	return nil
}

// takeSleeps returns and forgets the recorded waits.
func (e *env) takeSleeps() []time.Duration {
	e.sleepMu.Lock()
	defer e.sleepMu.Unlock()
	out := e.sleeps
	e.sleeps = nil
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, db *bun.DB, edit ...func(*verification.Config)) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: db, clock: usermgmttest.NewClock(start), logs: &syncBuffer{}}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.users = usermgmttest.NewService(t, usermgmt.Config{Now: e.clock.Now, Logger: logger, Permissions: verification.Permissions()})
	cfg := verification.Config{Users: e.users, Now: e.clock.Now, Logger: logger, BaseURL: "https://app.example",
		Sleep: e.recordSleep}
	for _, f := range edit {
		f(&cfg)
	}
	v, err := verification.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.v = v
	return e
}

func (e *env) user(edit ...func(*usermgmt.Registration)) *usermgmt.User {
	e.t.Helper()
	return usermgmttest.User(e.t, e.users, e.db, edit...)
}

func (e *env) reload(id uuid.UUID) *usermgmt.User {
	e.t.Helper()
	u, err := e.users.GetOwnUser(e.ctx, e.db, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// messages returns the outbox messages to an address, newest first.
func (e *env) messages(to string) []verification.Message {
	e.t.Helper()
	ms, err := e.v.Outbox(e.ctx, e.db, verification.OutboxFilter{To: to, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

// last returns the newest message to an address, which must be of kind.
func (e *env) last(to string, kind verification.MessageKind) verification.Message {
	e.t.Helper()
	ms := e.messages(to)
	if len(ms) == 0 {
		e.t.Fatalf("no message to %s", to)
	}
	if ms[0].Kind != kind {
		e.t.Fatalf("last message to %s is %s, want %s", to, ms[0].Kind, kind)
	}
	return ms[0]
}

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)
var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// token reads the link token of the newest message of kind to an address.
func (e *env) token(to string, kind verification.MessageKind) string {
	e.t.Helper()
	m := e.last(to, kind)
	got := tokenRE.FindStringSubmatch(m.Text)
	if got == nil {
		e.t.Fatalf("no link in %q", m.Text)
	}
	if !bytes.Contains([]byte(m.HTML), []byte(got[1])) {
		e.t.Fatalf("the HTML body lacks the link")
	}
	e.secret(got[1])
	return got[1]
}

// code reads the SMS code of the newest message to a number.
func (e *env) code(to string) string {
	e.t.Helper()
	m := e.last(to, verification.KindPhoneCode)
	got := codeRE.FindStringSubmatch(m.Text)
	if got == nil {
		e.t.Fatalf("no code in %q", m.Text)
	}
	e.secret(got[1])
	return got[1]
}

// secret registers a secret the test saw: at the end of the test, the log
// must not hold it.
func (e *env) secret(s string) {
	e.t.Cleanup(func() {
		if bytes.Contains([]byte(e.logs.String()), []byte(s)) {
			e.t.Errorf("a secret reached the log: %s", s)
		}
	})
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) auditActions(userID uuid.UUID) []string {
	e.t.Helper()
	var actions []string
	if err := e.db.NewRaw("SELECT action FROM userdesk_audit_log WHERE user_id = ? ORDER BY id", userID).Scan(e.ctx, &actions); err != nil {
		e.t.Fatal(err)
	}
	return actions
}

var client = verification.Client{IP: "203.0.113.7", Language: "en"}

func usermgmtOperator(t *testing.T, e *env, roles ...usermgmt.OperatorRole) uuid.UUID {
	t.Helper()
	return usermgmttest.Operator(t, e.users, e.db, roles...).ID
}

func newEnvUsersWithoutPermissions(t *testing.T) *usermgmt.Service {
	t.Helper()
	return usermgmttest.NewService(t, usermgmt.Config{})
}
