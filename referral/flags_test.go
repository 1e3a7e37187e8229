package referral_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestAbuseFlags(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *referral.Config) { c.Velocity.Limit = 100 })
		ctx := context.Background()
		attach := func(t *testing.T, r, ee *referral.Account, sig referral.Signals) []referral.FlagReason {
			t.Helper()
			out, err := e.ref.Attach(ctx, db, ee.UserID, *r.Code, sig)
			if err != nil {
				t.Fatal(err)
			}
			return out.Flags
		}
		verify := func(t *testing.T, a *referral.Account, kind usermgmt.VerificationKind) {
			t.Helper()
			if _, err := e.users.SetVerificationBySystem(ctx, db, a.UserID, kind, true); err != nil {
				t.Fatal(err)
			}
		}
		phone := func(p string) func(*usermgmt.Registration) {
			return func(r *usermgmt.Registration) { r.Phone = p }
		}

		t.Run("verified phone", func(t *testing.T) {
			r := e.user(t, phone("+33611112222"))
			verify(t, r, usermgmt.VerifyPhone)
			ee := e.user(t, phone("+33611112222"))
			if got := attach(t, r, ee, referral.Signals{}); !slices.Equal(got, []referral.FlagReason{referral.FlagSharedPhone}) {
				t.Fatalf("flags %v", got)
			}
		})
		t.Run("unverified phone, verified before qualifying", func(t *testing.T) {
			r := e.user(t, phone("+33633334444"))
			ee := e.user(t, phone("+33633334444"))
			if got := attach(t, r, ee, referral.Signals{}); len(got) != 0 {
				t.Fatalf("flags %v for a phone nobody verified", got)
			}
			verify(t, ee, usermgmt.VerifyPhone)
			q, err := e.ref.Qualify(ctx, db, ee.UserID)
			if err != nil || !slices.Equal(q.Flags, []referral.FlagReason{referral.FlagSharedPhone}) {
				t.Fatalf("qualify: %+v, %v", q, err)
			}
		})
		t.Run("same mailbox", func(t *testing.T) {
			r := e.user(t, func(r *usermgmt.Registration) { r.Email = "Jane.Doe@gmail.com" })
			verify(t, r, usermgmt.VerifyEmail)
			ee := e.user(t, func(r *usermgmt.Registration) { r.Email = "janedoe+again@googlemail.com" })
			if got := attach(t, r, ee, referral.Signals{}); !slices.Equal(got, []referral.FlagReason{referral.FlagSharedEmail}) {
				t.Fatalf("flags %v", got)
			}
		})
		t.Run("same IBAN", func(t *testing.T) {
			r, ee := e.user(t), e.user(t)
			for _, a := range []*referral.Account{r, ee} {
				if err := e.users.SetOwnBankAccount(ctx, db, a.UserID, usermgmt.BankAccount{Holder: "J Doe", IBAN: "FR76 3000 6000 0112 3456 7890 189"}); err != nil {
					t.Fatal(err)
				}
			}
			if got := attach(t, r, ee, referral.Signals{}); !slices.Equal(got, []referral.FlagReason{referral.FlagSharedPayoutAccount}) {
				t.Fatalf("flags %v", got)
			}
		})
		t.Run("same PSP account", func(t *testing.T) {
			r, ee := e.user(t), e.user(t)
			for _, a := range []*referral.Account{r, ee} {
				if err := e.users.SetPSPDetails(ctx, db, a.UserID, usermgmt.PSPDetails{Provider: "stripe", AccountID: "acct_123"}); err != nil {
					t.Fatal(err)
				}
			}
			if got := attach(t, r, ee, referral.Signals{}); !slices.Equal(got, []referral.FlagReason{referral.FlagSharedPayoutAccount}) {
				t.Fatalf("flags %v", got)
			}
		})
		t.Run("same device", func(t *testing.T) {
			r, ee := e.user(t), e.user(t)
			if err := e.ref.RecordDevice(ctx, db, r.UserID, "ios-install-9"); err != nil {
				t.Fatal(err)
			}
			if got := attach(t, r, ee, referral.Signals{DeviceID: "ios-install-9"}); !slices.Equal(got, []referral.FlagReason{referral.FlagSharedDevice}) {
				t.Fatalf("flags %v", got)
			}
		})
		t.Run("strangers", func(t *testing.T) {
			r, ee := e.user(t), e.user(t)
			if err := e.ref.RecordDevice(ctx, db, r.UserID, "android-1"); err != nil {
				t.Fatal(err)
			}
			if got := attach(t, r, ee, referral.Signals{DeviceID: "android-2"}); len(got) != 0 {
				t.Fatalf("flags %v", got)
			}
		})
	})
}

