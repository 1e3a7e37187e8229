package sevenrooms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestSearchCandidates(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u := w.user(t, false)
		byPhone := w.fake.AddProfile(sevenrooms.Profile{FirstName: "Camille", LastName: "D", PhoneNumber: u.Phone, TotalVisits: 3})
		both := w.fake.AddProfile(sevenrooms.Profile{FirstName: "Camille", LastName: "Durand", PhoneNumber: u.Phone, Email: u.Email})
		gone := w.fake.AddProfile(sevenrooms.Profile{FirstName: "Old", Email: u.Email})
		w.fake.DeleteProfile(gone)
		other := w.fake.AddProfile(sevenrooms.Profile{FirstName: "Other", Email: "other@example.com"})

		got, err := w.svc.SearchCandidates(ctx, db, w.support.ID, u.ID, sevenrooms.ProfileSearch{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ExternalID)
		}
		if len(ids) != 2 || ids[0] != byPhone || ids[1] != both {
			t.Fatalf("candidates %v, want %v then %v (each once, no deleted profile)", ids, byPhone, both)
		}
		if got[0].Name != "Camille D" || got[0].Reservations != 3 {
			t.Fatalf("candidate %+v", got[0])
		}
		got, err = w.svc.SearchCandidates(ctx, db, w.support.ID, u.ID, sevenrooms.ProfileSearch{Email: "other@example.com"})
		if err != nil || len(got) != 1 || got[0].ExternalID != other {
			t.Fatalf("search by a given email: %+v %v", got, err)
		}
		finance := usermgmttest.Operator(t, w.um, db, usermgmt.RoleFinance)
		if _, err := w.svc.SearchCandidates(ctx, db, finance.ID, u.ID, sevenrooms.ProfileSearch{}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance searched: %v", err)
		}
	})
}
