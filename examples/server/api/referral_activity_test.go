package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// problemOf decodes a problem document.
func problemOf(t *testing.T, raw []byte) problem {
	t.Helper()
	var p problem
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("not a problem document: %q", raw)
	}
	return p
}

// wantProblem checks a status, a code and, when field is set, that the
// problem names it.
func wantProblem(t *testing.T, status int, raw []byte, wantStatus int, code, field string) problem {
	t.Helper()
	p := problemOf(t, raw)
	if status != wantStatus || p.Code != code {
		t.Fatalf("got %d %s, want %d %s: %s", status, p.Code, wantStatus, code, raw)
	}
	if field != "" {
		for _, f := range p.Errors {
			if f.Name == field {
				return p
			}
		}
		t.Fatalf("problem does not name %s: %s", field, raw)
	}
	return p
}

func TestReferralRoutes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		e := newE2E(t, db)
		finance, support := e.operator(usermgmt.RoleFinance), e.operator(usermgmt.RoleSupport)
		ada := e.register("Ada", "Lovelace", "ada@example.com", "", "asker")
		bob := e.register("Bob", "Builder", "bob@example.com", "", "asker")
		acct, err := e.app.referral.Open(ctx, db, uuid.MustParse(ada))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.referral.Attach(ctx, db, uuid.MustParse(bob), *acct.Code, referral.Signals{}); err != nil {
			t.Fatal(err)
		}

		// The card: code, balance (3 initial credits, one consumed or
		// not), the referee.
		card := finance.json("GET", "/admin/v1/users/"+ada+"/referral", nil, 200)
		if card["code"] != *acct.Code || card["referee_count"].(float64) != 1 {
			t.Fatalf("card: %v", card)
		}
		version := int64(card["version"].(float64))
		entries := finance.json("GET", "/admin/v1/users/"+ada+"/referral/entries?limit=5", nil, 200)
		if len(entries["entries"].([]any)) == 0 {
			t.Fatalf("no ledger entries: %v", entries)
		}

		// Set, then a stale set: 409 with the current value.
		set := finance.json("PUT", "/admin/v1/users/"+ada+"/referral/credits", map[string]any{"version": version, "to": 7, "reason": "goodwill"}, 200)
		if set["balance"].(float64) != 7 {
			t.Fatalf("set: %v", set)
		}
		status, _, raw := finance.do("PUT", "/admin/v1/users/"+ada+"/referral/credits", map[string]any{"version": version, "to": 9})
		p := wantProblem(t, status, raw, 409, "credits_version_conflict", "")
		if p.Current["balance"].(float64) != 7 || int64(p.Current["version"].(float64)) != int64(set["version"].(float64)) {
			t.Fatalf("stale answer lacks the current value: %s", raw)
		}
		// Step -1 and +1.
		step := finance.json("POST", "/admin/v1/users/"+ada+"/referral/credit-steps", map[string]any{"delta": -1}, 200)
		if step["balance"].(float64) != 6 {
			t.Fatalf("step: %v", step)
		}
		finance.json("POST", "/admin/v1/users/"+ada+"/referral/credit-steps", map[string]any{"delta": 1}, 200)
		status, _, raw = finance.do("POST", "/admin/v1/users/"+ada+"/referral/credit-steps", map[string]any{"delta": 5})
		wantProblem(t, status, raw, 400, "validation_failed", "delta")
		// Support may not change credits.
		status, _, raw = support.do("POST", "/admin/v1/users/"+ada+"/referral/credit-steps", map[string]any{"delta": 1})
		wantProblem(t, status, raw, 403, "forbidden", "")

		// Referrer: a reason is required; self-referral names the field;
		// removal works for support.
		status, _, raw = support.do("PUT", "/admin/v1/users/"+bob+"/referral/referrer", map[string]any{"referrer_id": ada})
		wantProblem(t, status, raw, 400, "validation_failed", "reason")
		status, _, raw = support.do("PUT", "/admin/v1/users/"+bob+"/referral/referrer", map[string]any{"referrer_id": bob, "reason": "typo"})
		wantProblem(t, status, raw, 400, "validation_failed", "referrer_id")
		ref := support.json("PUT", "/admin/v1/users/"+bob+"/referral/referrer", map[string]any{"referrer_id": nil, "reason": "asked by the user"}, 200)
		if ref["referrer_id"] != nil {
			t.Fatalf("referrer not removed: %v", ref)
		}

		// Flags: support may not list them; a bad status names the field;
		// clearing an unknown flag is 404; a flag raised is listed and cleared.
		status, _, raw = support.do("GET", "/admin/v1/referral/flags", nil)
		wantProblem(t, status, raw, 403, "forbidden", "")
		status, _, raw = finance.do("GET", "/admin/v1/referral/flags?status=bogus", nil)
		wantProblem(t, status, raw, 400, "validation_failed", "status")
		status, _, raw = finance.do("GET", "/admin/v1/referral/flags?referrer_id=nope", nil)
		wantProblem(t, status, raw, 400, "validation_failed", "referrer_id")
		status, _, raw = finance.do("POST", "/admin/v1/referral/flags/"+uuid.NewString()+"/clear", map[string]any{"reason": "fine"})
		wantProblem(t, status, raw, 404, "not_found", "")
		status, _, raw = finance.do("POST", "/admin/v1/referral/flags/not-a-uuid/clear", map[string]any{"reason": "fine"})
		wantProblem(t, status, raw, 400, "invalid_path_parameter", "id")
		// A referee sharing the referrer's device raises a flag.
		if err := e.app.referral.RecordDevice(ctx, db, uuid.MustParse(ada), "shared-phone"); err != nil {
			t.Fatal(err)
		}
		cyd := e.register("Cyd", "Charisse", "cyd@example.com", "", "asker")
		if err := e.app.referral.RecordDevice(ctx, db, uuid.MustParse(cyd), "shared-phone"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.referral.Attach(ctx, db, uuid.MustParse(cyd), *acct.Code, referral.Signals{DeviceID: "shared-phone"}); err != nil {
			t.Fatal(err)
		}
		flags := finance.json("GET", "/admin/v1/referral/flags?referrer_id="+ada, nil, 200)["flags"].([]any)
		if len(flags) == 0 {
			t.Fatal("no flag raised for a shared device")
		}
		id := flags[0].(map[string]any)["id"].(string)
		status, _, raw = finance.do("POST", "/admin/v1/referral/flags/"+id+"/clear", map[string]any{"reason": " "})
		wantProblem(t, status, raw, 400, "validation_failed", "reason")
		finance.json("POST", "/admin/v1/referral/flags/"+id+"/clear", map[string]any{"reason": "same household"}, 200)
		status, _, raw = finance.do("POST", "/admin/v1/referral/flags/"+id+"/clear", map[string]any{"reason": "again"})
		wantProblem(t, status, raw, 409, "conflict", "")
	})
}

