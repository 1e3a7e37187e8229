package thirdparty_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func newService(t *testing.T) (*usermgmt.Service, *thirdparty.Service) {
	t.Helper()
	um := usermgmttest.NewService(t, usermgmt.Config{Permissions: thirdparty.Permissions()})
	tp, err := thirdparty.New(thirdparty.Config{Users: um})
	if err != nil {
		t.Fatal(err)
	}
	return um, tp
}

func TestNewNeedsPermissions(t *testing.T) {
	t.Parallel()
	um := usermgmttest.NewService(t, usermgmt.Config{})
	if _, err := thirdparty.New(thirdparty.Config{Users: um}); err == nil {
		t.Fatal("New accepted a usermgmt service without the package's permissions")
	}
	if _, err := thirdparty.New(thirdparty.Config{}); err == nil {
		t.Fatal("New accepted no usermgmt service")
	}
}

func auditCount(t *testing.T, db bun.IDB, action string) int64 {
	t.Helper()
	n, err := db.NewSelect().Table("userdesk_audit_log").Where("action = ?", action).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSaveLink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		um, tp := newService(t)
		u := usermgmttest.User(t, um, db)
		other := usermgmttest.User(t, um, db)
		snap := json.RawMessage(`{"id":"c1","first_name":"Camille"}`)
		l, err := tp.SaveLink(ctx, db, thirdparty.LinkChange{UserID: u.ID, Provider: "sevenrooms", ExternalID: "c1", Environment: "production", Status: thirdparty.StatusLinked, Snapshot: snap, AuditReason: "login"})
		if err != nil {
			t.Fatal(err)
		}
		if l.Version != 1 {
			t.Fatalf("version = %d", l.Version)
		}
		got, err := thirdparty.FindLink(ctx, db, u.ID, "sevenrooms")
		if err != nil || string(got.Snapshot) != string(snap) || got.Status != thirdparty.StatusLinked {
			t.Fatalf("find: %+v, %v", got, err)
		}
		// One link per provider per user.
		if _, err := tp.SaveLink(ctx, db, thirdparty.LinkChange{UserID: u.ID, Provider: "sevenrooms", ExternalID: "c2", Status: thirdparty.StatusLinked}); !errors.Is(err, thirdparty.ErrConflict) {
			t.Fatalf("second link: %v; want ErrConflict", err)
		}
		// One user per external profile.
		if _, err := tp.SaveLink(ctx, db, thirdparty.LinkChange{UserID: other.ID, Provider: "sevenrooms", ExternalID: "c1", Environment: "production", Status: thirdparty.StatusLinked}); !errors.Is(err, thirdparty.ErrTaken) || !errors.Is(err, thirdparty.ErrConflict) {
			t.Fatalf("taken: %v; want ErrTaken", err)
		}
		// Versioned update.
		b, err := tp.SaveLink(ctx, db, thirdparty.LinkChange{UserID: u.ID, Provider: "sevenrooms", Version: 1, ExternalID: "c1", Environment: "production", Status: thirdparty.StatusBroken, Reason: thirdparty.ReasonDeleted, AuditReason: "webhook"})
		if err != nil || b.Version != 2 || !b.Broken() || string(b.Snapshot) != string(snap) {
			t.Fatalf("update: %+v, %v", b, err)
		}
		if _, err := tp.SaveLink(ctx, db, thirdparty.LinkChange{UserID: u.ID, Provider: "sevenrooms", Version: 1, ExternalID: "c1", Status: thirdparty.StatusLinked}); !errors.Is(err, thirdparty.ErrConflict) {
			t.Fatalf("stale: %v; want ErrConflict", err)
		}
		if n := auditCount(t, db, thirdparty.ActionLinkChange); n != 2 {
			t.Fatalf("audit records = %d; want 2", n)
		}
		// Inconsistent states are refused.
		for _, ch := range []thirdparty.LinkChange{
			{UserID: u.ID, Provider: "x", ExternalID: "a", Status: thirdparty.StatusBroken},
			{UserID: u.ID, Provider: "x", Status: thirdparty.StatusLinked},
			{UserID: u.ID, Provider: "x", Status: thirdparty.StatusAmbiguous, Reason: thirdparty.ReasonDeleted},
			{UserID: u.ID, Provider: "", Status: thirdparty.StatusUnlinked},
			{UserID: u.ID, Provider: "x", Status: "red"},
		} {
			if _, err := tp.SaveLink(ctx, db, ch); !errors.Is(err, usermgmt.ErrInvalid) {
				t.Errorf("%+v: %v; want ErrInvalid", ch, err)
			}
		}
	})
}

