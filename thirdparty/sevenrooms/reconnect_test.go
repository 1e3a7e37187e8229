package sevenrooms_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// remote is the SevenRooms profile of the reconnect scenarios: the same
// person as the app user, with another first name, another phone and a
// birthday without a year.
func remote() sevenrooms.Profile {
	return sevenrooms.Profile{
		FirstName: "Camila", LastName: "Durand", Email: "camille.sr@example.com", PhoneNumber: "+33 7 00 00 00 01",
		BirthdayDay: 3, BirthdayMonth: 4, City: "Paris", Country: "FR", TotalVisits: 12,
	}
}

func managerURL(id string) string {
	return "https://www.sevenrooms.com/manager/lebistro/clients/profile/" + id + "?tab=profile#top"
}

func reconnectOf(pv *sevenrooms.Preview, d map[string]thirdparty.Decision) sevenrooms.Reconnect {
	return sevenrooms.Reconnect{
		UserID: pv.User.ID, ClientID: pv.Parsed.ClientID, Decisions: d, UserVersion: pv.UserVersion,
		LinkVersion: pv.LinkVersion, ProfileUpdated: pv.ProfileUpdated, Reason: "user asked to be reconnected",
	}
}

func TestPreviewReconnect(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		id := w.fake.AddProfile(remote())
		// Two other profiles share the remote's phone, one its email.
		w.fake.AddProfile(sevenrooms.Profile{FirstName: "X", PhoneNumber: "+33700000001"})
		w.fake.AddProfile(sevenrooms.Profile{FirstName: "Y", PhoneNumber: "+33700000001", Email: "camille.sr@example.com"})
		w.fake.AddProfile(sevenrooms.Profile{FirstName: "Z", Email: "CAMILLE.SR@example.com"})
		pv, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, managerURL(id))
		if err != nil {
			t.Fatal(err)
		}
		if pv.Parsed.ClientID != id || pv.Parsed.Venue != "lebistro" || pv.Duplicates != 3 || pv.LinkVersion != 0 {
			t.Fatalf("preview %+v", pv)
		}
		want := map[string]struct {
			choice thirdparty.Choice
			rule   thirdparty.Rule
		}{
			sevenrooms.FieldFirstName: {thirdparty.KeepApp, thirdparty.RuleAppDefault},
			sevenrooms.FieldLastName:  {thirdparty.KeepApp, thirdparty.RuleEqual},
			sevenrooms.FieldEmail:     {thirdparty.KeepApp, thirdparty.RuleVerified},
			sevenrooms.FieldPhone:     {thirdparty.KeepApp, thirdparty.RuleVerified},
			sevenrooms.FieldBirthday:  {thirdparty.KeepApp, thirdparty.RuleAppDefault},
			sevenrooms.FieldCity:      {thirdparty.KeepApp, thirdparty.RuleEqual},
			sevenrooms.FieldCountry:   {thirdparty.KeepApp, thirdparty.RuleEqual},
		}
		for name, wf := range want {
			f, ok := pv.Plan.Field(name)
			if !ok || f.Choice != wf.choice || f.Rule != wf.rule {
				t.Errorf("%s: %+v; want %s/%s", name, f, wf.choice, wf.rule)
			}
		}
		// Refusals before any call: a bad link, a profile of another user.
		if _, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, "https://www.sevenrooms.com/reservations/lebistro"); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("guest url: %v", err)
		}
		other := w.user(t, false)
		taken := w.linkTo(t, other.ID, sevenrooms.Profile{FirstName: "Other"})
		if _, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, taken); !errors.Is(err, thirdparty.ErrTaken) {
			t.Fatalf("taken: %v", err)
		}
		// A deleted profile.
		gone := w.fake.AddProfile(sevenrooms.Profile{FirstName: "Gone"})
		w.fake.DeleteProfile(gone)
		if _, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, gone); !errors.Is(err, sevenrooms.ErrDeleted) {
			t.Fatalf("deleted: %v", err)
		}
		// A demo id sent to production is refused by the parser.
		demo := sevenroomstest.ClientID("s~sevenrooms-secure-demo", "group-1", 9)
		if _, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, demo); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("demo id: %v", err)
		}
	})
}