func TestVelocityAndFlagReview(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *referral.Config) { c.Velocity.Limit = 2 })
		ctx := context.Background()
		r := e.user(t)
		for i := 0; i < 4; i++ {
			ee := e.user(t)
			out, err := e.ref.Attach(ctx, db, ee.UserID, *r.Code, referral.Signals{})
			if err != nil {
				t.Fatal(err)
			}
			if flagged := slices.Contains(out.Flags, referral.FlagVelocity); flagged != (i >= 2) {
				t.Fatalf("referral %d: flags %v", i+1, out.Flags)
			}
		}
		var perr *usermgmt.PermissionError
		if _, err := e.ref.ListFlags(ctx, db, e.support, referral.FlagQuery{}); !errors.As(err, &perr) {
			t.Fatalf("support lists flags: %v", err)
		}
		page, err := e.ref.ListFlags(ctx, db, e.finance, referral.FlagQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Flags) != 1 || page.Flags[0].Reason != referral.FlagVelocity || page.Flags[0].ReferrerID != r.UserID || page.Flags[0].RefereeID != nil {
			t.Fatalf("open flags %+v (one open velocity flag however often it fired)", page.Flags)
		}
		f := page.Flags[0]
		var verr *usermgmt.ValidationError
		if _, err := e.ref.ClearFlag(ctx, db, e.finance, f.ID, ""); !errors.As(err, &verr) || !verr.Has("reason") {
			t.Fatalf("clear without reason: %v", err)
		}
		cleared, err := e.ref.ClearFlag(ctx, db, e.finance, f.ID, "school event, checked")
		if err != nil || cleared.ClearedAt == nil || *cleared.ClearedBy != e.finance {
			t.Fatalf("clear: %+v, %v", cleared, err)
		}
		if _, err := e.ref.ClearFlag(ctx, db, e.finance, f.ID, "again"); !errors.Is(err, referral.ErrConflict) {
			t.Fatalf("clear twice: %v", err)
		}
		recs, _, err := e.users.AuditTrail(ctx, db, e.admin, r.UserID, usermgmt.AuditPage{})
		if err != nil || len(recs) != 1 || recs[0].Action != referral.ActionFlagClear || recs[0].Reason != "school event, checked" {
			t.Fatalf("audit %+v, %v", recs, err)
		}
		if page, err = e.ref.ListFlags(ctx, db, e.finance, referral.FlagQuery{}); err != nil || len(page.Flags) != 0 {
			t.Fatalf("open flags after clearing: %+v, %v", page, err)
		}
		// The check fires again after review.
		ee := e.user(t)
		if out, err := e.ref.Attach(ctx, db, ee.UserID, *r.Code, referral.Signals{}); err != nil || !slices.Contains(out.Flags, referral.FlagVelocity) {
			t.Fatalf("attach after review: %+v, %v", out, err)
		}
		all, err := e.ref.ListFlags(ctx, db, e.finance, referral.FlagQuery{Status: referral.FlagsAll, Limit: 1})
		if err != nil || len(all.Flags) != 1 || all.NextCursor == "" {
			t.Fatalf("first page: %+v, %v", all, err)
		}
		next, err := e.ref.ListFlags(ctx, db, e.finance, referral.FlagQuery{Status: referral.FlagsAll, Limit: 1, Cursor: all.NextCursor})
		if err != nil || len(next.Flags) != 1 || next.NextCursor != "" || next.Flags[0].ID != f.ID {
			t.Fatalf("second page: %+v, %v", next, err)
		}
		if _, err := e.ref.ListFlags(ctx, db, e.finance, referral.FlagQuery{Cursor: "garbage"}); !errors.Is(err, usermgmt.ErrInvalidCursor) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

// TestChecksUnderImpersonation: an operator impersonating the new user
// while the code is attached changes nothing: the checks still compare the
// values in clear, and nothing is audited as the operator's view.
func TestChecksUnderImpersonation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		r := e.user(t, func(reg *usermgmt.Registration) { reg.Phone = "+33655556666" })
		if _, err := e.users.SetVerificationBySystem(ctx, db, r.UserID, usermgmt.VerifyPhone, true); err != nil {
			t.Fatal(err)
		}
		ee := e.user(t, func(reg *usermgmt.Registration) { reg.Phone = "+33655556666" })
		other := e.user(t, func(reg *usermgmt.Registration) { reg.Phone = "+33655550066" })
		// Masked, these two phones would look alike: +33 •• •• •• 66.
		imp := usermgmt.WithImpersonator(ctx, usermgmt.Impersonator{OperatorID: e.support, TokenID: uuid.Must(uuid.NewV7())})
		out, err := e.ref.Attach(imp, db, ee.UserID, *r.Code, referral.Signals{})
		if err != nil || !slices.Equal(out.Flags, []referral.FlagReason{referral.FlagSharedPhone}) {
			t.Fatalf("attach: %+v, %v", out, err)
		}
		out, err = e.ref.Attach(imp, db, other.UserID, *r.Code, referral.Signals{})
		if err != nil || len(out.Flags) != 0 {
			t.Fatalf("attach of a different phone: %+v, %v", out, err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM userdesk_audit_log WHERE action = ?", usermgmt.ActionPersonalDataView); n != 0 {
			t.Fatalf("%d personal-data views audited for the system's checks", n)
		}
	})
}

// TestChecksAfterProfileChange: a referee who takes the referrer's phone
// after the referral is flagged by the profile update itself.
func TestChecksAfterProfileChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := context.Background()
		r := e.user(t, func(reg *usermgmt.Registration) { reg.Phone = "+33677778888" })
		if _, err := e.users.SetVerificationBySystem(ctx, db, r.UserID, usermgmt.VerifyPhone, true); err != nil {
			t.Fatal(err)
		}
		ee := e.referred(t, r)
		u, err := e.users.GetOwnUser(ctx, db, ee.UserID)
		if err != nil {
			t.Fatal(err)
		}
		phone := "+33677778888"
		if _, err := e.users.UpdateOwnProfile(ctx, db, ee.UserID, usermgmt.UserUpdate{Version: u.Version, Phone: &phone}); err != nil {
			t.Fatal(err)
		}
		page, err := e.ref.ListFlags(ctx, db, e.finance, referral.FlagQuery{ReferrerID: &r.UserID})
		if err != nil || len(page.Flags) != 1 || page.Flags[0].Reason != referral.FlagSharedPhone || *page.Flags[0].RefereeID != ee.UserID {
			t.Fatalf("flags %+v, %v", page, err)
		}
	})
}
