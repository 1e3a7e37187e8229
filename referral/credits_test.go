package referral_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestConcurrentSteps: 100 operators' arrow clicks at once, 60 up and 40
// down from a balance of 40, land exactly: every click is its own entry.
func TestConcurrentSteps(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		db.SetMaxOpenConns(16)
		e := newEnv(t, db)
		ctx := context.Background()
		u := e.user(t)
		e.grant(t, u.UserID, 40)
		const ups, downs = 60, 40
		var wg sync.WaitGroup
		errs := make(chan error, ups+downs)
		for i := 0; i < ups+downs; i++ {
			delta := int64(1)
			if i%5 >= 3 { // interleave: 3 up, 2 down
				delta = -1
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.ref.StepCredits(ctx, db, e.finance, u.UserID, referral.CreditStep{Delta: delta})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("step: %v", err)
			}
		}
		es := e.checkLedger(t, u.UserID)
		if got := e.account(t, u.UserID).Balance; got != 40+ups-downs {
			t.Fatalf("balance = %d, want %d", got, 40+ups-downs)
		}
		if len(es) != 1+ups+downs {
			t.Fatalf("%d entries, want %d", len(es), 1+ups+downs)
		}
		for _, en := range es[1:] {
			if en.Kind != referral.KindOperatorStep || (en.Amount != 1 && en.Amount != -1) || en.OperatorID == nil || *en.OperatorID != e.finance {
				t.Fatalf("entry %+v", en)
			}
		}
	})
}

// TestStepNeverBelowZero: concurrent -1 clicks on a balance of 5 take it
// to 0 and no further.
func TestStepNeverBelowZero(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		db.SetMaxOpenConns(16)
		e := newEnv(t, db)
		ctx := context.Background()
		u := e.user(t)
		e.grant(t, u.UserID, 5)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		for i := 0; i < 30; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.ref.StepCredits(ctx, db, e.finance, u.UserID, referral.CreditStep{Delta: -1})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, referral.ErrInsufficientCredits) && errors.Is(err, referral.ErrConflict):
					refused++
				default:
					t.Errorf("step: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 5 || refused != 25 {
			t.Fatalf("%d steps landed and %d were refused, want 5 and 25", ok, refused)
		}
		e.checkLedger(t, u.UserID)
		if b := e.account(t, u.UserID).Balance; b != 0 {
			t.Fatalf("balance %d", b)
		}
	})
}

