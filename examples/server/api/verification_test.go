package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// from sends a request from a chosen client address (the rate limits
// count by it) with an optional bearer token, and returns the status,
// headers and raw body.
func (e *e2e) from(addr, token, method, path string, body any) (int, http.Header, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.anon.base+path, rd)
	req.Header.Set(testClientAddr, addr)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}

// login logs a user in over HTTP and returns a client with its token.
func (e *e2e) login(email, password string) *client {
	e.t.Helper()
	st, _, raw := e.from("login:"+email, "", "POST", "/v1/login", map[string]string{"email": email, "password": password})
	if st != 200 {
		e.t.Fatalf("login %s: %d %s", email, st, raw)
	}
	var out struct{ Token string }
	_ = json.Unmarshal(raw, &out)
	return e.anon.as(out.Token)
}

// outboxMessage is a message as GET /dev/outbox lists it.
type outboxMessage struct {
	Kind, To, Subject, Text, HTML, Language string
}

// outbox reads the development outbox for one recipient, newest first.
func (e *e2e) outbox(to string) []outboxMessage {
	e.t.Helper()
	st, _, raw := e.anon.do("GET", "/dev/outbox?to="+url.QueryEscape(to), nil)
	if st != 200 {
		e.t.Fatalf("outbox: %d %s", st, raw)
	}
	var out struct{ Items []outboxMessage }
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.Items
}

// kinds lists the kinds of the messages to a recipient, newest first.
func (e *e2e) kinds(to string) []string {
	e.t.Helper()
	var ks []string
	for _, m := range e.outbox(to) {
		ks = append(ks, m.Kind)
	}
	return ks
}

var (
	linkTokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)
	smsCodeRE   = regexp.MustCompile(`\b(\d{6})\b`)
)

// linkToken reads the token of the newest message to a recipient, which
// must be of kind, from its link.
func (e *e2e) linkToken(to, kind string) string {
	e.t.Helper()
	ms := e.outbox(to)
	if len(ms) == 0 || ms[0].Kind != kind {
		e.t.Fatalf("newest message to %s: %v, want %s", to, e.kinds(to), kind)
	}
	m := linkTokenRE.FindStringSubmatch(ms[0].Text)
	if m == nil {
		e.t.Fatalf("no link in %q", ms[0].Text)
	}
	return m[1]
}

// TestEmailLinkEndToEnd: registration sends a verification link, read
// from the development outbox; confirming it verifies the address, once.
func TestEmailLinkEndToEnd(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2E(t, db)
		admin := e.operator(usermgmt.RoleAdmin)
		uid := e.register("Ada", "Lovelace", "ada@example.com", "", "asker")
		ada := e.login("ada@example.com", "user password 1234")
		if got := e.kinds("ada@example.com"); fmt.Sprint(got) != "[email_verification]" {
			t.Fatalf("outbox after registration: %v", got)
		}
		// A new link replaces the previous one.
		first := e.linkToken("ada@example.com", "email_verification")
		ada.json("POST", "/v1/me/email-verification", nil, 202)
		second := e.linkToken("ada@example.com", "email_verification")
		if first == second {
			t.Fatal("the second link repeats the first")
		}
		st, _, raw := e.anon.do("POST", "/v1/email-verification/confirm", map[string]string{"token": first})
		if p := problemOf(t, raw); st != 400 || p.Code != "invalid_link" {
			t.Fatalf("replaced link: %d %s", st, raw)
		}
		if st, _, raw := e.anon.do("POST", "/v1/email-verification/confirm", map[string]string{"token": second}); st != 204 {
			t.Fatalf("confirm: %d %s", st, raw)
		}
		d := admin.json("GET", "/admin/v1/users/"+uid, nil, 200)
		email := d["verifications"].(map[string]any)["email"].(map[string]any)
		if email["verified"] != true || email["by"] != nil || email["at"] == nil {
			t.Fatalf("email flag after the link: %v", email)
		}
		// Single use; and a verified address is not sent another link.
		st, _, raw = e.anon.do("POST", "/v1/email-verification/confirm", map[string]string{"token": second})
		if p := problemOf(t, raw); st != 400 || p.Code != "invalid_link" {
			t.Fatalf("reused link: %d %s", st, raw)
		}
		st, _, raw = ada.do("POST", "/v1/me/email-verification", nil)
		if p := problemOf(t, raw); st != 409 || p.Code != "already_verified" {
			t.Fatalf("verified address: %d %s", st, raw)
		}
		// "Resend my link" answers the same for an address without an
		// account, which is told so.
		_, _, known := e.from("198.51.100.1", "", "POST", "/v1/email-verification/resend", map[string]string{"email": "ada@example.com"})
		st, _, unknown := e.from("198.51.100.1", "", "POST", "/v1/email-verification/resend", map[string]string{"email": "nobody@example.com"})
		if st != 202 || !bytes.Equal(known, unknown) {
			t.Fatalf("resend answers differ: %s / %d %s", known, st, unknown)
		}
		if got := e.kinds("nobody@example.com"); fmt.Sprint(got) != "[no_account]" {
			t.Fatalf("outbox of an address without an account: %v", got)
		}
		if got := e.kinds("ada@example.com"); got[0] != "email_verification" || len(got) != 3 {
			t.Fatalf("outbox after a resend: %v", got)
		}
	})
}

