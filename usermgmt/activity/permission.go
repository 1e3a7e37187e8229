package activity

import "github.com/userdesk/userdesk/usermgmt"

// The permissions of this package. Register them with usermgmt through
// Permissions().
const (
	// PermReadActivity lets an operator read a user's reservations,
	// events (with the operator actions of the audit log) and devices.
	// Email and phone attributes of events come masked unless the
	// operator also holds usermgmt.PermReadPersonalData.
	PermReadActivity usermgmt.Permission = "activity.read"
	// PermRevokeDevices lets an operator revoke a user's device: its
	// sessions end and its push token is dropped.
	PermRevokeDevices usermgmt.Permission = "activity.revoke_devices"
)

// Permissions returns this package's permission definitions, for
// usermgmt.Config.Permissions. Support gets both by default (admin gets
// every permission).
func Permissions() []usermgmt.PermissionDef {
	return []usermgmt.PermissionDef{
		{
			Permission:  PermReadActivity,
			Description: "Read a user's reservations, events and devices.",
			Roles:       []usermgmt.OperatorRole{usermgmt.RoleSupport},
		},
		{
			Permission:  PermRevokeDevices,
			Description: "Revoke a user's device: end its sessions and drop its push token.",
			Roles:       []usermgmt.OperatorRole{usermgmt.RoleSupport},
		},
	}
}
