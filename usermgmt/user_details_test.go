package usermgmt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestAdjustCountersConcurrently(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		u := register(t, s, db)
		if err := s.SetCounters(ctx, db, u.ID, usermgmt.Counters{Listings: 10}); err != nil {
			t.Fatal(err)
		}
		// 100 goroutines: 60 add a booking as asker, 40 remove a listing
		// each (10 listings: 30 of those must be refused, never going
		// below zero).
		var wg sync.WaitGroup
		var refused atomic.Int64
		for i := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := usermgmt.CounterDelta{AskerBookings: 1}
				if i%5 < 2 {
					d = usermgmt.CounterDelta{Listings: -1}
				}
				_, err := s.AdjustCounters(ctx, db, u.ID, d)
				switch {
				case errors.Is(err, usermgmt.ErrCounterNegative):
					refused.Add(1)
				case err != nil:
					t.Errorf("adjust: %v", err)
				}
			}()
		}
		wg.Wait()
		got, err := s.AdjustCounters(ctx, db, u.ID, usermgmt.CounterDelta{})
		if err != nil {
			t.Fatal(err)
		}
		if got.AskerBookings != 60 || got.Listings != 0 || refused.Load() != 30 {
			t.Fatalf("counters %+v, refused %d; want 60 bookings, 0 listings, 30 refused", got, refused.Load())
		}
		// All or nothing: one counter may not go negative while another moves.
		if _, err := s.AdjustCounters(ctx, db, u.ID, usermgmt.CounterDelta{ReviewsMade: 1, Listings: -1}); !errors.Is(err, usermgmt.ErrCounterNegative) {
			t.Fatalf("err = %v", err)
		}
		if got, _ := s.AdjustCounters(ctx, db, u.ID, usermgmt.CounterDelta{}); got.ReviewsMade != 0 {
			t.Fatal("a refused adjustment changed a counter")
		}
		if err := s.SetCounters(ctx, db, u.ID, usermgmt.Counters{Listings: -1}); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("negative set: %v", err)
		}
		if _, err := s.AdjustCounters(ctx, db, uuid.Must(uuid.NewV7()), usermgmt.CounterDelta{Listings: 1}); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestUserFees(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		finance := newOperator(t, s, db, usermgmt.RoleFinance)
		u := register(t, s, db)
		// Standard: 0 % asker, 10 % offeror (EUR).
		f, err := s.GetUserFees(ctx, db, finance, u.ID)
		if err != nil || f.Mode != fees.Standard || !f.Schedule.Offeror.Percent.Equal(dec("10")) {
			t.Fatalf("initial fees %+v %v", f, err)
		}

		// Asker 20 % + 50, offeror percent "0" (no fee), offeror fixed empty (standard).
		o := fees.Override{AskerPercent: fees.Some(dec("20")), AskerFixed: fees.Some(dec("50")), OfferorPercent: fees.Some(dec("0"))}
		f, err = s.SetUserFees(ctx, db, finance, u.ID, o)
		if err != nil {
			t.Fatal(err)
		}
		if f.Mode != fees.Customized || !f.Schedule.Offeror.Percent.IsZero() || !f.Schedule.Asker.Fixed.Equal(dec("50")) {
			t.Fatalf("customized %+v", f)
		}
		read, _ := s.GetUser(ctx, db, finance, u.ID)
		if !read.Fees.OfferorPercent.Valid || !read.Fees.OfferorPercent.Decimal.IsZero() || read.Fees.OfferorFixed.Valid ||
			!read.Fees.AskerPercent.Decimal.Equal(dec("20")) {
			t.Fatalf("empty versus zero lost in the database: %+v", read.Fees)
		}
		var nulls int
		if err := db.NewRaw("SELECT count(*) FROM userdesk_users WHERE id = ? AND fee_offeror_fixed IS NULL AND fee_offeror_percent IS NOT NULL", u.ID).Scan(ctx, &nulls); err != nil || nulls != 1 {
			t.Fatalf("columns: %d %v", nulls, err)
		}

		// The switch: standard fees apply, the user's values are kept.
		o.UseStandard = true
		f, err = s.SetUserFees(ctx, db, finance, u.ID, o)
		if err != nil || f.Mode != fees.Standard || !f.Schedule.Offeror.Percent.Equal(dec("10")) {
			t.Fatalf("use standard: %+v %v", f, err)
		}
		read, _ = s.GetUser(ctx, db, finance, u.ID)
		if !read.Fees.UseStandard || !read.Fees.AskerFixed.Decimal.Equal(dec("50")) {
			t.Fatalf("switch lost the values: %+v", read.Fees)
		}
		o.UseStandard = false
		f, _ = s.SetUserFees(ctx, db, finance, u.ID, o)
		q, err := fees.Calculator{}.Quote(f.Schedule, fees.Money{Amount: dec("100"), Currency: "EUR"})
		if err != nil || q.CustomerTotal.String() != "170" || q.VendorPayout.String() != "100" {
			t.Fatalf("quote after switching back: %+v %v", q, err)
		}

		recs, _, _ := s.AuditTrail(ctx, db, finance, u.ID, usermgmt.AuditPage{})
		if len(recs) != 3 || recs[0].Action != usermgmt.ActionFeesSet || recs[0].After["fees"] == nil {
			t.Fatalf("fee audit: %+v", recs)
		}

		_, err = s.SetUserFees(ctx, db, finance, u.ID, fees.Override{AskerPercent: fees.Some(dec("101"))})
		var fe *fees.FieldError
		if !errors.As(err, &fe) || fe.Field != "asker_percent" {
			t.Fatalf("percent 101: %v", err)
		}
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		if _, err := s.SetUserFees(ctx, db, support, u.ID, o); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("support editing fees: %v", err)
		}
	})
}