// TestRegisterExistingEmailAnswersLikeNew: registering a taken address
// answers with the same status and body as a new one, creates nothing,
// and tells the owner.
func TestRegisterExistingEmailAnswersLikeNew(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2E(t, db)
		reg := func(email, first string) (int, []byte) {
			st, _, raw := e.from("203.0.113.5", "", "POST", "/v1/register", map[string]any{
				"email": email, "password": "user password 1234", "first_name": first, "last_name": "Hopper",
				"type": "individual", "timezone": "Europe/Paris", "preferred_language": "en", "roles": []string{"asker"},
			})
			return st, raw
		}
		newSt, newBody := reg("grace@example.com", "Grace")
		takenSt, takenBody := reg("Grace@Example.com", "Impostor")
		if newSt != 202 || takenSt != newSt || !bytes.Equal(newBody, takenBody) {
			t.Fatalf("new address: %d %s\ntaken address: %d %s", newSt, newBody, takenSt, takenBody)
		}
		if bytes.Contains(newBody, []byte("grace")) || bytes.Contains(newBody, []byte(`"id"`)) {
			t.Fatalf("the answer tells something: %s", newBody)
		}
		u, err := e.app.users.FindUserByEmail(t.Context(), db, "grace@example.com")
		if err != nil || u.FirstName != "Grace" {
			t.Fatalf("the taken address's account: %+v %v", u, err)
		}
		var n int
		if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM userdesk_users").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d users, %v", n, err)
		}
		if got := e.kinds("grace@example.com"); fmt.Sprint(got) != "[registration_attempt email_verification]" {
			t.Fatalf("the owner's outbox: %v", got)
		}
		// Bad input is refused the same on both paths.
		st1, _, raw1 := e.from("203.0.113.6", "", "POST", "/v1/register", map[string]any{"email": "grace@example.com", "password": "short"})
		st2, _, raw2 := e.from("203.0.113.6", "", "POST", "/v1/register", map[string]any{"email": "other@example.com", "password": "short"})
		p1, p2 := problemOf(t, raw1), problemOf(t, raw2)
		p1.RequestID, p2.RequestID = "", ""
		if st1 != 400 || st1 != st2 || fmt.Sprint(p1) != fmt.Sprint(p2) {
			t.Fatalf("bad input answers differ:\n%d %s\n%d %s", st1, raw1, st2, raw2)
		}
	})
}

