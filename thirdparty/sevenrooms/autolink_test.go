package sevenrooms_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestAutoLink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		t.Run("one match by verified phone", func(t *testing.T) {
			w := newWorld(t, db)
			u := w.user(t, true)
			id := w.fake.AddProfile(sevenrooms.Profile{FirstName: "Camille", PhoneNumber: "+33 6 12 34 56 78", Email: "other@example.com"})
			l, err := w.svc.AutoLink(ctx, db, u.ID)
			if err != nil || l.Status != thirdparty.StatusLinked || l.ExternalID != id {
				t.Fatalf("link %+v, %v", l, err)
			}
			if len(w.fake.Profiles()) != 1 {
				t.Fatal("a profile was created")
			}
			// A second login leaves the link alone.
			n := len(w.fake.Requests())
			if _, err := w.svc.AutoLink(ctx, db, u.ID); err != nil || len(w.fake.Requests()) != n {
				t.Fatalf("second login called SevenRooms: %v", err)
			}
		})
		t.Run("duplicate phones: ambiguous, nothing copied", func(t *testing.T) {
			w := newWorld(t, db)
			u := w.user(t, true)
			w.fake.AddProfile(sevenrooms.Profile{FirstName: "Camille", LastName: "Durand", PhoneNumber: "+33612345678", TotalVisits: 40})
			w.fake.AddProfile(sevenrooms.Profile{FirstName: "Jean", LastName: "Durand", PhoneNumber: "+33612345678", TotalVisits: 2})
			l, err := w.svc.AutoLink(ctx, db, u.ID)
			if err != nil || l.Status != thirdparty.StatusAmbiguous || l.ExternalID != "" || len(l.Candidates) != 2 {
				t.Fatalf("link %+v, %v", l, err)
			}
			if c := l.Candidates[0]; c.Name != "Camille Durand" || c.Reservations != 40 || c.UpdatedAt == nil {
				t.Fatalf("candidate %+v", c)
			}
			if got := w.reload(t, u.ID); got.Version != u.Version || got.FirstName != u.FirstName {
				t.Fatal("the app user was changed")
			}
			if len(w.fake.Profiles()) != 2 {
				t.Fatal("a profile was created")
			}
			q, err := w.links.AmbiguousQueue(ctx, db, w.support.ID, sevenrooms.Provider, [16]byte{}, 10)
			if err != nil || len(q) != 1 || q[0].UserID != u.ID {
				t.Fatalf("queue %+v, %v", q, err)
			}
		})
		t.Run("verified email after no phone match", func(t *testing.T) {
			w := newWorld(t, db)
			u := w.user(t, true)
			id := w.fake.AddProfile(sevenrooms.Profile{FirstName: "Camille", Email: u.Email})
			l, err := w.svc.AutoLink(ctx, db, u.ID)
			if err != nil || l.Status != thirdparty.StatusLinked || l.ExternalID != id {
				t.Fatalf("link %+v, %v", l, err)
			}
		})
		t.Run("unverified match: ambiguous, never created", func(t *testing.T) {
			w := newWorld(t, db)
			u := w.user(t, false)
			w.fake.AddProfile(sevenrooms.Profile{FirstName: "Someone", PhoneNumber: u.Phone})
			l, err := w.svc.AutoLink(ctx, db, u.ID)
			if err != nil || l.Status != thirdparty.StatusAmbiguous || len(w.fake.Profiles()) != 1 {
				t.Fatalf("link %+v, %v, %d profiles", l, err, len(w.fake.Profiles()))
			}
		})
		t.Run("no match: created idempotently", func(t *testing.T) {
			w := newWorld(t, db)
			u := w.user(t, true)
			// The first creation succeeds at SevenRooms but its answer is
			// lost: the retry finds the profile instead of making another.
			w.fake.Inject(sevenroomstest.Fault{Path: "clients", Method: "POST", LoseAnswer: true})
			l, err := w.svc.AutoLink(ctx, db, u.ID)
			if err != nil || l.Status != thirdparty.StatusUnlinked || l.RetryAt == nil {
				t.Fatalf("link %+v, %v", l, err)
			}
			w.clock.Set(*l.RetryAt)
			if _, err := w.svc.RunRetries(ctx, db, 10); err != nil {
				t.Fatal(err)
			}
			ps := w.fake.Profiles()
			if len(ps) != 1 || ps[0].ExternalUserID != u.ID.String() || ps[0].Email != u.Email {
				t.Fatalf("profiles %+v", ps)
			}
			if l := w.link(t, u.ID); l.Status != thirdparty.StatusLinked || l.ExternalID != ps[0].ID {
				t.Fatalf("link %+v", l)
			}
			// With no match at all, a creation links the new profile.
			v := w.user(t, true, func(r *usermgmt.Registration) { r.Phone = "+33698765432" })
			if l, err := w.svc.AutoLink(ctx, db, v.ID); err != nil || l.Status != thirdparty.StatusLinked || len(w.fake.Profiles()) != 2 {
				t.Fatalf("link %+v, %v", l, err)
			}
		})
		t.Run("SevenRooms hangs: the login goes on, a retry is queued", func(t *testing.T) {
			w := newWorld(t, db, func(c *sevenrooms.Config) { c.LoginBudget = 50 * time.Millisecond })
			u := w.user(t, true)
			w.fake.Inject(sevenroomstest.Fault{Path: "clients", Hang: true, Times: 100})
			// AutoLink returns although the fake would hang until closed.
			l, err := w.svc.AutoLink(ctx, db, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if l.Status != thirdparty.StatusUnlinked || l.RetryAt == nil || l.Attempts != 1 {
				t.Fatalf("link %+v", l)
			}
			// A login before the retry is due does not call SevenRooms. The
			// abandoned request is recorded when its handler notices the
			// client went away, so wait for that before counting.
			if !w.fake.WaitIdle(10 * time.Second) {
				t.Fatal("the abandoned request is still being served")
			}
			n := len(w.fake.Requests())
			if _, err := w.svc.AutoLink(ctx, db, u.ID); err != nil || len(w.fake.Requests()) != n {
				t.Fatalf("login jumped the retry queue: %v", err)
			}
			w.fake.ClearFaults()
			w.fake.Release()
			id := w.fake.AddProfile(sevenrooms.Profile{FirstName: "Camille", PhoneNumber: u.Phone})
			w.clock.Advance(time.Minute)
			if n, err := w.svc.RunRetries(ctx, db, 10); err != nil || n != 1 {
				t.Fatalf("retries: %d, %v", n, err)
			}
			if l := w.link(t, u.ID); l.Status != thirdparty.StatusLinked || l.ExternalID != id || l.RetryAt != nil {
				t.Fatalf("after retry %+v", l)
			}
		})
		t.Run("failures back off and stop", func(t *testing.T) {
			w := newWorld(t, db, func(c *sevenrooms.Config) { c.MaxAttempts = 3 })
			u := w.user(t, true)
			w.fake.Inject(sevenroomstest.Fault{Path: "clients", Status: 500, Times: 1000})
			var waits []time.Duration
			for range 3 {
				l, err := w.svc.AutoLink(ctx, db, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if l.RetryAt != nil {
					waits = append(waits, l.RetryAt.Sub(w.clock.Now()))
					w.clock.Set(*l.RetryAt)
				}
			}
			l := w.link(t, u.ID)
			if len(waits) != 2 || waits[0] != time.Minute || waits[1] != 2*time.Minute || l.RetryAt != nil || l.Attempts != 3 {
				t.Fatalf("waits %v, link %+v", waits, l)
			}
		})
	})
}

func TestCreateAndLink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		w.fake.AddProfile(sevenrooms.Profile{FirstName: "Jean", PhoneNumber: u.Phone})
		_, err := w.svc.CreateAndLink(ctx, db, w.support.ID, u.ID, false, "not the same person")
		var de *sevenrooms.DuplicatesError
		if !errors.Is(err, sevenrooms.ErrDuplicates) || !errors.As(err, &de) || de.Count != 1 || len(w.fake.Profiles()) != 1 {
			t.Fatalf("err = %v", err)
		}
		l, err := w.svc.CreateAndLink(ctx, db, w.support.ID, u.ID, true, "not the same person")
		if err != nil || l.Status != thirdparty.StatusLinked || len(w.fake.Profiles()) != 2 {
			t.Fatalf("forced: %+v, %v", l, err)
		}
		if _, err := w.svc.CreateAndLink(ctx, db, w.support.ID, u.ID, true, "again"); !errors.Is(err, thirdparty.ErrConflict) {
			t.Fatalf("linked user: %v", err)
		}
		if _, err := w.svc.CreateAndLink(ctx, db, w.support.ID, u.ID, true, ""); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("no reason: %v", err)
		}
	})
}
