package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// TestMeExport downloads a user's own data end to end: the profile, the
// bank account and guests, and every reservation, event and device;
// never a push token, nothing of another user; 401 without a session, 403
// under an impersonation.
func TestMeExport(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		e := newE2E(t, db)
		support := e.operator(usermgmt.RoleSupport)
		ada := e.register("Ada", "Lovelace", "ada@example.com", "+33612345678", "asker")
		bob := e.register("Bob", "Other", "bob@example.com", "", "asker")
		adaID, bobID := uuid.MustParse(ada), uuid.MustParse(bob)
		users, act := e.app.users, e.app.activity
		if err := users.SetOwnBankAccount(ctx, db, adaID, usermgmt.BankAccount{Holder: "Ada Lovelace", IBAN: "FR1420041010050500013M02606"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := users.InviteGuest(ctx, db, adaID, usermgmt.GuestInvite{Email: "helper@example.com", Roles: []usermgmt.GuestRole{usermgmt.GuestManageBookings}}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		for _, u := range []struct {
			id  uuid.UUID
			tag string
		}{{adaID, "ada"}, {bobID, "bob"}} {
			for i, ch := range []activity.Channel{activity.ChannelApp, activity.ChannelBot, activity.ChannelWeb} {
				if _, _, err := act.RecordReservation(ctx, db, activity.ReservationRecord{
					UserID: u.id, Provider: "sevenrooms", ProviderID: fmt.Sprintf("%s-r-%d", u.tag, i), VenueName: "Chez " + u.tag,
					Channel: ch, Role: usermgmt.RoleAsker, BookedAt: now.Add(-72 * time.Hour), VisitAt: now.Add(time.Duration(i-1) * 48 * time.Hour),
					VisitTimezone: "Europe/Paris", PartySize: 2, Status: activity.StatusBooked, SyncedAt: now,
				}); err != nil {
					t.Fatal(err)
				}
			}
			evs := make([]activity.NewEvent, 120) // a batch large enough for COPY on PostgreSQL
			for i := range evs {
				evs[i] = activity.NewEvent{UserID: u.id, OccurredAt: now.Add(-time.Duration(i) * time.Minute), Type: "app.screen_view",
					Channel: activity.ChannelApp, Attributes: map[string]any{"screen": u.tag + "-screen"}}
			}
			if _, err := act.RecordEvents(ctx, db, evs); err != nil {
				t.Fatal(err)
			}
			token := "push-token-of-" + u.tag
			for i, id := range []string{u.tag + "-old-phone", u.tag + "-new-phone"} {
				if _, err := act.RecordDevice(ctx, db, activity.DeviceSighting{UserID: u.id, DeviceID: id, Kind: activity.DeviceIOS, AppVersion: "3.4.0",
					PushToken: &token, SeenAt: now.Add(time.Duration(i-2) * time.Minute)}); err != nil {
					t.Fatal(err)
				}
			}
		}

		user := e.anon.as(e.anon.json("POST", "/v1/login", map[string]string{"email": "ada@example.com", "password": "user password 1234"}, 200)["token"].(string))
		status, hdr, raw := user.do("GET", "/v1/me/export", nil)
		if status != http.StatusOK {
			t.Fatalf("export: %d %.300s", status, raw)
		}
		if cd := hdr.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
			t.Errorf("Content-Disposition %q", cd)
		}
		body := string(raw)
		for _, leak := range []string{"push-token-of", `"push_token"`, "bob", "Bob", "password_hash", "token_hash"} {
			if strings.Contains(body, leak) {
				t.Errorf("the export holds %q", leak)
			}
		}
		for _, want := range []string{"ada@example.com", "FR1420041010050500013M02606", "helper@example.com", "ada-screen", "Chez ada", "ada-new-phone", "ada-old-phone"} {
			if !strings.Contains(body, want) {
				t.Errorf("the export lacks %q", want)
			}
		}
		doc := user.json("GET", "/v1/me/export", nil, 200)
		if doc["user_id"] != ada || doc["user"].(map[string]any)["id"] != ada {
			t.Fatalf("user: %v %v", doc["user_id"], doc["user"])
		}
		if len(doc["guests"].([]any)) != 1 || doc["bank_account"] == nil {
			t.Fatalf("guests %v, bank account %v", doc["guests"], doc["bank_account"])
		}
		a := doc["activity"].(map[string]any)
		if n := len(a["reservations"].([]any)); n != 3 {
			t.Errorf("reservations: %d, want every channel's 3", n)
		}
		if n := len(a["events"].([]any)); n != 120 {
			t.Errorf("events: %d, want 120", n)
		}
		devs := a["devices"].([]any)
		if len(devs) != 2 || devs[0].(map[string]any)["has_push_token"] != true {
			t.Errorf("devices: %v", devs)
		}

		status, _, _ = e.anon.do("GET", "/v1/me/export", nil)
		if status != http.StatusUnauthorized {
			t.Fatalf("anonymous export: %d", status)
		}
		for _, scope := range []string{"read_only", "full"} {
			imp := e.anon.as(support.json("POST", "/admin/v1/users/"+ada+"/impersonations", map[string]string{"reason": "help", "scope": scope}, 201)["token"].(string))
			status, _, raw = imp.do("GET", "/v1/me/export", nil)
			wantProblem(t, status, raw, 403, "forbidden_under_impersonation", "")
		}
	})
}
