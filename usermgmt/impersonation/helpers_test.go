package impersonation_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const audience = "https://app.example.test"

// env is one test's world: a database, the two services, a clock, and
// operators: support and admin, and a "reader" who may only read users.
type env struct {
	db                     *bun.DB
	users                  *usermgmt.Service
	imp                    *impersonation.Service
	clock                  *usermgmttest.Clock
	key                    impersonation.Key
	support, admin, reader uuid.UUID
	support2               uuid.UUID
	ctx                    context.Context
}

// newEnv builds an env on db; edit adjusts the impersonation config.
func newEnv(tb testing.TB, db *bun.DB, edit ...func(*impersonation.Config)) *env {
	tb.Helper()
	users := usermgmttest.NewService(tb, usermgmt.Config{Roles: map[usermgmt.OperatorRole][]usermgmt.Permission{
		"reader": {usermgmt.PermReadUsers},
	}})
	e := &env{db: db, users: users, clock: usermgmttest.NewClock(time.Time{}), key: newKey(tb, "k1"), ctx: context.Background()}
	cfg := impersonation.Config{
		Users: users, Audience: audience, Now: e.clock.Now,
		Keys: impersonation.KeyRing{Keys: []impersonation.Key{e.key}},
	}
	for _, f := range edit {
		f(&cfg)
	}
	var err error
	e.imp, err = impersonation.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	e.support = e.operator(tb, usermgmt.RoleSupport)
	e.support2 = e.operator(tb, usermgmt.RoleSupport)
	e.admin = e.operator(tb, usermgmt.RoleAdmin)
	e.reader = e.operator(tb, "reader")
	return e
}

// sibling returns another impersonation service on the same users service,
// for the tests that need a second issuer or verifier.
func (e *env) sibling(tb testing.TB, edit func(*impersonation.Config)) *impersonation.Service {
	tb.Helper()
	cfg := impersonation.Config{
		Users: e.users, Audience: audience, Now: e.clock.Now,
		Keys: impersonation.KeyRing{Keys: []impersonation.Key{e.key}},
	}
	edit(&cfg)
	s, err := impersonation.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func newKey(tb testing.TB, id string) impersonation.Key {
	tb.Helper()
	k, err := impersonation.GenerateKey(id, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func (e *env) operator(tb testing.TB, roles ...usermgmt.OperatorRole) uuid.UUID {
	tb.Helper()
	return usermgmttest.Operator(tb, e.users, e.db, roles...).ID
}

func (e *env) user(tb testing.TB) uuid.UUID {
	tb.Helper()
	return usermgmttest.User(tb, e.users, e.db).ID
}

// issue issues a token for operator to act as user, or fails the test.
func (e *env) issue(tb testing.TB, operator, user uuid.UUID, scope impersonation.Scope) *impersonation.Issued {
	tb.Helper()
	is, err := e.imp.Issue(e.ctx, e.db, impersonation.IssueRequest{
		OperatorID: operator, UserID: user, Reason: "ticket #4711: cannot see payouts", Scope: scope,
	})
	if err != nil {
		tb.Fatalf("issue: %v", err)
	}
	return is
}

func (e *env) count(tb testing.TB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func (e *env) exec(tb testing.TB, query string, args ...any) {
	tb.Helper()
	if _, err := e.db.ExecContext(e.ctx, query, args...); err != nil {
		tb.Fatal(err)
	}
}

// audits counts the audit records of action for the token.
func (e *env) audits(tb testing.TB, action string, token uuid.UUID) int {
	tb.Helper()
	return e.count(tb, "SELECT count(*) FROM userdesk_audit_log WHERE action = ? AND after LIKE ?", action, "%"+token.String()+"%")
}

// wantRefused checks that err is a *VerifyError for check, matching both
// ErrInvalidToken and sentinel.
func wantRefused(tb testing.TB, err error, check impersonation.Check, sentinel error) {
	tb.Helper()
	var verr *impersonation.VerifyError
	if !errors.As(err, &verr) {
		tb.Fatalf("err = %v, want a *VerifyError (%s)", err, check)
	}
	if verr.Check != check {
		tb.Fatalf("check = %s (%v), want %s", verr.Check, err, check)
	}
	if !errors.Is(err, impersonation.ErrInvalidToken) || !errors.Is(err, sentinel) {
		tb.Fatalf("%v does not match ErrInvalidToken and %v", err, sentinel)
	}
}

// parts splits a v4.public token into its payload (message and signature)
// and footer, decoded.
func parts(tb testing.TB, token string) (payload, footer []byte) {
	tb.Helper()
	p := strings.Split(token, ".")
	if len(p) != 4 || p[0] != "v4" || p[1] != "public" {
		tb.Fatalf("token %q is not a v4.public with a footer", token)
	}
	var err error
	if payload, err = base64.RawURLEncoding.DecodeString(p[2]); err != nil {
		tb.Fatal(err)
	}
	if footer, err = base64.RawURLEncoding.DecodeString(p[3]); err != nil {
		tb.Fatal(err)
	}
	return payload, footer
}

func assemble(payload, footer []byte) string {
	return "v4.public." + base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(footer)
}
