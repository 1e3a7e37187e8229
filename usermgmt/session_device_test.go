package usermgmt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestDeviceSessions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		clock := usermgmttest.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
		s := usermgmttest.NewService(t, usermgmt.Config{Now: clock.Now})
		u := usermgmttest.User(t, s, db)
		other := usermgmttest.User(t, s, db)

		phone, _, err := s.StartDeviceSession(ctx, db, u.ID, "phone-1", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tablet, _, err := s.StartSession(ctx, db, usermgmt.UserSession, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.TieSessionToDevice(ctx, db, tablet, "tablet-1"); err != nil {
			t.Fatal(err)
		}
		loose, _, err := s.StartSession(ctx, db, usermgmt.UserSession, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		// Another user's session on a device of the same id stays.
		otherPhone, _, err := s.StartDeviceSession(ctx, db, other.ID, "phone-1", time.Hour)
		if err != nil {
			t.Fatal(err)
		}

		n, err := s.EndDeviceSessions(ctx, db, u.ID, "phone-1")
		if err != nil || n != 1 {
			t.Fatalf("end phone sessions: %d %v", n, err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, phone); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("phone session survived: %v", err)
		}
		for name, tok := range map[string]string{"tablet": tablet, "loose": loose, "other user's phone": otherPhone} {
			if _, err := s.ResolveSession(ctx, db, usermgmt.UserSession, tok); err != nil {
				t.Errorf("%s session ended: %v", name, err)
			}
		}

		if _, _, err := s.StartDeviceSession(ctx, db, u.ID, " ", time.Hour); !usermgmtHas(err, "device_id") {
			t.Fatalf("blank device id: %v", err)
		}
		if err := s.TieSessionToDevice(ctx, db, "no-such-token", "x"); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("tie unknown session: %v", err)
		}
		clock.Advance(2 * time.Hour)
		if err := s.TieSessionToDevice(ctx, db, tablet, "x"); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("tie expired session: %v", err)
		}
	})
}

func usermgmtHas(err error, field string) bool {
	var ve *usermgmt.ValidationError
	return errors.As(err, &ve) && ve.Has(field)
}
