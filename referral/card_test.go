package referral_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestCard(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		top := e.user(t, func(r *usermgmt.Registration) { r.FirstName, r.LastName = "Ada", "Lovelace" })
		u := e.referred(t, top)
		e.grant(t, u.UserID, 2)
		for i := 0; i < 3; i++ {
			if _, err := e.ref.StepCredits(ctx, db, e.finance, u.UserID, referral.CreditStep{Delta: 1}); err != nil {
				t.Fatal(err)
			}
		}
		kids := []*referral.Account{e.referred(t, u), e.referred(t, u)}
		if _, err := e.ref.Qualify(ctx, db, kids[0].UserID); err != nil {
			t.Fatal(err)
		}

		card, err := e.ref.Card(ctx, db, e.support, u.UserID, referral.CardOptions{Entries: 3})
		if err != nil {
			t.Fatal(err)
		}
		if card.Code != *u.Code || card.Referrer == nil || card.Referrer.ID != top.UserID || card.Referrer.Name != "Ada Lovelace" ||
			card.Status != referral.StatusPending || card.Balance != 4 || card.Version != 5 {
			t.Fatalf("card %+v, referrer %+v", card, card.Referrer)
		}
		if len(card.Entries) != 3 || card.Entries[0].Seq != 5 || card.Entries[0].Kind != referral.KindConsumed || card.MoreEntriesBefore != 3 {
			t.Fatalf("entries %+v, more before %d", card.Entries, card.MoreEntriesBefore)
		}
		rest, err := e.ref.Ledger(ctx, db, e.support, u.UserID, referral.EntryPage{Before: card.MoreEntriesBefore})
		if err != nil || len(rest.Entries) != 2 || rest.Entries[0].Seq != 2 || rest.Before != 0 {
			t.Fatalf("rest of the ledger %+v, %v", rest, err)
		}
		if card.RefereeCount != 2 || len(card.Referees) != 2 {
			t.Fatalf("referees %+v", card.Referees)
		}
		statuses := map[referral.ReferralStatus]int{}
		for _, r := range card.Referees {
			statuses[r.Status]++
			if r.Name == "" || r.Erased {
				t.Fatalf("referee %+v", r)
			}
		}
		if statuses[referral.StatusRewarded] != 1 || statuses[referral.StatusPending] != 1 {
			t.Fatalf("referee statuses %v", statuses)
		}

		// A user who never opened an account has an empty card.
		empty, err := e.ref.Card(ctx, db, e.finance, kidWithoutAccount(t, e), referral.CardOptions{})
		if err != nil || empty.Code != "" || empty.Balance != 0 || empty.Version != 0 || empty.Referrer != nil {
			t.Fatalf("empty card %+v, %v", empty, err)
		}
		// RefereeCount is the card's count, in one statement.
		for _, who := range []uuid.UUID{top.UserID, u.UserID, kids[0].UserID} {
			c, err := e.ref.Card(ctx, db, e.support, who, referral.CardOptions{})
			if err != nil {
				t.Fatal(err)
			}
			n, err := e.ref.RefereeCount(ctx, db, e.support, who)
			if err != nil || n != c.RefereeCount {
				t.Fatalf("RefereeCount %d, %v; the card's %d", n, err, c.RefereeCount)
			}
		}
		if n, err := e.ref.RefereeCount(ctx, db, e.finance, kidWithoutAccount(t, e)); err != nil || n != 0 {
			t.Fatalf("RefereeCount without an account: %d, %v", n, err)
		}
		if _, err := e.ref.RefereeCount(ctx, db, e.support, uuid.New()); !errors.Is(err, referral.ErrNotFound) {
			t.Fatalf("RefereeCount of an unknown user: %v", err)
		}
		// Reading needs the permission.
		auditor := newOperatorID(t, e, "auditor")
		if _, err := e.ref.Card(ctx, db, auditor, u.UserID, referral.CardOptions{}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("card without permission: %v", err)
		}
		if _, err := e.ref.RefereeCount(ctx, db, auditor, u.UserID); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("RefereeCount without permission: %v", err)
		}
	})
}
