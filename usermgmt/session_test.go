package usermgmt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		s, _ := usermgmt.New(usermgmt.Config{Argon2: usermgmttest.FastArgon2, Now: func() time.Time { return now }})
		u := register(t, s, db)
		tok, exp, err := s.StartSession(ctx, db, usermgmt.UserSession, u.ID, time.Hour)
		if err != nil || len(tok) < 40 || !exp.Equal(now.Add(time.Hour)) {
			t.Fatalf("start: %q %v %v", tok, exp, err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_sessions WHERE token_hash = ?", tok); n != 0 {
			t.Fatal("token stored in clear")
		}
		if id, err := s.ResolveSession(ctx, db, usermgmt.UserSession, tok); err != nil || id != u.ID {
			t.Fatalf("resolve: %v", err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.OperatorSession, tok); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("user token as operator token: %v", err)
		}
		now = now.Add(2 * time.Hour)
		if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, tok); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("expired: %v", err)
		}
		tok2, _, _ := s.StartSession(ctx, db, usermgmt.UserSession, u.ID, time.Hour)
		tok3, _, _ := s.StartSession(ctx, db, usermgmt.UserSession, u.ID, time.Hour)
		if err := s.EndSession(ctx, db, tok2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, tok2); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("after logout: %v", err)
		}
		if n, err := s.EndAllSessions(ctx, db, usermgmt.UserSession, u.ID); err != nil || n != 2 { // tok (expired) and tok3
			t.Fatalf("end all: %d %v", n, err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, tok3); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatal("session survived EndAllSessions")
		}
	})
}

func TestUpdateSettings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		review, nonSwitch, usd := usermgmt.StatusInReview, usermgmt.NonSwitchMode, "USD"
		fifty, twenty := decimal.NewFromInt(50), decimal.NewFromInt(20)
		if _, err := s.UpdateSettings(ctx, db, support, usermgmt.SettingsUpdate{Version: 1, DefaultUserStatus: &review}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("support: %v", err)
		}
		got, err := s.UpdateSettings(ctx, db, admin, usermgmt.SettingsUpdate{Version: 1, DefaultUserStatus: &review, PlatformMode: &nonSwitch,
			Currency: &usd, AskerPercent: &twenty, AskerFixed: &fifty})
		if err != nil || got.Version != 2 || got.Currency != "USD" || got.DefaultUserStatus != review {
			t.Fatalf("update: %+v %v", got, err)
		}
		read, _ := usermgmt.GetSettings(ctx, db)
		if !read.AskerFixed.Equal(fifty) || read.PlatformMode != nonSwitch {
			t.Fatalf("read back %+v", read)
		}
		if _, err := s.UpdateSettings(ctx, db, admin, usermgmt.SettingsUpdate{Version: 1, DefaultUserStatus: &review}); !errors.Is(err, usermgmt.ErrStaleVersion) {
			t.Fatalf("stale: %v", err)
		}
		bad := decimal.NewFromInt(101)
		_, err = s.UpdateSettings(ctx, db, admin, usermgmt.SettingsUpdate{Version: 2, OfferorPercent: &bad})
		var fe *fees.FieldError
		if !errors.As(err, &fe) || fe.Field != "offeror_percent" {
			t.Fatalf("101 %%: %v", err)
		}
		invalidated := usermgmt.StatusInvalidated
		if _, err := s.UpdateSettings(ctx, db, admin, usermgmt.SettingsUpdate{Version: 2, DefaultUserStatus: &invalidated}); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("invalidated as default: %v", err)
		}
		// The new default applies to registrations.
		reg := validRegistration()
		reg.Roles = reg.Roles[:1]
		u, err := s.Register(ctx, db, reg)
		if err != nil || u.Status != usermgmt.StatusInReview {
			t.Fatalf("registration after settings change: %v %v", u, err)
		}
	})
}

// TestResolveOperatorSessionCarriesNoSecrets: the operator of a request
// (which WithOperator puts in its context) comes without the password
// hash and the normalized email, and with everything else.
func TestResolveOperatorSessionCarriesNoSecrets(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		id := newOperator(t, s, db, usermgmt.RoleSupport)
		full, err := s.GetOperator(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		if full.PasswordHash == "" {
			t.Fatal("the operator has no password hash: the case tests nothing")
		}
		token, _, err := s.StartSession(ctx, db, usermgmt.OperatorSession, id, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		op, err := s.ResolveOperatorSession(ctx, db, token)
		if err != nil {
			t.Fatal(err)
		}
		if op.PasswordHash != "" || op.EmailNormalized != "" {
			t.Errorf("session operator carries hash %q, normalized email %q", op.PasswordHash, op.EmailNormalized)
		}
		if op.ID != id || op.Email != full.Email || op.Name != full.Name || !op.Active || len(op.Roles) != 1 || op.Version != full.Version || !op.CreatedAt.Equal(full.CreatedAt) {
			t.Errorf("session operator %+v, want the operator's fields as GetOperator reads them: %+v", op, full)
		}
	})
}
