package referral_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// TestTextIsChecked: a NUL byte or invalid UTF-8 in a reason, an
// idempotency key or a device id is a *usermgmt.ValidationError naming
// the field (rule "text"), on both databases (PostgreSQL would refuse the
// NUL with a 500-worthy error), and nothing is written.
func TestTextIsChecked(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		e := newEnv(t, db)
		r := e.user(t)
		ee := e.user(t)
		before := e.account(t, r.UserID)
		for name, c := range map[string]struct {
			field string
			call  func(bad string) error
		}{
			"set reason": {"reason", func(bad string) error {
				_, err := e.ref.SetCredits(ctx, db, e.finance, r.UserID, referral.CreditSet{To: 3, SeenVersion: before.Version, Reason: bad})
				return err
			}},
			"set key": {"idempotency_key", func(bad string) error {
				_, err := e.ref.SetCredits(ctx, db, e.finance, r.UserID, referral.CreditSet{To: 3, SeenVersion: before.Version, Reason: "ok", IdempotencyKey: bad})
				return err
			}},
			"step reason": {"reason", func(bad string) error {
				_, err := e.ref.StepCredits(ctx, db, e.finance, r.UserID, referral.CreditStep{Delta: 1, Reason: bad})
				return err
			}},
			"step key": {"idempotency_key", func(bad string) error {
				_, err := e.ref.StepCredits(ctx, db, e.finance, r.UserID, referral.CreditStep{Delta: 1, IdempotencyKey: bad})
				return err
			}},
			"adjust reason": {"reason", func(bad string) error {
				_, err := e.ref.AdjustCredits(ctx, db, r.UserID, referral.Adjustment{Kind: referral.KindGranted, Amount: 1, Reason: bad})
				return err
			}},
			"referrer reason": {"reason", func(bad string) error {
				_, err := e.ref.ChangeReferrer(ctx, db, e.admin, ee.UserID, &r.UserID, bad)
				return err
			}},
			"clear reason": {"reason", func(bad string) error {
				_, err := e.ref.ClearFlag(ctx, db, e.admin, uuid.New(), bad)
				return err
			}},
			"attach device": {"device_id", func(bad string) error {
				_, err := e.ref.Attach(ctx, db, ee.UserID, *r.Code, referral.Signals{DeviceID: bad})
				return err
			}},
		} {
			for _, bad := range []string{"ticket\x00 42", "ticket \xff"} {
				err := c.call(bad)
				var verr *usermgmt.ValidationError
				if !errors.As(err, &verr) || !verr.Has(c.field) || verr.Fields[0].Rule != "text" {
					t.Errorf("%s %q: %v, want a text error naming %s", name, bad, err, c.field)
				}
			}
		}
		if after := e.account(t, r.UserID); after.Balance != before.Balance || after.Version != before.Version {
			t.Errorf("a refused change moved the balance: %+v -> %+v", before, after)
		}
		if a := e.account(t, ee.UserID); a.ReferrerID != nil {
			t.Errorf("a refused write recorded a referrer: %v", a.ReferrerID)
		}
	})
}

// TestListsAreNeverNull: the card, the ledger, the flag list, a referral
// and a qualification encode their lists as [] when empty, never null.
func TestListsAreNeverNull(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		e := newEnv(t, db)
		r := e.user(t)
		ee := e.user(t)
		lone := e.user(t)
		ref, err := e.ref.ChangeReferrer(ctx, db, e.admin, ee.UserID, nil, "no referrer")
		if err != nil {
			t.Fatal(err)
		}
		ref2, err := e.ref.Attach(ctx, db, ee.UserID, *r.Code, referral.Signals{})
		if err != nil {
			t.Fatal(err)
		}
		q, err := e.ref.Qualify(ctx, db, ee.UserID)
		if err != nil {
			t.Fatal(err)
		}
		card, err := e.ref.Card(ctx, db, e.admin, lone.UserID, referral.CardOptions{})
		if err != nil {
			t.Fatal(err)
		}
		never, err := e.ref.Card(ctx, db, e.admin, usermgmttest.User(t, e.users, db).ID, referral.CardOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ledger, err := e.ref.Ledger(ctx, db, e.admin, lone.UserID, referral.EntryPage{})
		if err != nil {
			t.Fatal(err)
		}
		flags, err := e.ref.ListFlags(ctx, db, e.admin, referral.FlagQuery{})
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]any{"referral removed": ref, "referral": ref2, "qualification": q, "card": card, "card of a user without account": never, "ledger": ledger, "flags": flags} {
			raw, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(raw), `"entries":null`) || strings.Contains(string(raw), `"referees":null`) ||
				strings.Contains(string(raw), `"flags":null`) || strings.Contains(string(raw), `"grants":null`) {
				t.Errorf("%s: a list is null: %s", name, raw)
			}
		}
	})
}
