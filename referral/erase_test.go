package referral_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestEraseReferee(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *referral.Config) { c.Rewards = referral.Rewards{Referee: 2} })
		ctx := context.Background()
		r := e.user(t)
		e.grant(t, r.UserID, 3)
		if err := e.ref.RecordDevice(ctx, db, r.UserID, "install-42"); err != nil {
			t.Fatal(err)
		}
		ee := e.user(t)
		if _, err := e.ref.Attach(ctx, db, ee.UserID, *r.Code, referral.Signals{DeviceID: "install-42"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ref.Qualify(ctx, db, ee.UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ref.StepCredits(ctx, db, e.finance, ee.UserID, referral.CreditStep{Delta: 1,
			Reason: "goodwill, called Marie Dupont", IdempotencyKey: "support-ticket-marie@example.com"}); err != nil {
			t.Fatal(err)
		}
		// A flag on the pair, cleared with a reason that names the referee.
		flags, err := e.ref.ListFlags(ctx, db, e.finance, referral.FlagQuery{})
		if err != nil || len(flags.Flags) != 1 {
			t.Fatalf("flags %+v, %v", flags, err)
		}
		if _, err := e.ref.ClearFlag(ctx, db, e.finance, flags.Flags[0].ID, "Marie is Jean's sister, same tablet"); err != nil {
			t.Fatal(err)
		}
		before := e.checkLedger(t, ee.UserID)
		referrerBefore := e.checkLedger(t, r.UserID)
		code := *e.account(t, ee.UserID).Code

		if err := e.users.EraseUser(ctx, db, e.admin, ee.UserID, "GDPR request"); err != nil {
			t.Fatal(err)
		}

		// The amounts stay under the tombstone and still add up, on both
		// sides; the referrer's balance is untouched.
		after := e.checkLedger(t, ee.UserID)
		if len(after) != len(before) {
			t.Fatalf("%d entries after erasure, %d before", len(after), len(before))
		}
		for i := range after {
			b, a := before[i], after[i]
			if a.Amount != b.Amount || a.BalanceAfter != b.BalanceAfter || a.Kind != b.Kind || a.Seq != b.Seq {
				t.Fatalf("entry changed: %+v -> %+v", b, a)
			}
			if a.Reason != "" || a.IdempotencyKey != "" {
				t.Fatalf("personal text survived: %+v", a)
			}
		}
		referrerAfter := e.checkLedger(t, r.UserID)
		if len(referrerAfter) != len(referrerBefore) || e.account(t, r.UserID).Balance != 2 {
			t.Fatalf("referrer ledger changed: %d entries, balance %d", len(referrerAfter), e.account(t, r.UserID).Balance)
		}
		if c := referrerAfter[len(referrerAfter)-1]; c.Kind != referral.KindConsumed || *c.RefereeID != ee.UserID {
			t.Fatalf("consumption entry %+v", c)
		}
		// Every personal value is gone.
		acct := e.account(t, ee.UserID)
		if acct.Code != nil || acct.ErasedAt == nil || acct.Balance != 3 {
			t.Fatalf("account after erasure %+v", acct)
		}
		for q, want := range map[string]int{
			"SELECT COUNT(*) FROM userdesk_referral_devices WHERE user_id = ?":                         0,
			"SELECT COUNT(*) FROM userdesk_referral_idempotency_keys WHERE user_id = ?":                0,
			"SELECT COUNT(*) FROM userdesk_referral_credit_entries WHERE user_id = ? AND reason <> ''": 0,
		} {
			if got := count(t, db, q, ee.UserID); got != want {
				t.Errorf("%s: %d", q, got)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM userdesk_referral_credit_entries WHERE idempotency_key LIKE '%marie%' OR reason LIKE '%Marie%'"); n != 0 {
			t.Errorf("%d entries still name the erased user", n)
		}
		// The code is dead; the erased user takes no more changes.
		other := e.user(t)
		if _, err := e.ref.Attach(ctx, db, other.UserID, code, referral.Signals{}); !errors.Is(err, referral.ErrUnknownCode) {
			t.Fatalf("attach with an erased user's code: %v", err)
		}
		if _, err := e.ref.StepCredits(ctx, db, e.finance, ee.UserID, referral.CreditStep{Delta: 1}); !errors.Is(err, referral.ErrNotFound) {
			t.Fatalf("step on an erased user: %v", err)
		}
		if _, err := e.ref.Card(ctx, db, e.support, ee.UserID, referral.CardOptions{}); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("card of an erased user: %v", err)
		}
		// The referrer's card lists the referee as erased, without a name.
		card, err := e.ref.Card(ctx, db, e.support, r.UserID, referral.CardOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(card.Referees) != 1 || !card.Referees[0].Erased || card.Referees[0].Name != "" || card.Referees[0].ID != ee.UserID ||
			card.Referees[0].Status != referral.StatusRewarded {
			t.Fatalf("referees %+v", card.Referees)
		}
	})
}

// TestErasedRefereesFlag: the third referee erased within 30 days of the
// referral flags the referrer; one erased later does not count.
func TestErasedRefereesFlag(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		r := e.user(t)
		old := e.referred(t, r)
		e.clock.Advance(31 * 24 * time.Hour)
		if err := e.users.EraseUser(ctx, db, e.admin, old.UserID, "GDPR"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			ee := e.referred(t, r)
			e.clock.Advance(time.Hour)
			if err := e.users.EraseUser(ctx, db, e.admin, ee.UserID, "GDPR"); err != nil {
				t.Fatal(err)
			}
			page, err := e.ref.ListFlags(ctx, db, e.finance, referral.FlagQuery{ReferrerID: &r.UserID})
			if err != nil {
				t.Fatal(err)
			}
			if want := i == 2; (len(page.Flags) == 1 && page.Flags[0].Reason == referral.FlagErasedReferees) != want || len(page.Flags) > 1 {
				t.Fatalf("after %d quick erasures: flags %+v", i+1, page.Flags)
			}
		}
	})
}

// TestEraseReferrer: the referees keep their referral under the tombstone,
// a later qualification is recorded without reward, and the referrer's
// ledger still adds up.
func TestEraseReferrer(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		r := e.user(t)
		e.grant(t, r.UserID, 2)
		done, pending := e.referred(t, r), e.referred(t, r)
		if _, err := e.ref.Qualify(ctx, db, done.UserID); err != nil {
			t.Fatal(err)
		}
		if err := e.users.EraseUser(ctx, db, e.admin, r.UserID, "GDPR request"); err != nil {
			t.Fatal(err)
		}
		if es := e.checkLedger(t, r.UserID); len(es) != 2 || e.account(t, r.UserID).Balance != 1 {
			t.Fatalf("referrer ledger %+v", es)
		}
		q, err := e.ref.Qualify(ctx, db, pending.UserID)
		if err != nil || q.Rewarded || q.Status != referral.StatusUnrewarded {
			t.Fatalf("qualify under an erased referrer: %+v, %v", q, err)
		}
		card, err := e.ref.Card(ctx, db, e.support, done.UserID, referral.CardOptions{})
		if err != nil || card.Referrer == nil || !card.Referrer.Erased || card.Referrer.Name != "" || card.Referrer.ID != r.UserID {
			t.Fatalf("referee's card: %+v, %v", card, err)
		}
		if _, err := e.ref.ChangeReferrer(ctx, db, e.support, pending.UserID, &r.UserID, "restore"); !errors.Is(err, referral.ErrNotFound) {
			t.Fatalf("an erased user as new referrer: %v", err)
		}
	})
}
