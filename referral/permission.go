package referral

import (
	"github.com/userdesk/userdesk/usermgmt"
)

// The permissions of package referral, in usermgmt's open catalogue. The
// host passes Permissions() in usermgmt.Config.Permissions; New refuses a
// usermgmt.Service that does not know them.
const (
	// PermRead lets an operator read a user's referral data: the card
	// (code, referrer, balance, ledger, referees) and the ledger pages.
	PermRead usermgmt.Permission = "referral.read"
	// PermChangeCredits lets an operator set a user's referral credits to
	// a number or step them by one.
	PermChangeCredits usermgmt.Permission = "referral.change_credits"
	// PermChangeReferrer lets an operator change or remove a user's
	// referrer, with a reason; audited.
	PermChangeReferrer usermgmt.Permission = "referral.change_referrer"
	// PermManageFlags lets an operator list abuse flags and clear them
	// with a reason.
	PermManageFlags usermgmt.Permission = "referral.manage_flags"
)

// Permissions returns the definitions of the package's permissions and the
// built-in roles that get them by default (usermgmt.RoleAdmin gets every
// permission anyway):
//
//	permission                 support  finance
//	referral.read                 x        x
//	referral.change_credits                x
//	referral.change_referrer      x
//	referral.manage_flags                  x
//
// Support answers "my friend invited me but I forgot the code" (changing a
// referrer, which moves no credit); credits are a reward with a money value
// and abuse flags are fraud review, both finance's.
func Permissions() []usermgmt.PermissionDef {
	return []usermgmt.PermissionDef{
		{Permission: PermRead, Description: "Read a user's referral code, referrer, credits ledger and referees.",
			Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport, usermgmt.RoleFinance}},
		{Permission: PermChangeCredits, Description: "Set a user's referral credits or step them up or down by one.",
			Roles: []usermgmt.OperatorRole{usermgmt.RoleFinance}},
		{Permission: PermChangeReferrer, Description: "Change or remove a user's referrer, with a reason.",
			Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}},
		{Permission: PermManageFlags, Description: "List referral abuse flags and clear them with a reason.",
			Roles: []usermgmt.OperatorRole{usermgmt.RoleFinance}},
	}
}