// TestEmailChangeThroughLink: PATCH /v1/me with an email keeps the old
// address until the link sent to the new one is used; the old address is
// told; a taken address answers the same and changes nothing.
func TestEmailChangeThroughLink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2E(t, db)
		e.register("Ada", "Lovelace", "ada@example.com", "", "asker")
		e.register("Bob", "Martin", "bob@example.com", "", "asker")
		ada := e.login("ada@example.com", "user password 1234")
		v := ada.json("GET", "/v1/me", nil, 200)["version"]

		out := ada.json("PATCH", "/v1/me", map[string]any{"version": v, "email": "ada.new@example.com", "timezone": "Europe/London"}, 200)
		if out["email"] != "ada@example.com" || out["pending_email"] != "ada.new@example.com" || out["timezone"] != "Europe/London" {
			t.Fatalf("PATCH with a new email: %v", out)
		}
		if me := ada.json("GET", "/v1/me", nil, 200); me["email"] != "ada@example.com" {
			t.Fatalf("the address changed before the link: %v", me["email"])
		}
		// The change to a taken address answers the same (but its own
		// pending address), changes nothing and tells the owner.
		taken := ada.json("PATCH", "/v1/me", map[string]any{"version": out["version"], "email": "bob@example.com"}, 200)
		if taken["email"] != "ada@example.com" || taken["pending_email"] != "bob@example.com" {
			t.Fatalf("PATCH to a taken address: %v", taken)
		}
		if got := e.kinds("bob@example.com"); got[0] != "email_change_attempt" {
			t.Fatalf("the taken address's outbox: %v", got)
		}
		token := e.linkToken("ada.new@example.com", "email_change")
		if st, _, raw := e.anon.do("POST", "/v1/email-change/confirm", map[string]string{"token": token}); st != 204 {
			t.Fatalf("confirm: %d %s", st, raw)
		}
		me := ada.json("GET", "/v1/me", nil, 200)
		if me["email"] != "ada.new@example.com" || me["verifications"].(map[string]any)["email"].(map[string]any)["verified"] != true {
			t.Fatalf("after the link: %v %v", me["email"], me["verifications"])
		}
		if got := e.kinds("ada@example.com"); got[0] != "email_changed" {
			t.Fatalf("the old address was not told: %v", got)
		}
		st, _, raw := e.anon.do("POST", "/v1/email-change/confirm", map[string]string{"token": token})
		if p := problemOf(t, raw); st != 400 || p.Code != "invalid_link" {
			t.Fatalf("reused link: %d %s", st, raw)
		}
		// The dedicated route does the same.
		ch := ada.json("POST", "/v1/me/email-change", map[string]string{"email": "ada.third@example.com"}, 202)
		if ch["pending_email"] != "ada.third@example.com" || ch["status"] != "accepted" {
			t.Fatalf("POST /v1/me/email-change: %v", ch)
		}
		if got := e.kinds("ada.third@example.com"); fmt.Sprint(got) != "[email_change]" {
			t.Fatalf("the new address's outbox: %v", got)
		}
		if me := ada.json("GET", "/v1/me", nil, 200); me["email"] != "ada.new@example.com" {
			t.Fatalf("the address changed before the link: %v", me["email"])
		}
	})
}

