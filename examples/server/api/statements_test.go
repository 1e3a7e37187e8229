package api

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
)

// routeStatements pins how many SQL statements (transaction control left
// out) one request of each authenticated route runs, authentication
// included, for the request of its row in the authorization matrix made
// by an admin (back-office routes) or the user (front-office routes). The
// fixture's user has three guests and two categories, so that a query per
// guest or per category shows. A route whose count grows fails
// TestRouteStatementCounts: lower the number when a change saves a
// statement, raise it only with a reason in the commit.
var routeStatements = map[string]int64{
	"DELETE /admin/v1/users/{uid}/sevenrooms":            3,
	"GET /admin/v1/sevenrooms/ambiguous":                 2,
	"GET /admin/v1/users/{uid}/id-verification":          2,
	"GET /admin/v1/users/{uid}/sevenrooms":               3,
	"GET /admin/v1/users/{uid}/sevenrooms/candidates":    2,
	"GET /admin/v1/users/{uid}/sevenrooms/duplicates":    3,
	"POST /admin/v1/sevenrooms/merges/{id}/retry":        2,
	"POST /admin/v1/sevenrooms/merges/{id}/undo":         2,
	"POST /admin/v1/sevenrooms/parse":                    1,
	"POST /admin/v1/users/{uid}/password-reset":          7,
	"POST /admin/v1/users/{uid}/sevenrooms/check":        5,
	"POST /admin/v1/users/{uid}/sevenrooms/preview":      1,
	"POST /admin/v1/users/{uid}/sevenrooms/profile":      1,
	"POST /admin/v1/users/{uid}/sevenrooms/reconnect":    1,
	"POST /v1/me/email-change":                           10,
	"POST /v1/me/email-verification":                     9,
	"POST /v1/me/phone-verification":                     10,
	"POST /v1/me/phone-verification/check":               5,
	"PUT /admin/v1/users/{uid}/id-verification":          3,
	"DELETE /admin/v1/impersonations/{id}":               2,
	"DELETE /admin/v1/users/{uid}":                       29,
	"GET /admin/v1/categories":                           2,
	"GET /admin/v1/impersonations":                       2,
	"GET /admin/v1/operators":                            4,
	"GET /admin/v1/referral/flags":                       2,
	"GET /admin/v1/settings":                             2,
	"GET /admin/v1/users":                                2,
	"GET /admin/v1/users/count":                          2,
	"GET /admin/v1/users/export":                         3,
	"GET /admin/v1/users/{uid}":                          1,
	"GET /admin/v1/users/{uid}/audit":                    2,
	"GET /admin/v1/users/{uid}/bank-account":             2,
	"GET /admin/v1/users/{uid}/devices":                  3,
	"GET /admin/v1/users/{uid}/events":                   4,
	"GET /admin/v1/users/{uid}/fees":                     3,
	"GET /admin/v1/users/{uid}/fees/preview":             3,
	"GET /admin/v1/users/{uid}/guests":                   3,
	"GET /admin/v1/users/{uid}/public-profile":           3,
	"GET /admin/v1/users/{uid}/referral":                 3,
	"GET /admin/v1/users/{uid}/referral/entries":         2,
	"GET /admin/v1/users/{uid}/reservations":             3,
	"GET /v1/me":                                         2,
	"GET /v1/me/bank-account":                            3,
	"GET /v1/me/devices":                                 4,
	"GET /v1/me/export":                                  11,
	"GET /v1/me/guests":                                  3,
	"GET /v1/me/identity":                                2,
	"GET /v1/me/presentation":                            2,
	"PATCH /admin/v1/users/{uid}":                        2,
	"PATCH /admin/v1/users/{uid}/guests/{id}":            7,
	"PATCH /v1/me":                                       3,
	"POST /admin/v1/categories":                          3,
	"POST /admin/v1/logout":                              2,
	"POST /admin/v1/operators":                           5,
	"POST /admin/v1/referral/flags/{id}/clear":           2,
	"POST /admin/v1/users/{uid}/devices/{device}/revoke": 3,
	"POST /admin/v1/users/{uid}/impersonations":          6,
	"POST /admin/v1/users/{uid}/referral/credit-steps":   9,
	"POST /v1/me/devices/{device}/revoke":                4,
	"POST /v1/me/guest-invitations":                      3,
	"POST /v1/me/guests":                                 6,
	"PUT /admin/v1/operators/{id}/active":                3,
	"PUT /admin/v1/operators/{id}/roles":                 7,
	"PUT /admin/v1/settings":                             4,
	"PUT /admin/v1/users/{uid}/categories":               3,
	"PUT /admin/v1/users/{uid}/fees":                     3,
	"PUT /admin/v1/users/{uid}/password":                 3,
	"PUT /admin/v1/users/{uid}/referral/credits":         9,
	"PUT /admin/v1/users/{uid}/referral/referrer":        4,
	"PUT /admin/v1/users/{uid}/status":                   3,
	"PUT /admin/v1/users/{uid}/verifications":            3,
	"PUT /v1/me/bank-account":                            5,
	"PUT /v1/me/password":                                7,
}

