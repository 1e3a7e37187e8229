package sevenrooms_test

import (
	"context"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
)

// The client's faults seen through the service: a token expiring in the
// middle of the duplicates' pages, a 429 and a 5xx are absorbed.
func TestPreviewThroughFaults(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		id := w.fake.AddProfile(remote())
		for range 450 { // more than one page of 400
			w.fake.AddProfile(sevenrooms.Profile{FirstName: "Dup", PhoneNumber: "+33700000001"})
		}
		w.fake.Inject(
			sevenroomstest.Fault{Path: "clients/", Status: 429, RetryAfter: "3"},
			sevenroomstest.Fault{Path: "clients", Method: "GET", After: 2, ExpireToken: true},
			sevenroomstest.Fault{Path: "clients", Method: "GET", After: 3, Status: 502},
		)
		pv, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if pv.Duplicates != 450 {
			t.Fatalf("duplicates = %d; want 450", pv.Duplicates)
		}
		if w.fake.Auths() != 2 {
			t.Fatalf("auths = %d; want 2", w.fake.Auths())
		}
	})
}

// An operator resolves an ambiguous link by reconnecting to a candidate.
func TestResolveAmbiguousByReconnect(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		w.fake.AddProfile(sevenrooms.Profile{FirstName: "Camille", LastName: "Durand", PhoneNumber: u.Phone})
		w.fake.AddProfile(sevenrooms.Profile{FirstName: "Jean", LastName: "Durand", PhoneNumber: u.Phone})
		l, err := w.svc.AutoLink(ctx, db, u.ID)
		if err != nil || l.Status != thirdparty.StatusAmbiguous {
			t.Fatalf("link %+v, %v", l, err)
		}
		pick := l.Candidates[0].ExternalID
		pv, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, pick)
		if err != nil {
			t.Fatal(err)
		}
		if pv.LinkVersion != l.Version || pv.Duplicates != 1 {
			t.Fatalf("preview link version %d, duplicates %d", pv.LinkVersion, pv.Duplicates)
		}
		if _, err := w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pv, nil)); err != nil {
			t.Fatal(err)
		}
		got := w.link(t, u.ID)
		if got.Status != thirdparty.StatusLinked || got.ExternalID != pick || len(got.Candidates) != 0 {
			t.Fatalf("link %+v", got)
		}
	})
}

// Two logins of the same user at once: one profile, one link, no error.
func TestConcurrentLogins(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		var wg sync.WaitGroup
		links := make([]*thirdparty.Link, 4)
		errs := make([]error, 4)
		start := make(chan struct{})
		for i := range links {
			wg.Go(func() { <-start; links[i], errs[i] = w.svc.AutoLink(ctx, db, u.ID) })
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("login %d: %v", i, err)
			}
		}
		if ps := w.fake.Profiles(); len(ps) != 1 {
			t.Fatalf("%d profiles created", len(ps))
		}
		l := w.link(t, u.ID)
		if l.Status != thirdparty.StatusLinked {
			t.Fatalf("link %+v", l)
		}
	})
}

func TestCountDuplicates(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, true)
		w.linkTo(t, u.ID, sevenrooms.Profile{FirstName: "Camille", PhoneNumber: u.Phone, Email: u.Email})
		w.fake.AddProfile(sevenrooms.Profile{FirstName: "Jean", PhoneNumber: u.Phone})
		w.fake.AddProfile(sevenrooms.Profile{FirstName: "C", Email: u.Email, PhoneNumber: u.Phone})
		w.fake.AddProfile(sevenrooms.Profile{FirstName: "Other", PhoneNumber: "+33699999999"})
		n, err := w.svc.CountDuplicates(ctx, db, w.support.ID, u.ID)
		if err != nil || n != 2 {
			t.Fatalf("duplicates = %d, %v; want 2", n, err)
		}
	})
}