// TestPhoneCode: a code by SMS read from the outbox verifies the phone;
// the cool-down refuses a quick resend; wrong codes count down to a dead
// code.
func TestPhoneCode(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2E(t, db)
		admin := e.operator(usermgmt.RoleAdmin)
		uid := e.register("Ada", "Lovelace", "ada@example.com", "+447700900001", "asker")
		e.register("Bob", "Martin", "bob@example.com", "+33612345678", "asker")
		ada := e.login("ada@example.com", "user password 1234")
		bob := e.login("bob@example.com", "user password 1234")

		st := ada.json("POST", "/v1/me/phone-verification", nil, 202)
		if st["sends_left"] != float64(4) || st["checks_left"] != float64(5) || st["expires_at"] == nil {
			t.Fatalf("code status: %v", st)
		}
		status, h, raw := ada.do("POST", "/v1/me/phone-verification", nil)
		p := problemOf(t, raw)
		if status != 429 || p.Code != "rate_limited" || p.Current["limit"] != "cooldown" {
			t.Fatalf("resend inside the cool-down: %d %s", status, raw)
		}
		if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s < 1 || s > 60 {
			t.Fatalf("Retry-After %q", h.Get("Retry-After"))
		}
		ms := e.outbox("+447700900001")
		if len(ms) != 1 || ms[0].Kind != "phone_code" {
			t.Fatalf("SMS outbox: %v", ms)
		}
		code := smsCodeRE.FindStringSubmatch(ms[0].Text)[1]
		wrong := fmt.Sprintf("%06d", (mustAtoi(t, code)+1)%1000000)
		status, _, raw = ada.do("POST", "/v1/me/phone-verification/check", map[string]string{"code": wrong})
		if p := problemOf(t, raw); status != 400 || p.Code != "wrong_code" || p.Current["checks_left"] != float64(4) {
			t.Fatalf("wrong code: %d %s", status, raw)
		}
		if status, _, raw := ada.do("POST", "/v1/me/phone-verification/check", map[string]string{"code": code}); status != 204 {
			t.Fatalf("right code: %d %s", status, raw)
		}
		d := admin.json("GET", "/admin/v1/users/"+uid, nil, 200)
		if ph := d["verifications"].(map[string]any)["phone"].(map[string]any); ph["verified"] != true {
			t.Fatalf("phone flag: %v", ph)
		}
		status, _, raw = ada.do("POST", "/v1/me/phone-verification/check", map[string]string{"code": code})
		if p := problemOf(t, raw); status != 409 || p.Code != "no_live_code" {
			t.Fatalf("spent code: %d %s", status, raw)
		}
		// Wrong until dead: 5 wrong checks, then no live code even for
		// the right one.
		bob.json("POST", "/v1/me/phone-verification", nil, 202)
		bobCode := smsCodeRE.FindStringSubmatch(e.outbox("+33612345678")[0].Text)[1]
		bad := fmt.Sprintf("%06d", (mustAtoi(t, bobCode)+7)%1000000)
		for left := 4; left >= 0; left-- {
			status, _, raw := bob.do("POST", "/v1/me/phone-verification/check", map[string]string{"code": bad})
			if p := problemOf(t, raw); status != 400 || p.Current["checks_left"] != float64(left) {
				t.Fatalf("wrong check, %d left: %d %s", left, status, raw)
			}
		}
		status, _, raw = bob.do("POST", "/v1/me/phone-verification/check", map[string]string{"code": bobCode})
		if p := problemOf(t, raw); status != 409 || p.Code != "no_live_code" {
			t.Fatalf("the right code after 5 wrong ones: %d %s", status, raw)
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPasswordResetLink: "forgot my password" and the operator's reset
// link; using one sets the password and ends every session.
func TestPasswordResetLink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2E(t, db)
		support := e.operator(usermgmt.RoleSupport)
		uid := e.register("Ada", "Lovelace", "ada@example.com", "", "asker")
		phone, laptop := e.login("ada@example.com", "user password 1234"), e.login("ada@example.com", "user password 1234")

		_, _, known := e.from("198.51.100.2", "", "POST", "/v1/password-reset", map[string]string{"email": "ada@example.com"})
		st, _, unknown := e.from("198.51.100.2", "", "POST", "/v1/password-reset", map[string]string{"email": "nobody@example.com"})
		if st != 202 || !bytes.Equal(known, unknown) {
			t.Fatalf("forgot-password answers differ: %s / %d %s", known, st, unknown)
		}
		if got := e.kinds("nobody@example.com"); fmt.Sprint(got) != "[no_account]" {
			t.Fatalf("outbox of an address without an account: %v", got)
		}
		token := e.linkToken("ada@example.com", "password_reset")
		// A refused password leaves the link usable.
		st, _, raw := e.anon.do("POST", "/v1/password-reset/confirm", map[string]string{"token": token, "password": "short"})
		if p := problemOf(t, raw); st != 400 || p.Code != "validation_failed" {
			t.Fatalf("short password: %d %s", st, raw)
		}
		if st, _, raw := e.anon.do("POST", "/v1/password-reset/confirm", map[string]string{"token": token, "password": "a brand new password"}); st != 204 {
			t.Fatalf("reset: %d %s", st, raw)
		}
		for _, c := range []*client{phone, laptop} {
			if st, _, _ := c.do("GET", "/v1/me", nil); st != 401 {
				t.Fatalf("a session survived the reset: %d", st)
			}
		}
		if got := e.kinds("ada@example.com"); got[0] != "password_changed" {
			t.Fatalf("the user was not told: %v", got)
		}
		if st, _, _ := e.from("login:old", "", "POST", "/v1/login", map[string]string{"email": "ada@example.com", "password": "user password 1234"}); st != 401 {
			t.Fatalf("the old password still works: %d", st)
		}
		e.login("ada@example.com", "a brand new password")

		// The operator's reset link, audited; finance may not send one.
		support.json("POST", "/admin/v1/users/"+uid+"/password-reset", nil, 202)
		opToken := e.linkToken("ada@example.com", "password_reset")
		audit := fmt.Sprint(support.json("GET", "/admin/v1/users/"+uid+"/audit", nil, 200)["items"])
		if !regexp.MustCompile(`verification\.password_reset_sent`).MatchString(audit) {
			t.Fatalf("no audit record of the reset link: %s", audit)
		}
		finance := e.operator(usermgmt.RoleFinance)
		if st, _, raw := finance.do("POST", "/admin/v1/users/"+uid+"/password-reset", nil); st != 403 {
			t.Fatalf("finance sent a reset link: %d %s", st, raw)
		}
		if st, _, raw := e.anon.do("POST", "/v1/password-reset/confirm", map[string]string{"token": opToken, "password": "yet another password"}); st != 204 {
			t.Fatalf("reset from the operator's link: %d %s", st, raw)
		}
		e.login("ada@example.com", "yet another password")
	})
}