func TestReadPermissionsAndQueue(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		um, tp := newService(t)
		support := usermgmttest.Operator(t, um, db, usermgmt.RoleSupport)
		u := usermgmttest.User(t, um, db)
		cands := []thirdparty.Candidate{{ExternalID: "a", Name: "Camille Durand", Reservations: 3}, {ExternalID: "b", Name: "C. Durand"}}
		if _, err := tp.SaveLink(ctx, db, thirdparty.LinkChange{UserID: u.ID, Provider: "sevenrooms", Status: thirdparty.StatusAmbiguous, Candidates: cands}); err != nil {
			t.Fatal(err)
		}
		q, err := tp.AmbiguousQueue(ctx, db, support.ID, "sevenrooms", uuid.Nil, 10)
		if err != nil || len(q) != 1 || len(q[0].Candidates) != 2 || q[0].Candidates[0].Reservations != 3 {
			t.Fatalf("queue: %+v, %v", q, err)
		}
		if _, err := tp.GetLink(ctx, db, support.ID, u.ID, "sevenrooms"); err != nil {
			t.Fatal(err)
		}
		if _, err := tp.GetLink(ctx, db, support.ID, u.ID, "other"); !errors.Is(err, thirdparty.ErrNotFound) {
			t.Fatalf("missing link: %v", err)
		}
		links, err := tp.ListLinks(ctx, db, support.ID, u.ID)
		if err != nil || len(links) != 1 {
			t.Fatalf("list: %v, %v", links, err)
		}
	})
}

func TestReadForbidden(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		um := usermgmttest.NewService(t, usermgmt.Config{
			Permissions: thirdparty.Permissions(),
			Roles:       map[usermgmt.OperatorRole][]usermgmt.Permission{"viewer": {usermgmt.PermReadUsers}},
		})
		tp, err := thirdparty.New(thirdparty.Config{Users: um})
		if err != nil {
			t.Fatal(err)
		}
		op := usermgmttest.Operator(t, um, db, "viewer")
		u := usermgmttest.User(t, um, db)
		if _, err := tp.GetLink(ctx, db, op.ID, u.ID, "sevenrooms"); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("err = %v; want ErrForbidden", err)
		}
		if _, err := tp.AmbiguousQueue(ctx, db, op.ID, "sevenrooms", uuid.Nil, 10); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("err = %v; want ErrForbidden", err)
		}
	})
}

func TestEraseDeletesLinks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		um, tp := newService(t)
		admin := usermgmttest.Operator(t, um, db, usermgmt.RoleAdmin)
		u := usermgmttest.User(t, um, db)
		keep := usermgmttest.User(t, um, db)
		for _, id := range []uuid.UUID{u.ID, keep.ID} {
			if _, err := tp.SaveLink(ctx, db, thirdparty.LinkChange{UserID: id, Provider: "sevenrooms", ExternalID: id.String(), Status: thirdparty.StatusLinked, Snapshot: []byte(`{"email":"x@example.com"}`)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := um.EraseUser(ctx, db, admin.ID, u.ID, "GDPR request"); err != nil {
			t.Fatal(err)
		}
		if _, err := thirdparty.FindLink(ctx, db, u.ID, "sevenrooms"); !errors.Is(err, thirdparty.ErrNotFound) {
			t.Fatalf("erased user's link: %v", err)
		}
		if _, err := thirdparty.FindLink(ctx, db, keep.ID, "sevenrooms"); err != nil {
			t.Fatalf("other user's link: %v", err)
		}
		if n := auditCount(t, db, thirdparty.ActionLinkErase); n != 1 {
			t.Fatalf("erase audit records = %d", n)
		}
	})
}

func TestUnlink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		um, tp := newService(t)
		support := usermgmttest.Operator(t, um, db, usermgmt.RoleSupport)
		finance := usermgmttest.Operator(t, um, db, usermgmt.RoleFinance)
		u := usermgmttest.User(t, um, db)
		l, err := tp.SaveLink(ctx, db, thirdparty.LinkChange{UserID: u.ID, Provider: "sevenrooms", ExternalID: "c1", Status: thirdparty.StatusLinked, Snapshot: []byte(`{"a":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tp.Unlink(ctx, db, finance.ID, u.ID, "sevenrooms", l.Version, "wrong"); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance: %v", err)
		}
		if _, err := tp.Unlink(ctx, db, support.ID, u.ID, "sevenrooms", l.Version, " "); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("no reason: %v", err)
		}
		if _, err := tp.Unlink(ctx, db, support.ID, u.ID, "sevenrooms", l.Version+1, "wrong"); !errors.Is(err, thirdparty.ErrConflict) {
			t.Fatalf("stale: %v", err)
		}
		got, err := tp.Unlink(ctx, db, support.ID, u.ID, "sevenrooms", l.Version, "wrong profile")
		if err != nil || got.Status != thirdparty.StatusUnlinked || got.ExternalID != "" || got.Snapshot != nil {
			t.Fatalf("unlinked %+v, %v", got, err)
		}
		if _, err := tp.Unlink(ctx, db, support.ID, usermgmttest.User(t, um, db).ID, "sevenrooms", 1, "x"); !errors.Is(err, thirdparty.ErrNotFound) {
			t.Fatalf("no link: %v", err)
		}
	})
}
