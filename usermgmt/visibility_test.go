package usermgmt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestOperatorReadsMaskPersonalData: through the library itself (no
// server), an operator without PermReadPersonalData gets every personal
// field masked in every read, and one with it gets them in clear.
func TestOperatorReadsMaskPersonalData(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s, err := usermgmt.New(usermgmt.Config{Argon2: usermgmt.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}, BankKeys: testKeyring(t, "k1", "k1")})
		if err != nil {
			t.Fatal(err)
		}
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		finance := newOperator(t, s, db, usermgmt.RoleFinance)
		u := register(t, s, db)
		if err := s.SetPSPDetails(ctx, db, u.ID, usermgmt.PSPDetails{Provider: "stripe", AccountID: "acct_123456"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetOwnBankAccount(ctx, db, u.ID, usermgmt.BankAccount{Holder: "Camille Durand", IBAN: "FR1420041010050500013M02606"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.InviteGuest(ctx, db, u.ID, usermgmt.GuestInvite{Email: "helper@example.com", Roles: []usermgmt.GuestRole{usermgmt.GuestManageBookings}}); err != nil {
			t.Fatal(err)
		}
		full, _ := s.GetOwnUser(ctx, db, u.ID)

		check := func(t *testing.T, got *usermgmt.User, masked bool) {
			t.Helper()
			if got.Masked != masked {
				t.Fatalf("Masked = %v, want %v", got.Masked, masked)
			}
			if !masked {
				if got.Email != full.Email || got.Phone != full.Phone || got.DateOfBirth == nil || got.PostalAddress != full.PostalAddress || got.PSP.AccountID != "acct_123456" {
					t.Fatalf("clear read lost data: %+v", got)
				}
				return
			}
			if got.Email != usermgmt.MaskEmail(full.Email) || got.Phone != usermgmt.MaskPhone(full.Phone) {
				t.Errorf("email %q phone %q", got.Email, got.Phone)
			}
			if got.DateOfBirth != nil {
				t.Errorf("date of birth %v", got.DateOfBirth)
			}
			if got.PostalAddress.Line1 == full.PostalAddress.Line1 || got.PostalAddress.PostalCode == full.PostalAddress.PostalCode {
				t.Errorf("postal address %+v", got.PostalAddress)
			}
			if got.PSP.AccountID == "acct_123456" {
				t.Errorf("PSP account id %q", got.PSP.AccountID)
			}
			if got.EmailNormalized != "" || got.SearchText != "" || got.PhoneDigits != "" || got.PasswordHash != "" {
				t.Errorf("derived columns left in clear: %q %q %q", got.EmailNormalized, got.SearchText, got.PhoneDigits)
			}
			if got.FirstName != full.FirstName || got.LastName != full.LastName {
				t.Errorf("names must stay visible: %q %q", got.FirstName, got.LastName)
			}
		}
		for _, tc := range []struct {
			name   string
			op     uuid.UUID
			masked bool
		}{{"support", support, true}, {"finance", finance, false}} {
			t.Run(tc.name, func(t *testing.T) {
				op := tc.op
				got, err := s.GetUser(ctx, db, op, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				check(t, got, tc.masked)
				d, err := s.GetUserDetail(ctx, db, op, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				check(t, d.User, tc.masked)
				// In clear too, the detail view reads neither the password
				// hash nor the search columns derived from personal data.
				if d.User.PasswordHash != "" || d.User.SearchText != "" || d.User.NameText != "" || d.User.PhoneDigits != "" || d.User.SortName != "" {
					t.Errorf("detail carries internal columns: hash %q, search %q %q %q %q", d.User.PasswordHash, d.User.SearchText, d.User.NameText, d.User.PhoneDigits, d.User.SortName)
				}
				if d.BankAccount == nil || !d.BankAccount.Masked {
					t.Errorf("detail bank account %+v: want it masked for everyone", d.BankAccount)
				}
				if len(d.Guests) != 1 || (d.Guests[0].Email == "helper@example.com") == tc.masked || d.Guests[0].Masked != tc.masked {
					t.Errorf("detail guests %+v", d.Guests)
				}
				if d.Fees == nil || d.Categories == nil || d.FullName == "" {
					t.Errorf("detail cards missing: %+v", d)
				}
			})
		}
	})
}

func TestSessionOfAUserWhoMayNoLongerLogIn(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		u := register(t, s, db)
		token, _, err := s.StartSession(ctx, db, usermgmt.UserSession, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if id, err := s.ResolveSession(ctx, db, usermgmt.UserSession, token); err != nil || id != u.ID {
			t.Fatalf("live session: %v", err)
		}
		// A status write that bypasses the library leaves the session
		// behind; the lookup still refuses it.
		if _, err := db.ExecContext(ctx, "UPDATE userdesk_users SET status = 'invalidated' WHERE id = ?", u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, token); !errors.Is(err, usermgmt.ErrLoginRefused) {
			t.Fatalf("session of an invalidated user: %v", err)
		}
		if _, err := db.ExecContext(ctx, "UPDATE userdesk_users SET status = 'live' WHERE id = ?", u.ID); err != nil {
			t.Fatal(err)
		}
		// Through the library, the hook New registers ends the sessions.
		if _, err := s.ChangeStatus(ctx, db, admin, u.ID, usermgmt.StatusInvalidated, "fraud ticket 12"); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_sessions WHERE subject_id = ?", u.ID); n != 0 {
			t.Fatalf("%d sessions left after invalidation", n)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, token); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("ended session: %v", err)
		}
		// In review may log in: a session survives the change.
		v := register(t, s, db)
		token, _, _ = s.StartSession(ctx, db, usermgmt.UserSession, v.ID, time.Hour)
		if _, err := s.ChangeStatus(ctx, db, admin, v.ID, usermgmt.StatusInReview, "check docs"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, token); err != nil {
			t.Fatalf("in review session: %v", err)
		}
		if err := s.EraseUser(ctx, db, admin, v.ID, "GDPR ticket 13"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, token); err == nil {
			t.Fatal("a session survived the erasure")
		}
	})
}

func TestPublicProfile(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		u := register(t, s, db)
		p, err := s.GetPublicProfile(ctx, db, u.ID)
		if err != nil || p.DisplayName != "Camille D." || p.City != "Paris" || p.MemberSince != u.CreatedAt.Format("2006-01") {
			t.Fatalf("profile %+v %v", p, err)
		}
		if _, err := s.ChangeStatus(ctx, db, admin, u.ID, usermgmt.StatusInReview, "check"); err != nil {
			t.Fatal(err)
		}
		var hidden *usermgmt.ProfileHiddenError
		if _, err := s.GetPublicProfile(ctx, db, u.ID); !errors.Is(err, usermgmt.ErrProfileHidden) || !errors.As(err, &hidden) || hidden.Status != usermgmt.StatusInReview {
			t.Fatalf("in review profile: %v", err)
		}
		if err := s.EraseUser(ctx, db, admin, u.ID, "GDPR"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetPublicProfile(ctx, db, u.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("erased profile: %v", err)
		}
	})
}