// TestIDVerificationWithEvidence: the operator sets and clears the ID
// verification with a reason and a reference, shown in the user detail;
// the checkbox route keeps working.
func TestIDVerificationWithEvidence(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2E(t, db)
		support := e.operator(usermgmt.RoleSupport)
		supportID := e.operatorID(usermgmt.RoleSupport).String()
		uid := e.register("Ada", "Lovelace", "ada@example.com", "", "offeror")
		u := "/admin/v1/users/" + uid

		before := e.version(uid)
		rec := support.json("PUT", u+"/id-verification", map[string]any{"version": before, "verified": true, "reason": "passport checked on a call", "reference": "KYC-4242"}, 200)
		if rec["source"] != "operator" || rec["operator_id"] != supportID || rec["reference"] != "KYC-4242" || rec["version"] != float64(e.version(uid)) {
			t.Fatalf("record: %v", rec)
		}
		// One change is one version, as for every other guarded write.
		if after := e.version(uid); after != before+1 {
			t.Fatalf("version %d → %d, want one step", before, after)
		}
		// Setting the flag it already has, with new evidence, still claims
		// the version the operator read.
		again := support.json("PUT", u+"/id-verification", map[string]any{"version": before + 1, "verified": true, "reason": "second look", "reference": "KYC-4243"}, 200)
		if again["version"] != float64(before+2) || e.version(uid) != before+2 {
			t.Fatalf("no-op set: %v, version %d", again, e.version(uid))
		}
		if st, _, _ := support.do("PUT", u+"/id-verification", map[string]any{"version": before + 1, "verified": true, "reason": "stale twin"}); st != 409 {
			t.Fatalf("stale no-op set: %d", st)
		}
		d := support.json("GET", u, nil, 200)
		id := d["verifications"].(map[string]any)["id"].(map[string]any)
		if id["verified"] != true || id["by"] != supportID {
			t.Fatalf("id flag: %v", id)
		}
		ev := support.json("GET", u+"/id-verification", nil, 200)["items"].([]any)
		if len(ev) != 2 || ev[1].(map[string]any)["reason"] != "passport checked on a call" || ev[1].(map[string]any)["reference"] != "KYC-4242" ||
			ev[1].(map[string]any)["source"] != "operator" || ev[1].(map[string]any)["operator_id"] != supportID || ev[1].(map[string]any)["at"] == nil {
			t.Fatalf("evidence: %v", ev)
		}
		// Clearing needs a reason too; a stale version is a conflict.
		st, _, raw := support.do("PUT", u+"/id-verification", map[string]any{"version": e.version(uid), "verified": false, "reason": ""})
		if p := problemOf(t, raw); st != 400 || len(p.Errors) == 0 || p.Errors[0].Name != "reason" {
			t.Fatalf("no reason: %d %s", st, raw)
		}
		if st, _, _ := support.do("PUT", u+"/id-verification", map[string]any{"version": 1, "verified": false, "reason": "stale"}); st != 409 {
			t.Fatalf("stale version: %d", st)
		}
		support.json("PUT", u+"/id-verification", map[string]any{"version": e.version(uid), "verified": false, "reason": "document expired"}, 200)
		hist := support.json("GET", u+"/id-verification", nil, 200)["items"].([]any)
		if len(hist) != 3 || hist[0].(map[string]any)["verified"] != false || hist[0].(map[string]any)["reason"] != "document expired" {
			t.Fatalf("history: %v", hist)
		}
		// The checkbox keeps working, without evidence.
		support.json("PUT", u+"/verifications", map[string]any{"version": e.version(uid), "id": true}, 200)
		d = support.json("GET", u, nil, 200)
		if ev := support.json("GET", u+"/id-verification", nil, 200)["items"].([]any); d["verifications"].(map[string]any)["id"].(map[string]any)["verified"] != true || len(ev) != 3 {
			t.Fatalf("after the checkbox: %v %v", d["verifications"], ev)
		}
		// Finance lacks the permission.
		finance := e.operator(usermgmt.RoleFinance)
		if st, _, _ := finance.do("PUT", u+"/id-verification", map[string]any{"version": e.version(uid), "verified": true, "reason": "x"}); st != 403 {
			t.Fatalf("finance set the ID verification: %d", st)
		}
	})
}