func testKeyring(t *testing.T, current string, ids ...string) *usermgmt.BankKeyring {
	t.Helper()
	keys := map[string][]byte{}
	for _, id := range ids {
		keys[id] = bytes.Repeat([]byte(id[:1]), 32)
	}
	r, err := usermgmt.NewBankKeyring(current, keys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBankAccount(t *testing.T) {
	t.Parallel()
	const iban = "FR76 3000 6000 0112 3456 7890 189"
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s, err := usermgmt.New(usermgmt.Config{Argon2: usermgmttest.FastArgon2, BankKeys: testKeyring(t, "a-2026", "a-2026")})
		if err != nil {
			t.Fatal(err)
		}
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		u := register(t, s, db)

		for _, bad := range []struct{ field, iban, bic string }{
			{"iban", "FR76 3000 6000 0112 3456 7890 188", ""}, // checksum
			{"iban", "FR76 3000 6000 0112 3456 7890", ""},     // length
			{"iban", "ZZ76 3000 6000 0112 3456 7890 189", ""}, // country
			{"bic", iban, "BNP"},
		} {
			err := s.SetBankAccount(ctx, db, admin, u.ID, usermgmt.BankAccount{Holder: "Camille Durand", IBAN: bad.iban, BIC: bad.bic})
			var verr *usermgmt.ValidationError
			if !errors.As(err, &verr) || !verr.Has(bad.field) {
				t.Fatalf("%s %q: err = %v", bad.field, bad.iban, err)
			}
		}
		if err := s.SetBankAccount(ctx, db, admin, u.ID, usermgmt.BankAccount{Holder: "Camille Durand", IBAN: iban, BIC: "BNPAFRPPXXX"}); err != nil {
			t.Fatal(err)
		}

		masked, err := s.GetBankAccount(ctx, db, support, u.ID, false)
		if err != nil || !masked.Masked || masked.IBAN != "FR ••• 0189" || masked.Holder != "C••• D•••" {
			t.Fatalf("masked = %+v, %v", masked, err)
		}
		if _, err := s.GetBankAccount(ctx, db, support, u.ID, true); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("support reveal: %v", err)
		}
		clear, err := s.GetBankAccount(ctx, db, admin, u.ID, true)
		if err != nil || clear.IBAN != "FR7630006000011234567890189" || clear.Holder != "Camille Durand" || clear.BIC != "BNPAFRPPXXX" {
			t.Fatalf("clear = %+v, %v", clear, err)
		}

		// Without the key, the table says nothing.
		var raw []byte
		var keyID string
		if err := db.QueryRowContext(ctx, "SELECT key_id, sealed FROM userdesk_bank_accounts WHERE user_id = ?", u.ID.String()).Scan(&keyID, &raw); err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"FR7630006000011234567890189", "0189", "Camille", "BNPAFRPP"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Fatalf("sealed record shows %q", secret)
			}
		}
		if keyID != "a-2026" {
			t.Fatalf("key id %q", keyID)
		}

		// Rotation: a ring whose current key is new still opens old records;
		// a ring without the old key cannot.
		rotated, _ := usermgmt.New(usermgmt.Config{Argon2: usermgmttest.FastArgon2, BankKeys: testKeyring(t, "b-2027", "a-2026", "b-2027")})
		if got, err := rotated.GetBankAccount(ctx, db, admin, u.ID, true); err != nil || got.IBAN != clear.IBAN {
			t.Fatalf("after rotation: %v", err)
		}
		gone, _ := usermgmt.New(usermgmt.Config{Argon2: usermgmttest.FastArgon2, BankKeys: testKeyring(t, "b-2027", "b-2027")})
		if _, err := gone.GetBankAccount(ctx, db, admin, u.ID, true); !errors.Is(err, usermgmt.ErrNoBankKey) {
			t.Fatalf("rotated-out key: %v", err)
		}
		// A sealed record copied onto another user does not open.
		other := register(t, s, db)
		if _, err := db.ExecContext(ctx, "INSERT INTO userdesk_bank_accounts (user_id, key_id, sealed, created_at, updated_at) SELECT ?, key_id, sealed, created_at, updated_at FROM userdesk_bank_accounts WHERE user_id = ?", other.ID.String(), u.ID.String()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetBankAccount(ctx, db, admin, other.ID, true); err == nil {
			t.Fatal("a record moved to another user opened")
		}
		// Reveals are audited.
		if n := count(t, db, "SELECT count(*) FROM userdesk_audit_log WHERE action = ?", usermgmt.ActionBankAccountReveal); n != 2 {
			t.Fatalf("%d reveal audits, want 2", n)
		}
		noKeys := newService(t)
		if err := noKeys.SetOwnBankAccount(ctx, db, u.ID, usermgmt.BankAccount{Holder: "C", IBAN: iban}); !errors.Is(err, usermgmt.ErrNoBankKey) {
			t.Fatalf("no key ring: %v", err)
		}

		if err := s.SetPSPDetails(ctx, db, u.ID, usermgmt.PSPDetails{Provider: "mangopay", AccountID: "user_m_01", CanBePaid: true}); err != nil {
			t.Fatal(err)
		}
		read, _ := s.GetUser(ctx, db, admin, u.ID)
		if read.PSP.Provider != "mangopay" || !read.PSP.CanBePaid || read.PSP.CanBePaidOut || read.PSP.UpdatedAt == nil {
			t.Fatalf("psp = %+v", read.PSP)
		}
	})
}