func TestSetCredits(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		u := e.user(t)
		other := newOperatorID(t, e, usermgmt.RoleFinance)

		ch, err := e.ref.SetCredits(ctx, db, e.finance, u.UserID, referral.CreditSet{To: 7, SeenVersion: 0, Reason: "welcome pack"})
		if err != nil {
			t.Fatal(err)
		}
		if ch.Entry == nil || ch.Entry.Amount != 7 || ch.Entry.Kind != referral.KindOperatorSet || ch.Balance != 7 || ch.Version != 1 {
			t.Fatalf("first set: %+v %+v", ch, ch.Entry)
		}
		// The operator's page still shows version 1 while a colleague
		// clicks +1.
		e.clock.Advance(time.Minute)
		if _, err := e.ref.StepCredits(ctx, db, other, u.UserID, referral.CreditStep{Delta: 1}); err != nil {
			t.Fatal(err)
		}
		_, err = e.ref.SetCredits(ctx, db, e.finance, u.UserID, referral.CreditSet{To: 3, SeenVersion: 1})
		var stale *referral.StaleCreditsError
		if !errors.As(err, &stale) || !errors.Is(err, referral.ErrStaleVersion) || !errors.Is(err, usermgmt.ErrConflict) {
			t.Fatalf("stale set: err = %v", err)
		}
		if stale.Balance != 8 || stale.Version != 2 || stale.ChangedBy == nil || *stale.ChangedBy != other ||
			stale.ChangedAt == nil || !stale.ChangedAt.Equal(start.Add(time.Minute)) {
			t.Fatalf("stale error carries %+v", stale)
		}
		// Deciding again on the current value works, and the entry is the
		// difference.
		ch, err = e.ref.SetCredits(ctx, db, e.finance, u.UserID, referral.CreditSet{To: 3, SeenVersion: stale.Version})
		if err != nil {
			t.Fatal(err)
		}
		if ch.Entry.Amount != -5 || ch.Balance != 3 || ch.Version != 3 {
			t.Fatalf("set to 3 from 8: %+v", ch.Entry)
		}
		// Setting what is there writes nothing.
		ch, err = e.ref.SetCredits(ctx, db, e.finance, u.UserID, referral.CreditSet{To: 3, SeenVersion: 3})
		if err != nil || ch.Entry != nil || ch.Balance != 3 || ch.Version != 3 {
			t.Fatalf("no-op set: %+v, %v", ch, err)
		}
		e.checkLedger(t, u.UserID)

		for name, set := range map[string]referral.CreditSet{
			"to":              {To: -1},
			"seen_version":    {To: 1, SeenVersion: -1},
			"reason":          {To: 1, Reason: strings.Repeat("é", 501)},
			"idempotency_key": {To: 1, IdempotencyKey: strings.Repeat("k", 256)},
		} {
			var verr *usermgmt.ValidationError
			if _, err := e.ref.SetCredits(ctx, db, e.finance, u.UserID, set); !errors.As(err, &verr) || !verr.Has(name) {
				t.Errorf("%s: err = %v", name, err)
			}
		}
		var verr *usermgmt.ValidationError
		if _, err := e.ref.StepCredits(ctx, db, e.finance, u.UserID, referral.CreditStep{Delta: 2}); !errors.As(err, &verr) || !verr.Has("delta") {
			t.Errorf("step of 2: err = %v", err)
		}
	})
}

func newOperatorID(t *testing.T, e *env, role usermgmt.OperatorRole) uuid.UUID {
	t.Helper()
	op, err := e.users.CreateOperator(context.Background(), e.db, usermgmt.NewOperator{
		Name: "Other", Email: fmt.Sprintf("other-%s@backoffice.test", uuid.NewString()), Password: "operator password 1",
		Roles: []usermgmt.OperatorRole{role},
	})
	if err != nil {
		t.Fatal(err)
	}
	return op.ID
}

func TestCreditPermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		u := e.user(t)
		var perr *usermgmt.PermissionError
		if _, err := e.ref.StepCredits(ctx, db, e.support, u.UserID, referral.CreditStep{Delta: 1}); !errors.As(err, &perr) || perr.Permission != referral.PermChangeCredits {
			t.Fatalf("support step: %v", err)
		}
		if _, err := e.ref.SetCredits(ctx, db, e.support, u.UserID, referral.CreditSet{To: 1}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("support set: %v", err)
		}
		for _, op := range []uuid.UUID{e.admin, e.finance} {
			if _, err := e.ref.StepCredits(ctx, db, op, u.UserID, referral.CreditStep{Delta: 1}); err != nil {
				t.Fatalf("step: %v", err)
			}
		}
		if n := len(e.checkLedger(t, u.UserID)); n != 2 {
			t.Fatalf("%d entries, want 2 (the refused calls wrote nothing)", n)
		}
		if _, err := e.ref.StepCredits(ctx, db, e.finance, uuid.Must(uuid.NewV7()), referral.CreditStep{Delta: 1}); !errors.Is(err, referral.ErrNotFound) || !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		db.SetMaxOpenConns(16)
		e := newEnv(t, db)
		ctx := context.Background()
		u := e.user(t)
		key := strings.Repeat("é", 255) // 255 characters, 510 bytes

		first, err := e.ref.StepCredits(ctx, db, e.finance, u.UserID, referral.CreditStep{Delta: 1, IdempotencyKey: key})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(23 * time.Hour)
		again, err := e.ref.StepCredits(ctx, db, e.finance, u.UserID, referral.CreditStep{Delta: 1, IdempotencyKey: key})
		if err != nil {
			t.Fatal(err)
		}
		if !again.Replayed || first.Replayed || again.Entry.ID != first.Entry.ID || again.Balance != 1 || again.Version != 1 {
			t.Fatalf("replay = %+v, first = %+v", again, first)
		}
		if _, err := e.ref.StepCredits(ctx, db, e.finance, u.UserID, referral.CreditStep{Delta: -1, IdempotencyKey: key}); !errors.Is(err, referral.ErrIdempotencyKeyReused) {
			t.Fatalf("same key, other amount: %v", err)
		}
		if _, err := e.ref.SetCredits(ctx, db, e.finance, u.UserID, referral.CreditSet{To: 1, SeenVersion: 1, IdempotencyKey: key}); !errors.Is(err, referral.ErrIdempotencyKeyReused) {
			t.Fatalf("same key, other kind: %v", err)
		}
		other := e.user(t)
		if _, err := e.ref.StepCredits(ctx, db, e.finance, other.UserID, referral.CreditStep{Delta: 1, IdempotencyKey: key}); !errors.Is(err, referral.ErrIdempotencyKeyReused) {
			t.Fatalf("same key, other user: %v", err)
		}

		// A set replayed after the balance moved on returns its first
		// result instead of a conflict.
		set, err := e.ref.SetCredits(ctx, db, e.finance, u.UserID, referral.CreditSet{To: 9, SeenVersion: 1, IdempotencyKey: "set-9"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.ref.StepCredits(ctx, db, e.finance, u.UserID, referral.CreditStep{Delta: 1}); err != nil {
			t.Fatal(err)
		}
		re, err := e.ref.SetCredits(ctx, db, e.finance, u.UserID, referral.CreditSet{To: 9, SeenVersion: 1, IdempotencyKey: "set-9"})
		if err != nil || !re.Replayed || re.Entry.ID != set.Entry.ID || re.Balance != 9 {
			t.Fatalf("replayed set: %+v, %v", re, err)
		}
		// So does a set that found the value there already.
		if _, err := e.ref.SetCredits(ctx, db, e.finance, u.UserID, referral.CreditSet{To: 10, SeenVersion: 3, IdempotencyKey: "noop"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ref.StepCredits(ctx, db, e.finance, u.UserID, referral.CreditStep{Delta: 1}); err != nil {
			t.Fatal(err)
		}
		re, err = e.ref.SetCredits(ctx, db, e.finance, u.UserID, referral.CreditSet{To: 10, SeenVersion: 3, IdempotencyKey: "noop"})
		if err != nil || !re.Replayed || re.Entry != nil || re.Balance != 10 || re.Version != 3 {
			t.Fatalf("replayed no-op: %+v, %v", re, err)
		}
		// A refused request stores nothing: its retry is judged afresh.
		zero := e.user(t)
		if _, err := e.ref.StepCredits(ctx, db, e.finance, zero.UserID, referral.CreditStep{Delta: -1, IdempotencyKey: "refused"}); !errors.Is(err, referral.ErrInsufficientCredits) {
			t.Fatalf("refused: %v", err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM userdesk_referral_idempotency_keys WHERE key = 'refused'"); n != 0 {
			t.Fatalf("a refused request left its key")
		}

		// Concurrent replays of one key: one entry, one result for all.
		var wg sync.WaitGroup
		results := make(chan *referral.CreditChange, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch, err := e.ref.StepCredits(ctx, db, e.finance, other.UserID, referral.CreditStep{Delta: 1, IdempotencyKey: "burst"})
				if err != nil {
					t.Errorf("burst: %v", err)
					return
				}
				results <- ch
			}()
		}
		wg.Wait()
		close(results)
		var id uuid.UUID
		fresh := 0
		for ch := range results {
			if id == uuid.Nil {
				id = ch.Entry.ID
			}
			if ch.Entry.ID != id {
				t.Fatalf("two entries for one key")
			}
			if !ch.Replayed {
				fresh++
			}
		}
		if fresh != 1 {
			t.Fatalf("%d calls did the work, want 1", fresh)
		}
		if es := e.checkLedger(t, other.UserID); len(es) != 1 {
			t.Fatalf("%d entries, want 1", len(es))
		}

		// Keys are kept 24 hours, then pruned; a pruned key is new again.
		e.clock.Advance(time.Hour + time.Second)
		n, err := e.ref.PruneIdempotencyKeys(ctx, db)
		if err != nil || n != 1 {
			t.Fatalf("pruned %d keys (%v), want 1 (the first key, 24h old)", n, err)
		}
		ch, err := e.ref.StepCredits(ctx, db, e.finance, u.UserID, referral.CreditStep{Delta: 1, IdempotencyKey: key})
		if err != nil || ch.Replayed {
			t.Fatalf("after prune: %+v, %v", ch, err)
		}
		e.checkLedger(t, u.UserID)
	})
}

func TestAdjustCredits(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *referral.Config) { c.InitialCredits = 3 })
		ctx := context.Background()
		u := e.user(t)
		if a := e.account(t, u.UserID); a.Balance != 3 || a.Version != 1 {
			t.Fatalf("opened with %d (v%d), want 3 initial credits", a.Balance, a.Version)
		}
		if _, err := e.ref.AdjustCredits(ctx, db, u.UserID, referral.Adjustment{Kind: referral.KindExpired, Amount: 4, Reason: "yearly expiry"}); !errors.Is(err, referral.ErrInsufficientCredits) {
			t.Fatalf("expire 4 of 3: %v", err)
		}
		ch, err := e.ref.AdjustCredits(ctx, db, u.UserID, referral.Adjustment{Kind: referral.KindExpired, Amount: 3, Reason: "yearly expiry"})
		if err != nil || ch.Entry.Amount != -3 || ch.Entry.OperatorID != nil || ch.Balance != 0 {
			t.Fatalf("expire 3: %+v, %v", ch, err)
		}
		if _, err := e.ref.AdjustCredits(ctx, db, u.UserID, referral.Adjustment{Kind: referral.KindRestored, Amount: 1, Reason: "booking refunded"}); err != nil {
			t.Fatal(err)
		}
		var verr *usermgmt.ValidationError
		if _, err := e.ref.AdjustCredits(ctx, db, u.UserID, referral.Adjustment{Kind: referral.KindOperatorSet, Amount: 0}); !errors.As(err, &verr) ||
			!verr.Has("kind") || !verr.Has("amount") || !verr.Has("reason") {
			t.Fatalf("bad adjustment: %v", err)
		}
		es := e.checkLedger(t, u.UserID)
		kinds := []referral.EntryKind{}
		for _, en := range es {
			kinds = append(kinds, en.Kind)
		}
		if fmt.Sprint(kinds) != "[granted expired restored]" {
			t.Fatalf("kinds %v", kinds)
		}
	})
}

// TestLedgerAppendOnly: the database itself refuses to rewrite or delete an
// entry, whoever asks.
func TestLedgerAppendOnly(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		u := e.user(t)
		e.grant(t, u.UserID, 2)
		for _, q := range []string{
			"UPDATE userdesk_referral_credit_entries SET amount = 100",
			"UPDATE userdesk_referral_credit_entries SET balance_after = 100",
			"UPDATE userdesk_referral_credit_entries SET reason = 'rewritten'",
			"DELETE FROM userdesk_referral_credit_entries",
		} {
			if _, err := db.ExecContext(ctx, q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		if _, err := db.ExecContext(ctx, "UPDATE userdesk_referral_accounts SET balance = -1"); err == nil {
			t.Error("a negative balance was accepted")
		}
		e.checkLedger(t, u.UserID)
	})
}
