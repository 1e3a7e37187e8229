package impersonation

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestFirstUseIsConditional replays the race deterministically: two
// verifications that both read the record before either stamped it. The
// conditional UPDATE lets one of them record the first use.
func TestFirstUseIsConditional(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		users, err := usermgmt.New(usermgmt.Config{Argon2: usermgmt.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}})
		if err != nil {
			t.Fatal(err)
		}
		key, err := GenerateKey("k1", nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(Config{Users: users, Audience: "aud", Keys: KeyRing{Keys: []Key{key}}})
		if err != nil {
			t.Fatal(err)
		}
		op, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Op", Email: "op@backoffice.test", Password: "operator password 1", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}})
		if err != nil {
			t.Fatal(err)
		}
		u, err := users.Register(ctx, db, usermgmt.Registration{Email: "u@example.test", Password: "correct horse battery", FirstName: "A", LastName: "B", Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleAsker}})
		if err != nil {
			t.Fatal(err)
		}
		is, err := s.Issue(ctx, db, IssueRequest{OperatorID: op.ID, UserID: u.ID, Reason: "r", TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		stale1, stale2 := is.Record, is.Record
		if err := s.firstUse(ctx, db, &stale1); err != nil || stale1.FirstUsedAt == nil {
			t.Fatalf("first: %v", err)
		}
		if err := s.firstUse(ctx, db, &stale2); err != nil || stale2.FirstUsedAt != nil {
			t.Fatalf("second: %v, stamped %v", err, stale2.FirstUsedAt)
		}
		var n int
		if err := db.NewRaw("SELECT count(*) FROM userdesk_audit_log WHERE action = ?", ActionFirstUse).Scan(ctx, &n); err != nil || n != 1 {
			t.Fatalf("%d first-use audit records (%v)", n, err)
		}
		// A revocation between the read and the stamp wins.
		is2, err := s.Issue(ctx, db, IssueRequest{OperatorID: op.ID, UserID: u.ID, Reason: "r", TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Revoke(ctx, db, op.ID, is2.Record.ID, ""); err != nil {
			t.Fatal(err)
		}
		stale := is2.Record
		if err := s.firstUse(ctx, db, &stale); err == nil {
			t.Fatal("a token revoked since it was read was used")
		}
	})
}