func TestValidIBAN(t *testing.T) {
	t.Parallel()
	for iban, want := range map[string]bool{
		"DE89370400440532013000":      true,
		"GB82WEST12345698765432":      true,
		"NL91ABNA0417164300":          true,
		"FR7630006000011234567890189": true,
		"DE89370400440532013001":      false,
		"DE8937040044053201300":       false,
		"de89370400440532013000":      false,
		"":                            false,
	} {
		if got := usermgmt.ValidIBAN(iban); got != want {
			t.Errorf("ValidIBAN(%q) = %v", iban, got)
		}
	}
}

func TestCategoriesAndVerifications(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		u := register(t, s, db)
		photo, err := s.CreateCategory(ctx, db, admin, "photographers", "Photographers")
		if err != nil {
			t.Fatal(err)
		}
		cater, _ := s.CreateCategory(ctx, db, admin, "caterers", "Caterers")
		if _, err := s.CreateCategory(ctx, db, admin, "photographers", "Again"); !errors.Is(err, usermgmt.ErrConflict) {
			t.Fatalf("duplicate slug: %v", err)
		}
		if _, err := s.CreateCategory(ctx, db, support, "djs", "DJs"); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("support creating a category: %v", err)
		}
		got, err := s.SetUserCategories(ctx, db, support, u.ID, []uuid.UUID{photo.ID, cater.ID, photo.ID})
		if err != nil || len(got) != 2 || got[0].Slug != "caterers" {
			t.Fatalf("set = %+v %v", got, err)
		}
		got, _ = s.SetUserCategories(ctx, db, support, u.ID, []uuid.UUID{photo.ID})
		if cs, _ := s.UserCategories(ctx, db, u.ID); len(cs) != 1 || cs[0].ID != photo.ID || len(got) != 1 {
			t.Fatalf("replace = %+v", cs)
		}
		if _, err := s.SetUserCategories(ctx, db, support, u.ID, []uuid.UUID{uuid.Must(uuid.NewV7())}); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("unknown category: %v", err)
		}
		if cs, _ := s.UserCategories(ctx, db, u.ID); len(cs) != 1 {
			t.Fatal("a refused replacement changed the set")
		}

		yes, no := true, false
		v, err := s.SetVerifications(ctx, db, support, u.ID, usermgmt.VerificationUpdate{ID: &yes, Phone: &yes})
		if err != nil || !v.ID.Verified || v.ID.By == nil || *v.ID.By != support || v.ID.At == nil || v.Email.Verified || v.ID.BySystem() {
			t.Fatalf("verifications %+v %v", v, err)
		}
		v, err = s.SetVerificationBySystem(ctx, db, u.ID, usermgmt.VerifyEmail, true)
		if err != nil || !v.Email.Verified || !v.Email.BySystem() || !v.ID.Verified {
			t.Fatalf("by system %+v %v", v, err)
		}
		if _, err := s.SetVerifications(ctx, db, support, u.ID, usermgmt.VerificationUpdate{Phone: &no}); err != nil {
			t.Fatal(err)
		}
		read, _ := s.GetUser(ctx, db, support, u.ID)
		if read.Verifications.Phone.Verified || !read.Verifications.Email.Verified || !read.Verifications.ID.Verified {
			t.Fatalf("read back %+v", read.Verifications)
		}
		finance := newOperator(t, s, db, usermgmt.RoleFinance)
		if _, err := s.SetVerifications(ctx, db, finance, u.ID, usermgmt.VerificationUpdate{ID: &no}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance editing verifications: %v", err)
		}
		if _, err := s.SetUserCategories(ctx, db, finance, u.ID, nil); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance editing categories: %v", err)
		}
	})
}

