package verification

import "github.com/userdesk/userdesk/usermgmt"

// The package's operator permissions. Pass Permissions() in
// usermgmt.Config.Permissions.
const (
	// PermSendPasswordReset lets an operator send a user a password-reset
	// link (the alternative to choosing a password for them).
	PermSendPasswordReset usermgmt.Permission = "verification.send_password_reset"
	// PermSetIDVerification lets an operator set or clear a user's ID
	// verification with evidence (a reason and a KYC reference).
	PermSetIDVerification usermgmt.Permission = "verification.set_id_verification"
)

// Permissions returns the package's permission definitions: both go to
// RoleSupport by default (and, as every permission, to RoleAdmin).
func Permissions() []usermgmt.PermissionDef {
	return []usermgmt.PermissionDef{
		{Permission: PermSendPasswordReset, Description: "Send a user a single-use password-reset link.", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}},
		{Permission: PermSetIDVerification, Description: "Set or clear a user's ID verification, with a reason and a KYC reference.", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}},
	}
}
