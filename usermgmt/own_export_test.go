package usermgmt_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestExportOwnData(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := usermgmttest.NewService(t, usermgmt.Config{BankKeys: testKeyring(t, "k1", "k1")})
		u, other := usermgmttest.User(t, s, db), usermgmttest.User(t, s, db)
		out, err := s.ExportOwnData(ctx, db, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if out.User.ID != u.ID || out.User.Email != u.Email || out.BankAccount != nil || out.Guests == nil || out.Categories == nil {
			t.Fatalf("export: %+v", out)
		}
		if err := s.SetOwnBankAccount(ctx, db, u.ID, usermgmt.BankAccount{Holder: "Jean Dupont", IBAN: "FR1420041010050500013M02606"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.InviteGuest(ctx, db, u.ID, usermgmt.GuestInvite{Email: "helper@example.com", Roles: []usermgmt.GuestRole{usermgmt.GuestManageBookings}}); err != nil {
			t.Fatal(err)
		}
		out, err = s.ExportOwnData(ctx, db, u.ID)
		if err != nil || out.BankAccount == nil || out.BankAccount.Masked || len(out.Guests) != 1 {
			t.Fatalf("export: %+v %v", out, err)
		}
		if o, err := s.ExportOwnData(ctx, db, other.ID); err != nil || len(o.Guests) != 0 || o.BankAccount != nil {
			t.Fatalf("other user's export: %+v %v", o, err)
		}
		imp := usermgmt.WithImpersonator(ctx, usermgmt.Impersonator{OperatorID: usermgmttest.Operator(t, s, db, usermgmt.RoleAdmin).ID})
		if _, err := s.ExportOwnData(imp, db, u.ID); !errors.Is(err, usermgmt.ErrUnderImpersonation) {
			t.Fatalf("under an impersonation: %v", err)
		}
		op := usermgmttest.Operator(t, s, db, usermgmt.RoleAdmin)
		if err := s.EraseUser(ctx, db, op.ID, u.ID, "asked"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ExportOwnData(ctx, db, u.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("erased: %v", err)
		}
	})
}