func TestGuests(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		finance := newOperator(t, s, db, usermgmt.RoleFinance)
		owner := register(t, s, db)

		g, token, err := s.InviteGuest(ctx, db, owner.ID, usermgmt.GuestInvite{Email: "assistant@example.com", Roles: []usermgmt.GuestRole{usermgmt.GuestManageBookings}})
		if err != nil || token == "" || len(token) < 40 {
			t.Fatalf("invite: %v", err)
		}
		if _, _, err := s.InviteGuest(ctx, db, owner.ID, usermgmt.GuestInvite{Email: "ASSISTANT@example.com", Roles: []usermgmt.GuestRole{usermgmt.GuestViewPayouts}}); !errors.Is(err, usermgmt.ErrConflict) {
			t.Fatalf("second invitation of the same email: %v", err)
		}
		if _, _, err := s.InviteGuest(ctx, db, owner.ID, usermgmt.GuestInvite{Email: "x@example.com", Roles: []usermgmt.GuestRole{"admin"}}); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("unknown guest role: %v", err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_guests WHERE token_hash = ?", token); n != 0 {
			t.Fatal("the invitation token is stored in clear")
		}

		// The operator edits the invitation: new email (new token) and roles.
		email := "new.assistant@example.com"
		roles := []usermgmt.GuestRole{usermgmt.GuestManageListings, usermgmt.GuestManageBookings}
		if _, _, err := s.UpdateGuest(ctx, db, finance, owner.ID, g.ID, usermgmt.GuestUpdate{Version: 1, Email: &email}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance managing guests: %v", err)
		}
		edited, newToken, err := s.UpdateGuest(ctx, db, support, owner.ID, g.ID, usermgmt.GuestUpdate{Version: 1, Email: &email, Roles: &roles})
		if err != nil || newToken == "" || newToken == token || edited.Email != usermgmt.MaskEmail(email) || !edited.Masked || len(edited.Roles) != 2 || edited.Version != 2 {
			t.Fatalf("edit (support sees the guest's email masked): %+v %v", edited, err)
		}
		other := register(t, s, db)
		if _, _, err := s.UpdateGuest(ctx, db, support, other.ID, g.ID, usermgmt.GuestUpdate{Version: 2, Roles: &roles}); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("editing a guest through another user: %v", err)
		}
		if _, _, err := s.UpdateGuest(ctx, db, support, owner.ID, g.ID, usermgmt.GuestUpdate{Version: 1, Roles: &roles}); !errors.Is(err, usermgmt.ErrStaleVersion) {
			t.Fatalf("stale: %v", err)
		}
		list, err := s.ListGuests(ctx, db, support, owner.ID)
		if err != nil || len(list) != 1 || list[0].Email != usermgmt.MaskEmail(email) || fmt.Sprint(list[0].Roles) != "[manage_bookings manage_listings]" {
			t.Fatalf("list = %+v %v", list, err)
		}
		if list, err := s.ListGuests(ctx, db, finance, owner.ID); err != nil || list[0].Email != email || list[0].Masked {
			t.Fatalf("finance's list = %+v %v", list, err)
		}

		// The guest registers with the invited email and accepts.
		reg := validRegistration()
		reg.Email = "New.Assistant@example.com"
		guestUser, err := s.Register(ctx, db, reg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcceptInvitation(ctx, db, token, guestUser.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("old token after the email change: %v", err)
		}
		stranger := register(t, s, db)
		if _, err := s.AcceptInvitation(ctx, db, newToken, stranger.ID); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("another account accepting: %v", err)
		}
		acc, err := s.AcceptInvitation(ctx, db, newToken, guestUser.ID)
		if err != nil || acc.GuestUserID == nil || *acc.GuestUserID != guestUser.ID || acc.AcceptedAt == nil {
			t.Fatalf("accept: %+v %v", acc, err)
		}
		if _, err := s.AcceptInvitation(ctx, db, newToken, guestUser.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("token reused: %v", err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_audit_log WHERE action = ?", usermgmt.ActionGuestUpdate); n != 1 {
			t.Fatalf("%d guest audits", n)
		}
	})
}

