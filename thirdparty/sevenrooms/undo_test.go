package sevenrooms_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
)

// applied runs a reconnect of a verified user to the remote profile,
// taking the provider's first name, from a previous (deleted) link.
func applied(t *testing.T, w *world) (*usermgmt.User, string, string, *sevenrooms.Merge) {
	t.Helper()
	ctx := context.Background()
	u := w.user(t, true)
	old := w.linkTo(t, u.ID, sevenrooms.Profile{FirstName: "Old"})
	id := w.fake.AddProfile(remote())
	pv, err := w.svc.PreviewReconnect(ctx, w.db, w.support.ID, u.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	m, err := w.svc.ApplyReconnect(ctx, w.db, w.support.ID, reconnectOf(pv, map[string]thirdparty.Decision{
		sevenrooms.FieldFirstName: {Choice: thirdparty.TakeProvider},
	}))
	if err != nil {
		t.Fatal(err)
	}
	return u, old, id, m
}

func TestUndo(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u, old, id, m := applied(t, w)
		w.clock.Advance(time.Hour)
		if _, err := w.svc.UndoReconnect(ctx, db, w.support.ID, m.ID, ""); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("no reason: %v", err)
		}
		undone, err := w.svc.UndoReconnect(ctx, db, w.support.ID, m.ID, "wrong profile")
		if err != nil {
			t.Fatal(err)
		}
		if undone.Status != sevenrooms.MergeUndone || undone.UndoneBy == nil {
			t.Fatalf("merge %+v", undone)
		}
		got := w.reload(t, u.ID)
		if got.FirstName != u.FirstName {
			t.Fatalf("app first name %q; want %q", got.FirstName, u.FirstName)
		}
		p := w.fake.Profile(id)
		r := remote()
		if p.Email != r.Email || p.PhoneNumber != r.PhoneNumber || p.BirthdayDay != r.BirthdayDay || p.FirstName != r.FirstName || p.ExternalUserID != "" {
			t.Fatalf("SevenRooms not restored: %+v", p)
		}
		if l := w.link(t, u.ID); l.ExternalID != old || l.Status != thirdparty.StatusLinked {
			t.Fatalf("link %+v; want back to %s", l, old)
		}
		if w.audits(t, thirdparty.ActionUndo) != 1 {
			t.Fatal("no undo audit record")
		}
		if _, err := w.svc.UndoReconnect(ctx, db, w.support.ID, m.ID, "again"); !errors.Is(err, thirdparty.ErrConflict) {
			t.Fatalf("second undo: %v", err)
		}
	})
}

func TestUndoConflicts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		t.Run("app changed since", func(t *testing.T) {
			w := newWorld(t, db)
			u, _, id, m := applied(t, w)
			cur := w.reload(t, u.ID)
			if _, err := w.um.UpdateOwnProfile(ctx, db, u.ID, usermgmt.UserUpdate{Version: cur.Version, LastName: ptr("Martin")}); err != nil {
				t.Fatal(err)
			}
			before := *w.fake.Profile(id)
			if _, err := w.svc.UndoReconnect(ctx, db, w.support.ID, m.ID, "undo"); !errors.Is(err, thirdparty.ErrConflict) {
				t.Fatalf("err = %v; want ErrConflict", err)
			}
			if p := w.fake.Profile(id); p.Email != before.Email || p.FirstName != before.FirstName {
				t.Fatal("SevenRooms changed by a refused undo")
			}
		})
		t.Run("SevenRooms changed since", func(t *testing.T) {
			w := newWorld(t, db)
			u, _, id, m := applied(t, w)
			w.fake.EditProfile(id, func(p *sevenrooms.Profile) { p.Email = "staff.typed@example.com" })
			if _, err := w.svc.UndoReconnect(ctx, db, w.support.ID, m.ID, "undo"); !errors.Is(err, thirdparty.ErrConflict) {
				t.Fatalf("err = %v; want ErrConflict", err)
			}
			if got := w.reload(t, u.ID); got.FirstName != "Camila" {
				t.Fatal("app changed by a refused undo")
			}
		})
		t.Run("SevenRooms changed an unmerged field: fine", func(t *testing.T) {
			w := newWorld(t, db)
			_, _, id, m := applied(t, w)
			w.fake.EditProfile(id, func(p *sevenrooms.Profile) { p.Notes = "window seat" })
			if _, err := w.svc.UndoReconnect(ctx, db, w.support.ID, m.ID, "undo"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("window passed", func(t *testing.T) {
			w := newWorld(t, db, func(c *sevenrooms.Config) { c.UndoWindow = time.Hour })
			_, _, _, m := applied(t, w)
			w.clock.Advance(time.Hour + time.Second)
			if _, err := w.svc.UndoReconnect(ctx, db, w.support.ID, m.ID, "undo"); !errors.Is(err, sevenrooms.ErrUndoExpired) {
				t.Fatalf("err = %v; want ErrUndoExpired", err)
			}
		})
	})
}

// The app user changes while an undo restores SevenRooms: the undo
// fails, SevenRooms gets the merged values back (or the merge is left
// partial, owing that write, when SevenRooms refuses it too).
func TestUndoCompensation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		for _, refuse := range []bool{false, true} {
			w := newWorld(t, db)
			u, _, id, m := applied(t, w)
			merged := *w.fake.Profile(id)
			w.api.afterNextUpdate(func() {
				cur := w.reload(t, u.ID)
				if _, err := w.um.UpdateOwnProfile(ctx, db, u.ID, usermgmt.UserUpdate{Version: cur.Version, LastName: ptr("Martin")}); err != nil {
					t.Error(err)
				}
				if refuse {
					w.fake.Inject(sevenroomstest.Fault{Path: "clients/", Method: "PUT", Status: 503, Times: 2})
				}
			})
			_, err := w.svc.UndoReconnect(ctx, db, w.support.ID, m.ID, "undo")
			if !errors.Is(err, usermgmt.ErrStaleVersion) {
				t.Fatalf("refuse=%v: err = %v", refuse, err)
			}
			got, gerr := w.svc.GetMerge(ctx, db, w.support.ID, m.ID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if !refuse {
				if got.Status != sevenrooms.MergeApplied || got.UndoneAt != nil {
					t.Fatalf("merge %+v", got)
				}
				if p := w.fake.Profile(id); p.Email != merged.Email || p.FirstName != merged.FirstName {
					t.Fatalf("merged values not written back: %+v", p)
				}
				continue
			}
			if !errors.Is(err, sevenrooms.ErrPartial) || got.Status != sevenrooms.MergePartial || got.Pending == nil || got.Pending.Step != "reapply" {
				t.Fatalf("merge %+v, err %v", got, err)
			}
			if got, err = w.svc.RetryMerge(ctx, db, &w.support.ID, m.ID); err != nil || got.Status != sevenrooms.MergeApplied {
				t.Fatalf("retry: %+v, %v", got, err)
			}
			if p := w.fake.Profile(id); p.Email != merged.Email {
				t.Fatalf("merged values not written back: %+v", p)
			}
		}
	})
}