// TestVerificationRateLimits: the message-sending routes are limited per
// address, per client address and per user, with 429 rate_limited and
// Retry-After; a refused request sends nothing.
func TestVerificationRateLimits(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2E(t, db)
		limited := func(st int, h http.Header, raw []byte, scope string) {
			t.Helper()
			p := problemOf(t, raw)
			if st != 429 || p.Code != "rate_limited" || p.Current["limit"] != scope || h.Get("Retry-After") == "" {
				t.Fatalf("want 429 rate_limited (%s) with Retry-After: %d %v %s", scope, st, h, raw)
			}
		}
		// Per address, whoever asks and through whichever route: 5 an hour.
		for i := range 5 {
			path := []string{"/v1/password-reset", "/v1/email-verification/resend"}[i%2]
			if st, _, raw := e.from(fmt.Sprintf("192.0.2.%d", 10+i), "", "POST", path, map[string]string{"email": "target@example.com"}); st != 202 {
				t.Fatalf("request %d: %d %s", i, st, raw)
			}
		}
		st, h, raw := e.from("192.0.2.99", "", "POST", "/v1/password-reset", map[string]string{"email": "Target@example.com"})
		limited(st, h, raw, "address")
		st, h, raw = e.from("192.0.2.98", "", "POST", "/v1/register", map[string]any{
			"email": "target@example.com", "password": "user password 1234", "first_name": "T", "last_name": "T", "type": "individual", "roles": []string{"asker"},
		})
		limited(st, h, raw, "address")
		if n := len(e.outbox("target@example.com")); n != 5 {
			t.Fatalf("%d messages to the address, want 5", n)
		}
		// Per client address: 30 an hour, whatever the addresses.
		for i := range 30 {
			if st, _, raw := e.from("203.0.113.77", "", "POST", "/v1/password-reset", map[string]string{"email": fmt.Sprintf("c%d@example.com", i)}); st != 202 {
				t.Fatalf("request %d: %d %s", i, st, raw)
			}
		}
		st, h, raw = e.from("203.0.113.77", "", "POST", "/v1/password-reset", map[string]string{"email": "c30@example.com"})
		limited(st, h, raw, "client")
		if n := len(e.outbox("c30@example.com")); n != 0 {
			t.Fatalf("a refused request sent %d messages", n)
		}
		// Per user: 10 an hour (changes of address to 10 new addresses).
		e.register("Ada", "Lovelace", "ada@example.com", "", "asker")
		ada := e.login("ada@example.com", "user password 1234")
		for i := range 10 {
			if st, _, raw := e.from(fmt.Sprintf("198.51.100.%d", 50+i), ada.token, "POST", "/v1/me/email-change", map[string]string{"email": fmt.Sprintf("ada%d@example.com", i)}); st != 202 {
				t.Fatalf("change %d: %d %s", i, st, raw)
			}
		}
		st, h, raw = e.from("198.51.100.99", ada.token, "POST", "/v1/me/email-change", map[string]string{"email": "ada.last@example.com"})
		limited(st, h, raw, "user")
	})
}

// TestDevOutboxOnlyInDemo: without demo mode the outbox route does not
// exist.
func TestDevOutboxOnlyInDemo(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2EWith(t, db, func(c *Config) { c.DevOutbox = false })
		e.register("Ada", "Lovelace", "ada@example.com", "", "asker")
		st, _, raw := e.anon.do("GET", "/dev/outbox", nil)
		if p := problemOf(t, raw); st != 404 || p.Code != "route_not_found" {
			t.Fatalf("outbox outside demo mode: %d %s", st, raw)
		}
	})
}