func TestSetPassword(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		finance := newOperator(t, s, db, usermgmt.RoleFinance)
		u := register(t, s, db)
		var told []usermgmt.PasswordSet
		s.OnPasswordSet(func(_ context.Context, _ bun.IDB, e usermgmt.PasswordSet) error {
			told = append(told, e)
			return nil
		})

		for _, bad := range []struct {
			name, field string
			pc          usermgmt.PasswordChange
		}{
			{"confirmation differs", "confirmation", usermgmt.PasswordChange{Password: "river stone lamp 42", Confirmation: "river stone lamp 43"}},
			{"too short", "password", usermgmt.PasswordChange{Password: "abc12", Confirmation: "abc12"}},
			{"common", "password", usermgmt.PasswordChange{Password: "Password123", Confirmation: "Password123"}},
			{"repeated", "password", usermgmt.PasswordChange{Password: "zzzzzzzzzz", Confirmation: "zzzzzzzzzz"}},
			{"sequence", "password", usermgmt.PasswordChange{Password: "123456789", Confirmation: "123456789"}},
		} {
			t.Run(bad.name, func(t *testing.T) {
				err := s.SetPassword(ctx, db, support, u.ID, bad.pc)
				var verr *usermgmt.ValidationError
				if !errors.As(err, &verr) || !verr.Has(bad.field) {
					t.Fatalf("err = %v, want a validation error on %s", err, bad.field)
				}
			})
		}
		if err := s.SetPassword(ctx, db, finance, u.ID, usermgmt.PasswordChange{Password: "river stone lamp 42", Confirmation: "river stone lamp 42"}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance setting a password: %v", err)
		}
		if _, err := s.Authenticate(ctx, db, u.Email, "river stone lamp 42"); !errors.Is(err, usermgmt.ErrInvalidCredentials) {
			t.Fatal("a refused password works")
		}

		if err := s.SetPassword(ctx, db, support, u.ID, usermgmt.PasswordChange{Password: "river stone lamp 42", Confirmation: "river stone lamp 42"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Authenticate(ctx, db, u.Email, "river stone lamp 42")
		if err != nil || !got.PasswordTemporary {
			t.Fatalf("login with the new password: %v (temporary %v)", err, got != nil && got.PasswordTemporary)
		}
		if _, err := s.Authenticate(ctx, db, u.Email, "correct horse battery staple"); !errors.Is(err, usermgmt.ErrInvalidCredentials) {
			t.Fatal("the old password still works")
		}
		if len(told) != 1 || told[0].UserID != u.ID || !told[0].Temporary || told[0].OperatorID != support {
			t.Fatalf("hook told %+v", told)
		}
		// The user chooses their own: the flag clears.
		if err := s.ChangeOwnPassword(ctx, db, u.ID, "wrong", "my own new secret"); !errors.Is(err, usermgmt.ErrInvalidCredentials) {
			t.Fatalf("wrong current: %v", err)
		}
		if err := s.ChangeOwnPassword(ctx, db, u.ID, "river stone lamp 42", "my own new secret"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Authenticate(ctx, db, u.Email, "my own new secret"); got == nil || got.PasswordTemporary {
			t.Fatal("own password: still temporary or refused")
		}
		// 64 characters or more: accepted whatever they hold.
		long := strings.Repeat("a", 64)
		no := false
		if err := s.SetPassword(ctx, db, support, u.ID, usermgmt.PasswordChange{Password: long, Confirmation: long, Temporary: &no}); err != nil {
			t.Fatalf("64-character passphrase: %v", err)
		}
		if got, _ := s.Authenticate(ctx, db, u.Email, long); got == nil || got.PasswordTemporary {
			t.Fatal("non-temporary password")
		}
		if strings.Contains(auditDump(t, db), "river stone") {
			t.Fatal("the password reached the audit log")
		}
	})
}

// TestEraseUser erases a user with everything the library can hold about
// them, then reads every column of every library table and finds none of
// their personal data.
func TestEraseUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s, err := usermgmt.New(usermgmt.Config{Argon2: usermgmttest.FastArgon2, BankKeys: testKeyring(t, "k1", "k1")})
		if err != nil {
			t.Fatal(err)
		}
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		reg := validRegistration()
		reg.Email = "Zoe.Erasable@Example.org"
		reg.FirstName, reg.LastName, reg.Phone = "Zoébelle", "Quartermaine", "+447700900123"
		reg.PictureURL = "https://cdn.example.org/zoe-quartermaine.jpg"
		reg.PostalAddress = usermgmt.Address{Line1: "221B Bakerstreet", PostalCode: "NW16XE", City: "Londonia", Country: "GB"}
		reg.LocationAddress = usermgmt.Address{Line1: "Flat Nine Camdenway", City: "Camdenville", Country: "GB"}
		reg.Timezone, reg.SpokenLanguages, reg.MotherTongue, reg.PreferredLanguage = "Pacific/Chatham", []string{"mi", "to"}, "mi", "to"
		dob := time.Date(1977, 3, 29, 0, 0, 0, 0, time.UTC)
		reg.DateOfBirth = &dob
		u, err := s.Register(ctx, db, reg)
		if err != nil {
			t.Fatal(err)
		}
		other := register(t, s, db)
		cat, _ := s.CreateCategory(ctx, db, admin, "bakers", "Bakers")
		yes := true
		steps := []error{
			s.SetBankAccount(ctx, db, admin, u.ID, usermgmt.BankAccount{Holder: "Zoebelle Quartermaine", IBAN: "GB82WEST12345698765432", BIC: "WESTGB22"}),
			s.SetPSPDetails(ctx, db, u.ID, usermgmt.PSPDetails{Provider: "stripe", AccountID: "acct_zoe_998877", CanBePaid: true}),
			s.SetCounters(ctx, db, u.ID, usermgmt.Counters{Listings: 3, AskerBookings: 4}),
		}
		_, err1 := s.SetUserCategories(ctx, db, admin, u.ID, []uuid.UUID{cat.ID})
		_, err2 := s.SetVerifications(ctx, db, admin, u.ID, usermgmt.VerificationUpdate{ID: &yes})
		_, err3 := s.SetUserFees(ctx, db, admin, u.ID, fees.Override{AskerPercent: fees.Some(dec("7"))})
		_, _, err4 := s.InviteGuest(ctx, db, u.ID, usermgmt.GuestInvite{Email: "zoe.helper@example.org", Roles: []usermgmt.GuestRole{usermgmt.GuestViewPayouts}})
		_, _, err5 := s.InviteGuest(ctx, db, other.ID, usermgmt.GuestInvite{Email: reg.Email, Roles: []usermgmt.GuestRole{usermgmt.GuestViewPayouts}})
		// Operators type reasons that name the user: they must go too.
		_, err6 := s.ChangeStatus(ctx, db, admin, u.ID, usermgmt.StatusInReview, "Zoébelle Quartermaine phoned from +447700900123")
		steps = append(steps, err1, err2, err3, err4, err5, err6)
		for i, err := range steps {
			if err != nil {
				t.Fatalf("setup step %d: %v", i, err)
			}
		}
		var hooked []usermgmt.StatusChange
		s.OnStatusChange(func(_ context.Context, _ bun.IDB, c usermgmt.StatusChange) error {
			hooked = append(hooked, c)
			return nil
		})

		if err := s.EraseUser(ctx, db, support, u.ID, "GDPR request"); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("support erasing: %v", err)
		}
		if err := s.EraseUser(ctx, db, admin, u.ID, " "); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("no reason: %v", err)
		}
		if err := s.EraseUser(ctx, db, admin, u.ID, "GDPR request #4411"); err != nil {
			t.Fatal(err)
		}

		personal := []string{
			"zoe.erasable", "Zoébelle", "zoebelle", "Quartermaine", "quartermaine", "+447700900123", "447700900123",
			"zoe-quartermaine.jpg", "Bakerstreet", "NW16XE", "Londonia", "Camdenway", "Camdenville",
			"GB82WEST12345698765432", "5432", "WESTGB22", "acct_zoe_998877", "zoe.helper", "Pacific/Chatham", "language=mi", "language=to", "1977-03-29",
			u.PasswordHash,
		}
		// Times of day ("01:05:31.325432") are left out: their fractions
		// of a second may hold "5432" by chance.
		timeOfDay := regexp.MustCompile(`\d{2}:\d{2}:\d{2}(\.\d+)?`)
		for table, rows := range dumpLibraryTables(t, db) {
			for _, row := range rows {
				for _, p := range personal {
					if strings.Contains(strings.ToLower(timeOfDay.ReplaceAllString(row, "")), strings.ToLower(p)) {
						t.Errorf("table %s still holds %q: %s", table, p, row)
					}
				}
			}
		}

		if _, err := s.GetUser(ctx, db, admin, u.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("operator read of an erased user: %v", err)
		}
		if _, err := s.GetUserDetail(ctx, db, admin, u.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("detail of an erased user: %v", err)
		}
		if _, err := s.GetOwnUser(ctx, db, u.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("own read of an erased user: %v", err)
		}
		tomb := new(usermgmt.User)
		err = db.NewSelect().Model(tomb).Where("id = ?", u.ID).Scan(ctx)
		if err != nil || !tomb.Deleted() || tomb.DeletedBy == nil || *tomb.DeletedBy != admin || tomb.Status != usermgmt.StatusInvalidated ||
			tomb.Counters != (usermgmt.Counters{}) || !tomb.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("tombstone %+v %v", tomb, err)
		}
		if d, _ := sqldb.DialectOf(db); d == sqldb.SQLite {
			assertFileLacks(t, db, personal)
		}
		if len(hooked) != 1 || !hooked[0].Erased || hooked[0].To != usermgmt.StatusInvalidated {
			t.Fatalf("hooks saw %+v", hooked)
		}
		if _, err := s.Authenticate(ctx, db, reg.Email, reg.Password); !errors.Is(err, usermgmt.ErrInvalidCredentials) {
			t.Fatalf("erased user logging in: %v", err)
		}
		if err := s.EraseUser(ctx, db, admin, u.ID, "again"); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("erasing twice: %v", err)
		}
		name := "Back"
		if _, err := s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: tomb.Version, FirstName: &name}); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("updating a tombstone: %v", err)
		}
		// The email is free again.
		again := validRegistration()
		again.Email = reg.Email
		if _, err := s.Register(ctx, db, again); err != nil {
			t.Fatalf("re-registering the erased email: %v", err)
		}
		recs, _, _ := s.AuditTrail(ctx, db, admin, u.ID, usermgmt.AuditPage{})
		if len(recs) == 0 || recs[0].Action != usermgmt.ActionErase || recs[0].Reason != "GDPR request #4411" {
			t.Fatalf("erase audit %+v", recs)
		}
	})
}

// dumpLibraryTables reads every row of every userdesk_ table, each row as
// the text of all its columns.
// assertFileLacks reads the bytes of the SQLite database file behind db
// and of its write-ahead log, and fails for each value still in them.
func assertFileLacks(t *testing.T, db *bun.DB, values []string) {
	t.Helper()
	var path string
	if err := db.QueryRowContext(context.Background(), "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		raw, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if f == path && len(raw) == 0 {
			t.Fatalf("%s is empty", f)
		}
		low := bytes.ToLower(raw)
		for _, v := range values {
			if len(v) < 6 {
				continue // too short to be told apart from unrelated bytes
			}
			if bytes.Contains(low, bytes.ToLower([]byte(v))) {
				t.Errorf("%s still holds %q after the erasure", filepath.Base(f), v)
			}
		}
	}
}

func dumpLibraryTables(t *testing.T, db *bun.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	d, _ := sqldb.DialectOf(db)
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'userdesk_%'"
	if d == sqldb.Postgres {
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'userdesk_%'"
	}
	var tables []string
	if err := db.NewRaw(q).Scan(ctx, &tables); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 10 {
		t.Fatalf("only %d tables found: %v", len(tables), tables)
	}
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			out[table] = append(out[table], b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}
