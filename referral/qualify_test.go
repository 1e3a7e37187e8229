package referral_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
)

// TestConcurrentConsumption: 24 referees of a referrer with 5 credits
// qualify at once: 5 are rewarded, 19 recorded without reward, the balance
// ends at 0 and never went below.
func TestConcurrentConsumption(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		db.SetMaxOpenConns(16)
		e := newEnv(t, db, func(c *referral.Config) { c.Velocity.Limit = 100 })
		ctx := context.Background()
		r := e.user(t)
		e.grant(t, r.UserID, 5)
		var referees []*referral.Account
		for i := 0; i < 24; i++ {
			referees = append(referees, e.referred(t, r))
		}
		var wg sync.WaitGroup
		results := make(chan *referral.Qualification, len(referees))
		for _, ee := range referees {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q, err := e.ref.Qualify(ctx, db, ee.UserID)
				if err != nil {
					t.Errorf("qualify: %v", err)
					return
				}
				results <- q
			}()
		}
		wg.Wait()
		close(results)
		rewarded, unrewarded := 0, 0
		for q := range results {
			switch {
			case q.Rewarded && q.Status == referral.StatusRewarded && q.Consumed != nil && q.Consumed.Amount == -1:
				rewarded++
			case !q.Rewarded && q.Status == referral.StatusUnrewarded && q.Consumed == nil:
				unrewarded++
			default:
				t.Fatalf("qualification %+v", q)
			}
		}
		if rewarded != 5 || unrewarded != 19 {
			t.Fatalf("%d rewarded, %d not, want 5 and 19", rewarded, unrewarded)
		}
		es := e.checkLedger(t, r.UserID)
		if e.account(t, r.UserID).Balance != 0 || len(es) != 6 {
			t.Fatalf("ledger %+v", es)
		}
		consumedFor := map[uuid.UUID]bool{}
		for _, en := range es[1:] {
			if en.Kind != referral.KindConsumed || en.RefereeID == nil || consumedFor[*en.RefereeID] {
				t.Fatalf("entry %+v", en)
			}
			consumedFor[*en.RefereeID] = true
		}
		for _, ee := range referees {
			st := e.account(t, ee.UserID).Status
			if st != referral.StatusRewarded && st != referral.StatusUnrewarded || (st == referral.StatusRewarded) != consumedFor[ee.UserID] {
				t.Fatalf("referee status %s, consumed %v", st, consumedFor[ee.UserID])
			}
		}
	})
}

// TestQualifyOnce: the host reporting the same referee many times, at once
// and later, consumes one credit.
func TestQualifyOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		db.SetMaxOpenConns(16)
		e := newEnv(t, db, func(c *referral.Config) { c.Rewards = referral.Rewards{Referrer: 2, Referee: 1} })
		ctx := context.Background()
		r := e.user(t)
		e.grant(t, r.UserID, 3)
		ee := e.referred(t, r)
		var wg sync.WaitGroup
		var mu sync.Mutex
		fresh := 0
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q, err := e.ref.Qualify(ctx, db, ee.UserID)
				if err != nil {
					t.Errorf("qualify: %v", err)
					return
				}
				if !q.Rewarded || q.ReferrerID != r.UserID {
					t.Errorf("qualification %+v", q)
				}
				mu.Lock()
				defer mu.Unlock()
				if !q.AlreadyQualified {
					fresh++
					if len(q.Grants) != 2 {
						t.Errorf("grants %+v", q.Grants)
					}
				}
			}()
		}
		wg.Wait()
		if fresh != 1 {
			t.Fatalf("%d calls qualified, want 1", fresh)
		}
		// 3 - 1 consumed + 2 reward for the referrer; 1 for the referee.
		e.checkLedger(t, r.UserID)
		e.checkLedger(t, ee.UserID)
		if b := e.account(t, r.UserID).Balance; b != 4 {
			t.Fatalf("referrer balance %d, want 4", b)
		}
		if b := e.account(t, ee.UserID).Balance; b != 1 {
			t.Fatalf("referee balance %d, want 1", b)
		}
		loner := e.user(t)
		if _, err := e.ref.Qualify(ctx, db, loner.UserID); !errors.Is(err, referral.ErrNotFound) {
			t.Fatalf("qualify without a referrer: %v", err)
		}
	})
}

// TestQualifyWithoutCredits: the referral is recorded, not rewarded, and
// the host is told; nothing is granted.
func TestQualifyWithoutCredits(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *referral.Config) { c.Rewards = referral.Rewards{Referrer: 2, Referee: 1} })
		ctx := context.Background()
		r := e.user(t)
		ee := e.referred(t, r)
		q, err := e.ref.Qualify(ctx, db, ee.UserID)
		if err != nil || q.Rewarded || q.Status != referral.StatusUnrewarded || len(q.Grants) != 0 {
			t.Fatalf("qualify: %+v, %v", q, err)
		}
		if len(e.ledger(t, r.UserID)) != 0 || len(e.ledger(t, ee.UserID)) != 0 {
			t.Fatal("entries written for an unrewarded referral")
		}
		// A credit granted afterwards does not reward it retroactively.
		e.grant(t, r.UserID, 1)
		q, err = e.ref.Qualify(ctx, db, ee.UserID)
		if err != nil || !q.AlreadyQualified || q.Rewarded || e.account(t, r.UserID).Balance != 1 {
			t.Fatalf("second report: %+v, %v", q, err)
		}
	})
}
