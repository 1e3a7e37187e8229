package referral_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
)

// TestOpenConcurrently: many first calls for one user at once (opening the
// account, clicking +1 on a user who has none yet) make one account, one
// code, one initial grant, and every click lands.
func TestOpenConcurrently(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		db.SetMaxOpenConns(16)
		e := newEnv(t, db, func(c *referral.Config) { c.InitialCredits = 2 })
		ctx := context.Background()
		id := kidWithoutAccount(t, e)
		var wg sync.WaitGroup
		codes := make(chan string, 10)
		for i := 0; i < 10; i++ {
			wg.Add(2)
			go func() {
				defer wg.Done()
				a, err := e.ref.Open(ctx, db, id)
				if err != nil {
					t.Errorf("open: %v", err)
					return
				}
				codes <- *a.Code
			}()
			go func() {
				defer wg.Done()
				if _, err := e.ref.StepCredits(ctx, db, e.finance, id, referral.CreditStep{Delta: 1}); err != nil {
					t.Errorf("step: %v", err)
				}
			}()
		}
		wg.Wait()
		close(codes)
		first := ""
		for c := range codes {
			if first == "" {
				first = c
			}
			if c != first {
				t.Fatalf("two codes for one user: %s, %s", first, c)
			}
		}
		es := e.checkLedger(t, id)
		if len(es) != 11 || es[0].Kind != referral.KindGranted || es[0].Amount != 2 || e.account(t, id).Balance != 12 {
			t.Fatalf("ledger %+v", es)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM userdesk_referral_accounts WHERE user_id = ?", id); n != 1 {
			t.Fatalf("%d accounts", n)
		}
		if _, err := e.ref.Open(ctx, db, id); err != nil {
			t.Fatal(err)
		}
		if err := e.users.EraseUser(ctx, db, e.admin, id, "GDPR"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ref.Open(ctx, db, id); !errors.Is(err, referral.ErrNotFound) {
			t.Fatalf("open for an erased user: %v", err)
		}
		if _, err := e.ref.RotateCode(ctx, db, id); !errors.Is(err, referral.ErrNotFound) {
			t.Fatalf("rotate for an erased user: %v", err)
		}
	})
}