func TestAreaUnavailable(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2EWith(t, db, func(c *Config) { c.Referral, c.Activity = nil, nil })
		admin := e.operator(usermgmt.RoleAdmin)
		uid := e.register("Ada", "Lovelace", "ada@example.com", "", "asker")
		for _, path := range []string{"/admin/v1/users/" + uid + "/referral", "/admin/v1/users/" + uid + "/devices"} {
			status, _, raw := admin.do("GET", path, nil)
			wantProblem(t, status, raw, 503, "area_unavailable", "")
		}
	})
}

func TestActivityRoutes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		e := newE2E(t, db)
		support, finance := e.operator(usermgmt.RoleSupport), e.operator(usermgmt.RoleFinance)
		ada := e.register("Ada", "Lovelace", "ada@example.com", "", "asker")
		adaID := uuid.MustParse(ada)
		now := time.Now().UTC()
		act := e.app.activity
		for i, ch := range []activity.Channel{activity.ChannelApp, activity.ChannelBot, activity.ChannelWeb} {
			for j, visit := range []time.Time{now.Add(-48 * time.Hour), now.Add(48 * time.Hour)} {
				if _, _, err := act.RecordReservation(ctx, db, activity.ReservationRecord{
					UserID: adaID, Provider: "sevenrooms", ProviderID: fmt.Sprintf("r-%d-%d", i, j), VenueID: "v1", VenueName: "Chez Test",
					Channel: ch, Role: usermgmt.RoleAsker, BookedAt: now.Add(-72 * time.Hour), VisitAt: visit, VisitTimezone: "Europe/Paris",
					PartySize: 2, Status: activity.StatusBooked, SyncedAt: now,
				}); err != nil {
					t.Fatal(err)
				}
			}
		}
		card := support.json("GET", "/admin/v1/users/"+ada+"/reservations", nil, 200)
		if len(card["upcoming"].([]any)) != 2 || len(card["past"].([]any)) != 2 {
			t.Fatalf("App and Bot only, by default: %v", card)
		}
		card = support.json("GET", "/admin/v1/users/"+ada+"/reservations?channel=all", nil, 200)
		if len(card["upcoming"].([]any)) != 3 {
			t.Fatalf("channel=all: %v", card)
		}
		card = support.json("GET", "/admin/v1/users/"+ada+"/reservations?channel=web", nil, 200)
		if len(card["upcoming"].([]any)) != 1 {
			t.Fatalf("channel=web: %v", card)
		}
		status, _, raw := support.do("GET", "/admin/v1/users/"+ada+"/reservations?channel=fax", nil)
		wantProblem(t, status, raw, 400, "validation_failed", "channels[0]")

		if _, err := act.RecordEvents(ctx, db, []activity.NewEvent{
			{UserID: adaID, OccurredAt: now.Add(-time.Hour), Type: "app.open", Channel: activity.ChannelApp},
			{UserID: adaID, OccurredAt: now.Add(-time.Minute), Type: "bot.message", Channel: activity.ChannelBot, Attributes: map[string]any{"intent": "book"}},
		}); err != nil {
			t.Fatal(err)
		}
		tl := support.json("GET", "/admin/v1/users/"+ada+"/events?operator_actions=false", nil, 200)
		if tl["events"].(float64) != 2 {
			t.Fatalf("timeline: %v", tl)
		}
		tl = support.json("GET", "/admin/v1/users/"+ada+"/events?type=bot.message&from="+now.Add(-2*time.Hour).Format(time.RFC3339), nil, 200)
		if tl["events"].(float64) != 1 {
			t.Fatalf("filtered timeline: %v", tl)
		}
		status, _, raw = support.do("GET", "/admin/v1/users/"+ada+"/events?from=yesterday", nil)
		wantProblem(t, status, raw, 400, "validation_failed", "from")

		for i, id := range []string{"old-phone", "new-phone"} {
			if _, err := act.RecordDevice(ctx, db, activity.DeviceSighting{UserID: adaID, DeviceID: id, Kind: activity.DeviceIOS, AppVersion: "1.0.0", SeenAt: now.Add(time.Duration(i-2) * time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		devs := support.json("GET", "/admin/v1/users/"+ada+"/devices", nil, 200)["items"].([]any)
		if len(devs) != 2 || devs[0].(map[string]any)["device_id"] != "new-phone" {
			t.Fatalf("devices, current first: %v", devs)
		}
		status, _, raw = support.do("POST", "/admin/v1/users/"+ada+"/devices/old-phone/revoke", map[string]any{})
		wantProblem(t, status, raw, 400, "validation_failed", "reason")
		// Finance holds neither activity permission by default.
		status, _, raw = finance.do("POST", "/admin/v1/users/"+ada+"/devices/old-phone/revoke", map[string]any{"reason": "lost"})
		wantProblem(t, status, raw, 403, "forbidden", "")
		for _, path := range []string{"reservations", "events", "devices"} {
			status, _, raw = finance.do("GET", "/admin/v1/users/"+ada+"/"+path, nil)
			wantProblem(t, status, raw, 403, "forbidden", "")
		}
		support.json("POST", "/admin/v1/users/"+ada+"/devices/old-phone/revoke", map[string]any{"reason": "lost phone"}, 200)
		status, _, raw = support.do("POST", "/admin/v1/users/"+ada+"/devices/no-such-phone/revoke", map[string]any{"reason": "lost"})
		wantProblem(t, status, raw, 404, "not_found", "")

		// Front office: the user's own devices, revoking one; refused
		// under an impersonation.
		user := e.anon.as(e.anon.json("POST", "/v1/login", map[string]string{"email": "ada@example.com", "password": "user password 1234"}, 200)["token"].(string))
		own := user.json("GET", "/v1/me/devices", nil, 200)["items"].([]any)
		if len(own) != 2 {
			t.Fatalf("own devices: %v", own)
		}
		imp := e.anon.as(support.json("POST", "/admin/v1/users/"+ada+"/impersonations", map[string]string{"reason": "help", "scope": "full"}, 201)["token"].(string))
		status, _, raw = imp.do("POST", "/v1/me/devices/new-phone/revoke", nil)
		wantProblem(t, status, raw, 403, "forbidden_under_impersonation", "")
		user.json("POST", "/v1/me/devices/new-phone/revoke", nil, 200)
		status, _, raw = user.do("POST", "/v1/me/devices/no-such-phone/revoke", nil)
		wantProblem(t, status, raw, 404, "not_found", "")
		status, _, _ = e.anon.do("GET", "/v1/me/devices", nil)
		if status != http.StatusUnauthorized {
			t.Fatalf("anonymous own devices: %d", status)
		}
	})
}