func TestApplyReconnect(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		old := w.linkTo(t, u.ID, sevenrooms.Profile{FirstName: "Old"})
		w.fake.DeleteProfile(old)
		id := w.fake.AddProfile(remote())
		pv, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, managerURL(id))
		if err != nil {
			t.Fatal(err)
		}
		m, err := w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pv, map[string]thirdparty.Decision{
			sevenrooms.FieldFirstName: {Choice: thirdparty.TakeProvider},
		}))
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != sevenrooms.MergeApplied || m.PreviousClientID != old {
			t.Fatalf("merge %+v", m)
		}
		// App: the provider's first name; everything else kept.
		got := w.reload(t, u.ID)
		if got.FirstName != "Camila" || got.Email != u.Email || got.Phone != u.Phone || got.Version != u.Version+1 {
			t.Fatalf("app user %s %s %s v%d", got.FirstName, got.Email, got.Phone, got.Version)
		}
		// SevenRooms: the app's email, phone, birthday (day and month).
		p := w.fake.Profile(id)
		if p.FirstName != "Camila" || p.Email != u.Email || p.PhoneNumber != u.Phone || p.BirthdayDay != 17 || p.BirthdayMonth != 5 || p.ExternalUserID != u.ID.String() {
			t.Fatalf("profile %+v", p)
		}
		l := w.link(t, u.ID)
		if l.Status != thirdparty.StatusLinked || l.ExternalID != id || len(l.Snapshot) == 0 {
			t.Fatalf("link %+v", l)
		}
		if w.audits(t, thirdparty.ActionReconnect) != 1 {
			t.Fatal("no reconnect audit record")
		}
		// The same preview cannot be applied twice.
		if _, err := w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pv, nil)); !errors.Is(err, thirdparty.ErrConflict) {
			t.Fatalf("second apply: %v", err)
		}
	})
}

func TestApplyRefusesChangesSincePreview(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		id := w.fake.AddProfile(remote())
		pv, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Minute)
		w.fake.EditProfile(id, func(p *sevenrooms.Profile) { p.LastName = "Martin" })
		if _, err := w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pv, nil)); !errors.Is(err, thirdparty.ErrConflict) {
			t.Fatalf("profile changed: %v", err)
		}
		if w.api.updateProfile != 0 || w.reload(t, u.ID).Version != u.Version {
			t.Fatal("something was written")
		}
		// A bad decision is refused before anything is written.
		pv, err = w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pv, map[string]thirdparty.Decision{
			sevenrooms.FieldBirthday: {Choice: thirdparty.TakeProvider},
		}))
		var verr *usermgmt.ValidationError
		if !errors.As(err, &verr) || !verr.Has(sevenrooms.FieldBirthday) {
			t.Fatalf("yearless birthday: %v", err)
		}
		// An app refusal known in advance (a malformed typed email) never
		// touches SevenRooms.
		pv, err = w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pv, map[string]thirdparty.Decision{
			sevenrooms.FieldEmail: {Choice: thirdparty.TypeValue, Value: thirdparty.Text("not an email")},
		}))
		if !errors.Is(err, usermgmt.ErrInvalid) || w.api.updateProfile != 0 {
			t.Fatalf("bad email: %v, %d SevenRooms updates", err, w.api.updateProfile)
		}
		if r := reconnectOf(pv, nil); true {
			r.Reason = ""
			if _, err := w.svc.ApplyReconnect(ctx, db, w.support.ID, r); !errors.Is(err, usermgmt.ErrInvalid) {
				t.Fatalf("no reason: %v", err)
			}
		}
	})
}

func TestConcurrentReconnects(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		a := w.fake.AddProfile(remote())
		b := w.fake.AddProfile(sevenrooms.Profile{FirstName: "Camille", LastName: "Durand", Email: "c2@example.com"})
		other := newOperator(t, w)
		pa, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, a)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := w.svc.PreviewReconnect(ctx, db, other, u.ID, b)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		wg.Go(func() { <-start; _, errs[0] = w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pa, nil)) })
		wg.Go(func() { <-start; _, errs[1] = w.svc.ApplyReconnect(ctx, db, other, reconnectOf(pb, nil)) })
		close(start)
		wg.Wait()
		wins, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, thirdparty.ErrConflict):
				conflicts++
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if wins != 1 || conflicts != 1 {
			t.Fatalf("wins %d, conflicts %d: %v", wins, conflicts, errs)
		}
		l := w.link(t, u.ID)
		winner := a
		if errs[0] != nil {
			winner = b
		}
		if l.ExternalID != winner || l.Status != thirdparty.StatusLinked {
			t.Fatalf("link %+v; want %s", l, winner)
		}
	})
}

