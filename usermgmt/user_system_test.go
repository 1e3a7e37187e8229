package usermgmt_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestFindUserByEmail(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		u := register(t, s, db)
		got, err := s.FindUserByEmail(ctx, db, "  "+strings.ToUpper(u.Email)+" ")
		if err != nil || got.ID != u.ID {
			t.Fatalf("find = %v, %v", got, err)
		}
		if _, err := s.FindUserByEmail(ctx, db, "nobody@example.com"); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("unknown address: %v", err)
		}
		op := newOperator(t, s, db, usermgmt.RoleAdmin)
		if err := s.EraseUser(ctx, db, op, u.ID, "asked"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindUserByEmail(ctx, db, u.Email); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("erased user: %v", err)
		}
	})
}

func TestRecordVerification(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		u := register(t, s, db)
		op := newOperator(t, s, db, usermgmt.RoleSupport)
		v, err := s.RecordVerification(ctx, db, u.ID, usermgmt.VerifyID, true, &op)
		if err != nil {
			t.Fatal(err)
		}
		if !v.ID.Verified || v.ID.By == nil || *v.ID.By != op || v.ID.At == nil {
			t.Fatalf("flag = %+v", v.ID)
		}
		v, err = s.RecordVerification(ctx, db, u.ID, usermgmt.VerifyEmail, true, nil)
		if err != nil || !v.Email.Verified || !v.Email.BySystem() {
			t.Fatalf("system flag = %+v, %v", v.Email, err)
		}
		got, err := s.GetOwnUser(ctx, db, u.ID)
		if err != nil || !got.Verifications.ID.Verified || !got.Verifications.Email.Verified || got.Verifications.Phone.Verified {
			t.Fatalf("stored = %+v, %v", got.Verifications, err)
		}
		if _, err := s.RecordVerification(ctx, db, u.ID, "face", true, nil); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("bad kind: %v", err)
		}
	})
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		u := register(t, s, db)
		tok, _, err := s.StartSession(ctx, db, usermgmt.UserSession, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ResetPassword(ctx, db, u.ID, "short"); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("short password: %v", err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, tok); err != nil {
			t.Fatalf("a refused reset ended the session: %v", err)
		}
		if err := s.ResetPassword(ctx, db, u.ID, "a brand new passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, tok); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("session survived the reset: %v", err)
		}
		if _, err := s.Authenticate(ctx, db, u.Email, "a brand new passphrase"); err != nil {
			t.Fatalf("new password refused: %v", err)
		}
		if _, err := s.Authenticate(ctx, db, u.Email, "correct horse battery staple"); !errors.Is(err, usermgmt.ErrInvalidCredentials) {
			t.Fatalf("old password: %v", err)
		}
	})
}
