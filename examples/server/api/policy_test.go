package api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestImpersonationShowsWhatTheRoleMay: the support operator, impersonating
// read-only, sees the user's pages with email, phone, addresses and IBAN
// masked; the finance operator sees them in clear, and each clear view is
// in the user's audit trail.
func TestImpersonationShowsWhatTheRoleMay(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2E(t, db)
		admin, support, finance := e.operator(usermgmt.RoleAdmin), e.operator(usermgmt.RoleSupport), e.operator(usermgmt.RoleFinance)
		uid := e.register("Élodie", "Müller", "elodie.muller@example.com", "+33612345678", "asker")
		const iban = "FR1420041010050500013M02606"
		if err := e.app.users.SetOwnBankAccount(context.Background(), db, uuid.MustParse(uid), usermgmt.BankAccount{Holder: "Élodie Müller", IBAN: iban}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			op     *client
			masked bool
		}{{"support", support, true}, {"finance", finance, false}} {
			t.Run(tc.name, func(t *testing.T) {
				token := tc.op.json("POST", "/admin/v1/users/"+uid+"/impersonations", map[string]string{"reason": "ticket 77", "scope": "read_only"}, 201)["token"].(string)
				imp := e.anon.as(token)
				me := imp.json("GET", "/v1/me", nil, 200)
				identity := imp.json("GET", "/v1/me/identity", nil, 200)
				bank := imp.json("GET", "/v1/me/bank-account", nil, 200)
				page := fmt.Sprint(me, identity, bank)
				for _, clear := range []string{"elodie.muller@example.com", "+33612345678", iban} {
					if strings.Contains(page, clear) == tc.masked {
						t.Errorf("masked=%v, but %q shown=%v", tc.masked, clear, !tc.masked)
					}
				}
				if me["masked"] != tc.masked {
					t.Errorf("me.masked = %v", me["masked"])
				}
			})
		}
		trail := fmt.Sprint(admin.json("GET", "/admin/v1/users/"+uid+"/audit", nil, 200))
		if n := strings.Count(trail, usermgmt.ActionPersonalDataView); n < 3 {
			t.Errorf("%d clear views audited, want one per page finance opened (3): %s", n, trail)
		}
	})
}

// TestProblemsCarryTheRule: every field error names the library's rule.
func TestProblemsCarryTheRule(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	e := newE2E(t, db)
	st, _, raw := e.anon.do("POST", "/v1/register", map[string]any{"email": "nope", "password": "user password 1234", "first_name": "A", "last_name": "B", "type": "individual", "roles": []string{"asker"}})
	if st != 400 || !strings.Contains(string(raw), `"name":"email","reason":"must be an email address","rule":"email"`) {
		t.Fatalf("%d %s", st, raw)
	}
}