func newOperator(t *testing.T, w *world) uuid.UUID {
	t.Helper()
	return usermgmttest.Operator(t, w.um, w.db, usermgmt.RoleSupport).ID
}

func TestCompensation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		id := w.fake.AddProfile(remote())
		before := *w.fake.Profile(id)
		pv, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		// The app user changes while SevenRooms is updated: the app step
		// fails after SevenRooms was written, which is then restored.
		w.api.afterNextUpdate(func() {
			if _, err := w.um.UpdateOwnProfile(ctx, db, u.ID, usermgmt.UserUpdate{Version: u.Version, LastName: ptr("Lefebvre")}); err != nil {
				t.Error(err)
			}
		})
		_, err = w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pv, map[string]thirdparty.Decision{
			sevenrooms.FieldFirstName: {Choice: thirdparty.TakeProvider},
		}))
		if !errors.Is(err, usermgmt.ErrStaleVersion) {
			t.Fatalf("err = %v; want the app's stale version", err)
		}
		after := w.fake.Profile(id)
		if after.Email != before.Email || after.PhoneNumber != before.PhoneNumber || after.BirthdayDay != before.BirthdayDay {
			t.Fatalf("SevenRooms not restored: %+v", after)
		}
		ms, err := w.svc.ListMerges(ctx, db, w.support.ID, u.ID)
		if err != nil || len(ms) != 1 || ms[0].Status != sevenrooms.MergeCompensated || ms[0].Error == "" {
			t.Fatalf("merges %+v, %v", ms, err)
		}
		if got := w.reload(t, u.ID); got.FirstName != u.FirstName || got.LastName != "Lefebvre" {
			t.Fatalf("app user %s %s", got.FirstName, got.LastName)
		}
		if l, err := thirdparty.FindLink(ctx, db, u.ID, sevenrooms.Provider); err == nil && l.Status == thirdparty.StatusLinked {
			t.Fatalf("link written: %+v", l)
		}
	})
}

func TestPartialApplicationAndRetry(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		id := w.fake.AddProfile(remote())
		before := *w.fake.Profile(id)
		pv, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		w.api.afterNextUpdate(func() {
			if _, err := w.um.UpdateOwnProfile(ctx, db, u.ID, usermgmt.UserUpdate{Version: u.Version, LastName: ptr("Lefebvre")}); err != nil {
				t.Error(err)
			}
			// ... and SevenRooms fails the restore.
			w.fake.Inject(sevenroomstest.Fault{Path: "clients/", Method: "PUT", Status: 503, Times: 2})
		})
		_, err = w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pv, nil))
		var pe *sevenrooms.PartialError
		if !errors.Is(err, sevenrooms.ErrPartial) || !errors.As(err, &pe) || !errors.Is(err, usermgmt.ErrStaleVersion) {
			t.Fatalf("err = %v; want a partial application", err)
		}
		m, err := w.svc.GetMerge(ctx, db, w.support.ID, pe.MergeID)
		if err != nil || m.Status != sevenrooms.MergePartial || m.Pending == nil {
			t.Fatalf("merge %+v, %v", m, err)
		}
		if w.fake.Profile(id).Email == before.Email {
			t.Fatal("SevenRooms should still hold the merged values")
		}
		// Another reconnect waits for the partial one to be settled.
		pv2, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pv2, nil)); !errors.Is(err, thirdparty.ErrConflict) {
			t.Fatalf("apply over a partial merge: %v", err)
		}
		m, err = w.svc.RetryMerge(ctx, db, &w.support.ID, pe.MergeID)
		if err != nil || m.Status != sevenrooms.MergeCompensated {
			t.Fatalf("retry: %+v, %v", m, err)
		}
		if p := w.fake.Profile(id); p.Email != before.Email || p.PhoneNumber != before.PhoneNumber {
			t.Fatalf("not restored: %+v", p)
		}
		if _, err := w.svc.RetryMerge(ctx, db, nil, pe.MergeID); !errors.Is(err, thirdparty.ErrConflict) {
			t.Fatalf("second retry: %v", err)
		}
	})
}