// TestRouteStatementCounts sends one request to every authenticated route
// through a database handle whose query hook counts the statements, and
// compares with routeStatements. The detail view (GET
// /admin/v1/users/{uid}) is held to 1: the session with the operator and
// its roles, and the user with everything (roles, languages, guests with
// their roles, categories, bank, settings), in one statement
// (GetUserDetailBySession).
func TestRouteStatementCounts(t *testing.T) {
	t.Parallel()
	if n := routeStatements[routeUserGet]; n > 1 {
		t.Errorf("the detail view is pinned at %d statements; the bound is 1", n)
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		db, counter := dbtest.CountQueries(db)
		e := newE2EWith(t, db, withSevenRooms(t, sevenroomstest.New(t, sevenroomstest.Config{})))
		s := e.app.users
		e.operator(usermgmt.RoleAdmin)
		spare, err := s.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "spare", Email: "spare@ops.test", Password: "operator password spare", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}})
		if err != nil {
			t.Fatal(err)
		}
		target := e.register("Target", "User", "target@example.com", "+33600000001", "asker", "offeror")
		for i := range 5 {
			e.register("Other", fmt.Sprint("User", i), fmt.Sprintf("other%d@example.com", i), "", "asker")
		}
		tid := uuid.MustParse(target)
		var guest uuid.UUID
		for i := range 3 {
			g, _, err := s.InviteGuest(ctx, db, tid, usermgmt.GuestInvite{Email: fmt.Sprintf("helper%d@example.com", i), Roles: []usermgmt.GuestRole{usermgmt.GuestManageBookings, usermgmt.GuestViewPayouts}})
			if err != nil {
				t.Fatal(err)
			}
			guest = g.ID
		}
		if err := s.SetOwnBankAccount(ctx, db, tid, usermgmt.BankAccount{Holder: "Target User", IBAN: "FR1420041010050500013M02606"}); err != nil {
			t.Fatal(err)
		}
		adminOp := e.operatorID(usermgmt.RoleAdmin)
		var cats []uuid.UUID
		for i := range 2 {
			c, err := s.CreateCategory(ctx, db, adminOp, fmt.Sprintf("cat-%d", i), fmt.Sprintf("Category %d", i))
			if err != nil {
				t.Fatal(err)
			}
			cats = append(cats, c.ID)
		}
		if _, err := s.SetUserCategories(ctx, db, adminOp, tid, cats); err != nil {
			t.Fatal(err)
		}
		userToken := e.anon.json("POST", "/v1/login", map[string]string{"email": "target@example.com", "password": "user password 1234"}, 200)["token"].(string)
		user := e.anon.as(userToken)

		var missing []string
		for i, r := range e.app.Routes() {
			if r.Caller == CallerPublic {
				continue
			}
			row := matrix[r.Pattern]
			method, _, _ := strings.Cut(r.Pattern, " ")
			c := e.anon.as(e.operatorSession(adminOp)) // a fresh one: logout ends it
			if r.Caller == CallerUser {
				c = user
			}
			victim := ""
			if strings.Contains(row.path, "{victim}") {
				victim = e.register("Victim", "User", fmt.Sprintf("victim%d@example.com", i), "", "asker")
			}
			path := strings.NewReplacer("{uid}", target, "{victim}", victim, "{guest}", guest.String(), "{imp}", uuid.NewString(),
				"{op}", spare.ID.String(), "{n}", fmt.Sprint(i)).Replace(row.path)
			var body any
			if row.body != "" {
				body = strings.ReplaceAll(row.body, "{n}", fmt.Sprint(i))
			}
			before := counter.Count()
			st, _, raw := c.do(method, path, body)
			n := counter.Since(before)
			if refusal(st, raw) != "" || st >= 500 {
				t.Errorf("%s: %d %.200s", r.Pattern, st, raw)
			}
			want, ok := routeStatements[r.Pattern]
			switch {
			case !ok:
				missing = append(missing, fmt.Sprintf("%q: %d,", r.Pattern, n))
			case n > want:
				t.Errorf("%s ran %d statements, pinned at %d", r.Pattern, n, want)
			default:
				t.Logf("%s: %d statements (pinned %d)", r.Pattern, n, want)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			t.Errorf("routes without a pinned statement count (measured here):\n%s", strings.Join(missing, "\n"))
		}
	})
}
