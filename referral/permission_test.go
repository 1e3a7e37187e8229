package referral_test

import (
	"slices"
	"testing"

	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestPermissionMapping pins the role table documented on Permissions.
func TestPermissionMapping(t *testing.T) {
	t.Parallel()
	users := newUsers(t)
	want := map[usermgmt.OperatorRole][]usermgmt.Permission{
		usermgmt.RoleAdmin:   {referral.PermChangeCredits, referral.PermChangeReferrer, referral.PermManageFlags, referral.PermRead},
		usermgmt.RoleSupport: {referral.PermChangeReferrer, referral.PermRead},
		usermgmt.RoleFinance: {referral.PermChangeCredits, referral.PermManageFlags, referral.PermRead},
	}
	for role, perms := range want {
		all, ok := users.RolePermissions(role)
		if !ok {
			t.Fatalf("no role %s", role)
		}
		var got []usermgmt.Permission
		for _, p := range all {
			if slices.Contains([]usermgmt.Permission{referral.PermRead, referral.PermChangeCredits, referral.PermChangeReferrer, referral.PermManageFlags}, p) {
				got = append(got, p)
			}
		}
		if !slices.Equal(got, perms) {
			t.Errorf("%s holds %v of the referral permissions, want %v", role, got, perms)
		}
	}
	for _, d := range referral.Permissions() {
		if d.Description == "" || !users.KnowsPermission(d.Permission) {
			t.Errorf("definition %+v", d)
		}
	}
}
