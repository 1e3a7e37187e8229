package usermgmt_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// TestUserDetailGuestsAndCategories checks that the guests and categories
// the detail view reads inside the user's statement (JSON aggregation) are
// exactly what ListGuests and UserCategories read on their own: same
// fields, same order (guests by creation then ID, categories by name then
// ID), same masking, times in UTC at microsecond precision, the same JSON.
func TestUserDetailGuestsAndCategories(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		// A clock away from UTC, with a fraction below the microsecond
		// (truncated) and whole seconds (SQLite trims the fraction).
		t0 := time.Date(2026, 3, 4, 11, 12, 13, 123456789, time.FixedZone("CET", 3600))
		clock := usermgmttest.NewClock(t0)
		s := usermgmttest.NewService(t, usermgmt.Config{Now: clock.Now})
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		finance := newOperator(t, s, db, usermgmt.RoleFinance)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		owner := register(t, s, db)
		other := register(t, s, db)

		invite := func(owner *usermgmt.User, email string, roles ...usermgmt.GuestRole) *usermgmt.Guest {
			t.Helper()
			g, _, err := s.InviteGuest(ctx, db, owner.ID, usermgmt.GuestInvite{Email: email, Roles: roles})
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		clock.Set(t0.Add(2 * time.Second).Truncate(time.Second))
		late := invite(owner, "Late.Helper@example.com", usermgmt.GuestViewPayouts, usermgmt.GuestManageBookings)
		clock.Set(t0)
		tie1 := invite(owner, "tie1@example.com", usermgmt.GuestManageMessages)
		tie2 := invite(owner, "tie2@example.com", usermgmt.GuestViewPayouts, usermgmt.GuestManageListings, usermgmt.GuestManageMessages)
		invite(other, "not.mine@example.com", usermgmt.GuestViewPayouts)
		emails := map[uuid.UUID]string{late.ID: late.Email, tie1.ID: tie1.Email, tie2.ID: tie2.Email}
		wantGuests := []uuid.UUID{tie1.ID, tie2.ID, late.ID}
		if tie2.ID.String() < tie1.ID.String() {
			wantGuests[0], wantGuests[1] = tie2.ID, tie1.ID
		}
		// The late invitation is accepted (guest_user_id, accepted_at set).
		clock.Set(t0.Add(time.Hour))
		reg := validRegistration()
		reg.Email = "late.helper@example.com"
		guestUser, err := s.Register(ctx, db, reg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Table("userdesk_guests").
			Set("guest_user_id = ?, accepted_at = ?", guestUser.ID, t0.Add(time.Hour+500*time.Microsecond).UTC()).
			Where("id = ?", late.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		cat := func(slug, name string) *usermgmt.Category {
			t.Helper()
			clock.Advance(time.Second)
			c, err := s.CreateCategory(ctx, db, admin, slug, name)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		caterers1, bakers, caterers2 := cat("caterers", "Caterers"), cat("bakers", "Bakers"), cat("caterers-2", "Caterers")
		cat("zoos", "Zoos") // not the owner's
		wantCats := []uuid.UUID{bakers.ID, caterers1.ID, caterers2.ID}
		if caterers2.ID.String() < caterers1.ID.String() {
			wantCats[1], wantCats[2] = caterers2.ID, caterers1.ID
		}

		for _, tc := range []struct {
			name       string
			categories []uuid.UUID
			want       []uuid.UUID
		}{
			{"without categories", nil, []uuid.UUID{}},
			{"with categories", []uuid.UUID{caterers2.ID, bakers.ID, caterers1.ID}, wantCats},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := s.SetUserCategories(ctx, db, admin, owner.ID, tc.categories); err != nil {
					t.Fatal(err)
				}
				for _, op := range []struct {
					name   string
					id     uuid.UUID
					masked bool
				}{{"support", support, true}, {"finance", finance, false}} {
					t.Run(op.name, func(t *testing.T) {
						d, err := s.GetUserDetail(ctx, db, op.id, owner.ID)
						if err != nil {
							t.Fatal(err)
						}
						guests, err := s.ListGuests(ctx, db, op.id, owner.ID)
						if err != nil {
							t.Fatal(err)
						}
						cats, err := s.UserCategories(ctx, db, owner.ID)
						if err != nil {
							t.Fatal(err)
						}
						if cats == nil {
							cats = []usermgmt.Category{} // the detail view's card is never null
						}
						sameJSON(t, "guests", d.Guests, guests)
						sameJSON(t, "categories", d.Categories, cats)
						var gotGuests, gotCats []uuid.UUID
						for _, g := range d.Guests {
							gotGuests = append(gotGuests, g.ID)
							want := emails[g.ID]
							if op.masked {
								want = usermgmt.MaskEmail(want)
							}
							if g.Masked != op.masked || g.Email != want {
								t.Errorf("guest %s: email %q, masked %v", g.ID, g.Email, g.Masked)
							}
							if !slices.IsSorted(g.Roles) || len(g.Roles) == 0 {
								t.Errorf("guest %s: roles %v", g.ID, g.Roles)
							}
							for _, tm := range []time.Time{g.CreatedAt, g.UpdatedAt} {
								if tm.Location() != time.UTC {
									t.Errorf("guest %s: time %v not in UTC", g.ID, tm)
								}
							}
						}
						if !slices.Equal(gotGuests, wantGuests) {
							t.Errorf("guests in order %v, want %v", gotGuests, wantGuests)
						}
						g := d.Guests[2]
						if !g.CreatedAt.Equal(t0.Add(2*time.Second).Truncate(time.Second)) || g.GuestUserID == nil || *g.GuestUserID != guestUser.ID ||
							g.AcceptedAt == nil || !g.AcceptedAt.Equal(t0.Add(time.Hour+500*time.Microsecond).Truncate(time.Microsecond)) {
							t.Errorf("accepted guest %+v", g)
						}
						if g := d.Guests[0]; !g.CreatedAt.Equal(t0.Truncate(time.Microsecond)) || g.GuestUserID != nil || g.AcceptedAt != nil {
							t.Errorf("pending guest %+v", g)
						}
						for _, c := range d.Categories {
							gotCats = append(gotCats, c.ID)
							if c.CreatedAt.Location() != time.UTC || c.CreatedAt.Nanosecond()%1000 != 0 {
								t.Errorf("category %s: created_at %v", c.Slug, c.CreatedAt)
							}
						}
						if gotCats == nil {
							gotCats = []uuid.UUID{}
						}
						if !slices.Equal(gotCats, tc.want) || d.Categories == nil {
							t.Errorf("categories in order %v, want %v", gotCats, tc.want)
						}
					})
				}
			})
		}
	})
}

// sameJSON fails unless got and want encode to the same JSON.
func sameJSON(tb testing.TB, what string, got, want any) {
	tb.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		tb.Fatal(err)
	}
	if string(g) != string(w) {
		tb.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
