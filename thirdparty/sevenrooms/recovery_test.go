package sevenrooms_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// A reconnect whose caller goes away right after SevenRooms was written
// is left "applying", as if the process had stopped; the retry loop
// restores SevenRooms once it is stale.
func TestAbandonedMergeIsRestored(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		w := newWorld(t, db)
		u := w.user(t, true)
		id := w.fake.AddProfile(remote())
		before := *w.fake.Profile(id)
		pv, err := w.svc.PreviewReconnect(context.Background(), db, w.support.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		w.api.afterNextUpdate(cancel)
		if _, err := w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(pv, nil)); err == nil {
			t.Fatal("apply reported success")
		}
		ms, err := w.svc.ListMerges(context.Background(), db, w.support.ID, u.ID)
		if err != nil || len(ms) != 1 || ms[0].Status != sevenrooms.MergeApplying {
			t.Fatalf("merges %+v, %v", ms, err)
		}
		if w.fake.Profile(id).Email == before.Email {
			t.Fatal("SevenRooms should hold the merged email")
		}
		bg := context.Background()
		if n, err := w.svc.RunMergeRetries(bg, db, 10); err != nil || n != 0 {
			t.Fatalf("fresh applying merge retried: %d, %v", n, err)
		}
		w.clock.Advance(11 * time.Minute)
		if n, err := w.svc.RunMergeRetries(bg, db, 10); err != nil || n != 1 {
			t.Fatalf("retries: %d, %v", n, err)
		}
		m, err := w.svc.GetMerge(bg, db, w.support.ID, ms[0].ID)
		if err != nil || m.Status != sevenrooms.MergeCompensated {
			t.Fatalf("merge %+v, %v", m, err)
		}
		if p := w.fake.Profile(id); p.Email != before.Email || p.PhoneNumber != before.PhoneNumber {
			t.Fatalf("not restored: %+v", p)
		}
		// The user can be reconnected again.
		pv, err = w.svc.PreviewReconnect(bg, db, w.support.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.ApplyReconnect(bg, db, w.support.ID, reconnectOf(pv, nil)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPersonalDataMasked(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		admin := usermgmttest.Operator(t, w.um, db, usermgmt.RoleAdmin)
		u := w.user(t, true)
		id := w.fake.AddProfile(remote())
		masked, err := w.svc.PreviewReconnect(ctx, db, w.support.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		clear, err := w.svc.PreviewReconnect(ctx, db, admin.ID, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		me, _ := masked.Plan.Field(sevenrooms.FieldEmail)
		ce, _ := clear.Plan.Field(sevenrooms.FieldEmail)
		if !masked.Masked || clear.Masked || me.App.Text == u.Email || ce.App.Text != u.Email || strings.Contains(masked.Profile.Email, "camille.sr") {
			t.Fatalf("masked %q %q, clear %q", me.App.Text, masked.Profile.Email, ce.App.Text)
		}
		if mp, _ := masked.Plan.Field(sevenrooms.FieldPhone); mp.App.Text == u.Phone {
			t.Fatal("phone not masked")
		}
		// A masked preview can still be applied: the plan is rebuilt from
		// the real values.
		if _, err := w.svc.ApplyReconnect(ctx, db, w.support.ID, reconnectOf(masked, nil)); err != nil {
			t.Fatal(err)
		}
		if p := w.fake.Profile(id); p.Email != u.Email {
			t.Fatalf("SevenRooms email %q; want the app's", p.Email)
		}
		l, err := w.links.GetLink(ctx, db, w.support.ID, u.ID, sevenrooms.Provider)
		if err != nil || l.Snapshot != nil {
			t.Fatalf("support sees the snapshot: %v", err)
		}
		l, err = w.links.GetLink(ctx, db, admin.ID, u.ID, sevenrooms.Provider)
		if err != nil || l.Snapshot == nil {
			t.Fatalf("admin does not see the snapshot: %v", err)
		}
		// The merge's plan is masked the same way in the history.
		ms, err := w.svc.ListMerges(ctx, db, w.support.ID, u.ID)
		if err != nil || len(ms) != 1 {
			t.Fatalf("merges %v %v", ms, err)
		}
		if f, _ := ms[0].Plan.Field(sevenrooms.FieldEmail); f.App.Text == u.Email || f.Result.Text == u.Email {
			t.Fatalf("support reads the merged email in the history: %+v", f)
		}
		if m, err := w.svc.GetMerge(ctx, db, w.support.ID, ms[0].ID); err != nil {
			t.Fatal(err)
		} else if f, _ := m.Plan.Field(sevenrooms.FieldPhone); f.App.Text == u.Phone {
			t.Fatalf("support reads the merged phone: %+v", f)
		}
		if ms, err := w.svc.ListMerges(ctx, db, admin.ID, u.ID); err != nil {
			t.Fatal(err)
		} else if f, _ := ms[0].Plan.Field(sevenrooms.FieldEmail); f.App.Text != u.Email {
			t.Fatalf("admin reads a masked email: %+v", f)
		}
		if _, err := w.svc.PreviewReconnect(ctx, db, usermgmttest.Operator(t, w.um, db, usermgmt.RoleFinance).ID, u.ID, id); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance reconnects: %v", err)
		}
		if _, err := w.svc.UndoReconnect(ctx, db, usermgmttest.Operator(t, w.um, db, usermgmt.RoleFinance).ID, [16]byte{1}, "x"); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance undoes: %v", err)
		}
	})
}
