package usermgmt_test

import (
	"testing"

	"github.com/userdesk/userdesk/usermgmt"
)

func TestStatusPolicy(t *testing.T) {
	t.Parallel()
	caps := []usermgmt.Capability{usermgmt.CanLogIn, usermgmt.CanBeSeen, usermgmt.CanBook, usermgmt.CanContact}
	for _, tc := range []struct {
		status usermgmt.Status
		want   [4]bool
	}{
		{usermgmt.StatusLive, [4]bool{true, true, true, true}},
		{usermgmt.StatusInReview, [4]bool{true, false, false, false}},
		{usermgmt.StatusInvalidated, [4]bool{false, false, false, false}},
		{usermgmt.Status("deleted?"), [4]bool{false, false, false, false}},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			for i, c := range caps {
				if got := tc.status.Allows(c); got != tc.want[i] {
					t.Errorf("Allows(%d) = %v, want %v", c, got, tc.want[i])
				}
			}
		})
	}
	if usermgmt.Status("nope").Valid() || !usermgmt.StatusInReview.Valid() {
		t.Fatal("Valid")
	}
}
