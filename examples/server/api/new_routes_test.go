package api

import (
	"fmt"
	"testing"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestOperatorManagementAPI: an admin creates, lists, re-roles and
// deactivates operators over HTTP; the deactivated operator's session
// dies at once; support may not manage operators.
func TestOperatorManagementAPI(t *testing.T) {
	t.Parallel()
	e := newE2E(t, dbtest.SQLite(t))
	admin, support := e.operator(usermgmt.RoleAdmin), e.operator(usermgmt.RoleSupport)
	created := admin.json("POST", "/admin/v1/operators", map[string]any{"name": "Łukasz", "email": "lukasz@ops.test", "password": "a first long password", "roles": []string{"support"}}, 201)
	id, version := created["id"].(string), created["version"].(float64)
	if st, _, _ := support.do("GET", "/admin/v1/operators", nil); st != 403 {
		t.Fatalf("support lists operators: %d", st)
	}
	if n := len(admin.json("GET", "/admin/v1/operators", nil, 200)["items"].([]any)); n != 3 {
		t.Fatalf("%d operators", n)
	}
	lukasz := e.anon.as(e.anon.json("POST", "/admin/v1/login", map[string]string{"email": "lukasz@ops.test", "password": "a first long password"}, 200)["token"].(string))
	changed := admin.json("PUT", "/admin/v1/operators/"+id+"/roles", map[string]any{"version": version, "roles": []string{"finance"}}, 200)
	if p := admin.json("PUT", "/admin/v1/operators/"+id+"/roles", map[string]any{"version": version, "roles": []string{"support"}}, 409); p["code"] != "version_conflict" {
		t.Fatalf("stale: %v", p)
	}
	// The new role applies to the live session at once.
	if st, _, _ := lukasz.do("GET", "/admin/v1/users/export?format=csv", nil); st != 200 {
		t.Fatalf("export as finance: %d", st)
	}
	admin.json("PUT", "/admin/v1/operators/"+id+"/active", map[string]any{"version": changed["version"], "active": false, "reason": "left"}, 200)
	if st, _, _ := lukasz.do("GET", "/admin/v1/users", nil); st != 401 {
		t.Fatalf("deactivated operator's session: %d", st)
	}
	if p := admin.json("PUT", "/admin/v1/operators/"+id+"/active", map[string]any{"version": 99, "active": true}, 409); p["code"] != "version_conflict" {
		t.Fatalf("stale reactivation: %v", p)
	}
	if st, _, _ := admin.do("POST", "/admin/v1/operators", map[string]any{"name": "X", "email": "lukasz@ops.test", "password": "a first long password", "roles": []string{"support"}}); st != 409 {
		t.Fatalf("email taken: %d", st)
	}
}

// TestGuestInvitationAndBankAccountAPI: a user invites a guest, the guest
// accepts with their own account; a user sets their bank account; under
// an impersonation neither is allowed.
func TestGuestInvitationAndBankAccountAPI(t *testing.T) {
	t.Parallel()
	e := newE2E(t, dbtest.SQLite(t))
	support := e.operator(usermgmt.RoleSupport)
	owner := e.register("Søren", "Østergaard", "soren@example.com", "+4512345678", "offeror")
	e.register("Iğdır", "Yılmaz", "igdir@example.com", "", "asker")
	login := func(email string) *client {
		return e.anon.as(e.anon.json("POST", "/v1/login", map[string]string{"email": email, "password": "user password 1234"}, 200)["token"].(string))
	}
	me, guest := login("soren@example.com"), login("igdir@example.com")
	inv := me.json("POST", "/v1/me/guests", map[string]any{"email": "igdir@example.com", "roles": []string{"manage_bookings"}}, 201)
	token := inv["invitation_token"].(string)
	if p := login("soren@example.com").json("POST", "/v1/me/guest-invitations", map[string]string{"token": token}, 400); fmt.Sprint(p["errors"]) == "" {
		t.Fatalf("the owner accepts their own invitation: %v", p)
	}
	accepted := guest.json("POST", "/v1/me/guest-invitations", map[string]string{"token": token}, 200)
	if accepted["accepted_at"] == nil {
		t.Fatalf("accepted: %v", accepted)
	}
	if st, _, _ := guest.do("POST", "/v1/me/guest-invitations", map[string]string{"token": token}); st != 404 {
		t.Fatalf("a used token: %d", st)
	}
	if gs := me.json("GET", "/v1/me/guests", nil, 200)["items"].([]any); len(gs) != 1 {
		t.Fatalf("guests: %v", gs)
	}
	card := me.json("PUT", "/v1/me/bank-account", map[string]string{"holder": "Søren Østergaard", "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}, 200)
	if card["bank_account"].(map[string]any)["iban"] != "DE89370400440532013000" {
		t.Fatalf("bank card: %v", card)
	}
	if st, _, _ := me.do("PUT", "/v1/me/bank-account", map[string]string{"holder": "x", "iban": "DE00 0000"}); st != 400 {
		t.Fatalf("bad IBAN: %d", st)
	}
	full := e.anon.as(support.json("POST", "/admin/v1/users/"+owner+"/impersonations", map[string]string{"reason": "ticket 9", "scope": "full"}, 201)["token"].(string))
	for _, c := range []struct {
		path string
		body any
	}{
		{"/v1/me/bank-account", map[string]string{"holder": "Operator", "iban": "DE89370400440532013000"}},
		{"/v1/me/guests", map[string]any{"email": "operator@example.com", "roles": []string{"view_payouts"}}},
	} {
		method := "POST"
		if c.path == "/v1/me/bank-account" {
			method = "PUT"
		}
		if p := full.json(method, c.path, c.body, 403); p["code"] != "forbidden_under_impersonation" {
			t.Fatalf("%s under a full impersonation: %v", c.path, p)
		}
	}
}
