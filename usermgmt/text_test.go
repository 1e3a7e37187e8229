package usermgmt_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		s  string
		ok bool
	}{{"Ødegård", true}, {"", true}, {"a\x00b", false}, {"\xff", false}, {"tab\tok", true}} {
		err := usermgmt.CheckText("name", tc.s)
		var verr *usermgmt.ValidationError
		if tc.ok != (err == nil) || err != nil && (!errors.As(err, &verr) || !verr.Has("name")) {
			t.Errorf("CheckText(%q) = %v", tc.s, err)
		}
	}
}

// TestNULAndBlankInputIsRefused: a NUL byte in any string a call takes,
// and a required name of only white space, is a *ValidationError naming
// the field on both databases (PostgreSQL would refuse the NUL with an
// error of its own), and nothing is written.
func TestNULAndBlankInputIsRefused(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		u := register(t, s, db)
		str := func(v string) *string { return &v }
		for _, tc := range []struct {
			name, field string
			call        func() error
		}{
			{"register first name", "first_name", func() error {
				r := validRegistration()
				r.FirstName = "Ad\x00a"
				_, err := s.Register(ctx, db, r)
				return err
			}},
			{"register blank last name", "last_name", func() error {
				r := validRegistration()
				r.LastName = " \t "
				_, err := s.Register(ctx, db, r)
				return err
			}},
			{"register address", "postal_address.line1", func() error {
				r := validRegistration()
				r.PostalAddress.Line1 = "1 rue\x00"
				_, err := s.Register(ctx, db, r)
				return err
			}},
			{"register language", "spoken_languages[1]", func() error {
				r := validRegistration()
				r.SpokenLanguages = []string{"fr", "e\x00n"}
				_, err := s.Register(ctx, db, r)
				return err
			}},
			{"update city", "location_address.city", func() error {
				addr := u.LocationAddress
				addr.City = "Pa\x00ris"
				_, err := s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: u.Version, LocationAddress: &addr})
				return err
			}},
			{"update blank first name", "first_name", func() error {
				_, err := s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: u.Version, FirstName: str("   ")})
				return err
			}},
			{"status reason", "reason", func() error {
				_, err := s.ChangeStatus(ctx, db, admin, u.ID, usermgmt.StatusInReview, "fraud\x00")
				return err
			}},
			{"erase reason", "reason", func() error { return s.EraseUser(ctx, db, admin, u.ID, "gdpr\x00") }},
			{"category name", "name", func() error {
				_, err := s.CreateCategory(ctx, db, admin, "cats", "Ca\x00ts")
				return err
			}},
			{"login email", "email", func() error {
				_, err := s.Authenticate(ctx, db, "a\x00@example.com", "x")
				return err
			}},
			{"operator login email", "email", func() error {
				_, err := s.AuthenticateOperator(ctx, db, "a\x00@example.com", "x")
				return err
			}},
			{"list keyword", "keyword", func() error {
				_, err := s.ListUsers(ctx, db, admin, usermgmt.ListQuery{Keyword: "mu\x00ller"})
				return err
			}},
			{"list language", "languages[0]", func() error {
				_, err := s.ListUsers(ctx, db, admin, usermgmt.ListQuery{Languages: []string{"f\x00r"}})
				return err
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				var verr *usermgmt.ValidationError
				if !errors.As(err, &verr) || !verr.Has(tc.field) {
					t.Fatalf("got %v, want a validation error naming %s", err, tc.field)
				}
			})
		}
		after, err := s.GetUser(ctx, db, admin, u.ID)
		if err != nil || after.Version != u.Version || after.Status != u.Status || after.Deleted() {
			t.Fatalf("the user changed: %v %+v", err, after)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_categories"); n != 0 {
			t.Fatalf("%d categories", n)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_users"); n != 1 {
			t.Fatal(fmt.Sprint(n, " users"))
		}
	})
}
