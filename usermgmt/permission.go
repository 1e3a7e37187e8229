package usermgmt

import "sort"

// Permission is a named right of an operator. Operators get permissions
// through roles.
type Permission string

// The permissions the library checks.
const (
	PermReadUsers         Permission = "users.read"
	PermReadPersonalData  Permission = "users.read_personal_data"
	PermEditProfile       Permission = "users.edit_profile"
	PermChangeStatus      Permission = "users.change_status"
	PermSetPassword       Permission = "users.set_password"
	PermEditFees          Permission = "users.edit_fees"
	PermEditCategories    Permission = "users.edit_categories"
	PermEditVerifications Permission = "users.edit_verifications"
	PermManageGuests      Permission = "users.manage_guests"
	PermImpersonate       Permission = "users.impersonate"
	// PermManageImpersonations lets an operator revoke other operators'
	// impersonation tokens and every token for a user (see package
	// usermgmt/impersonation); revoking one's own needs PermImpersonate.
	PermManageImpersonations Permission = "users.manage_impersonations"
	PermExport               Permission = "users.export"
	PermDelete               Permission = "users.delete"
	PermEditSettings         Permission = "platform.edit_settings"
)

// AllPermissions lists every permission, sorted.
func AllPermissions() []Permission {
	all := []Permission{
		PermReadUsers, PermReadPersonalData, PermEditProfile, PermChangeStatus, PermSetPassword,
		PermEditFees, PermEditCategories, PermEditVerifications, PermManageGuests,
		PermImpersonate, PermManageImpersonations, PermExport, PermDelete, PermEditSettings,
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all
}

// The built-in roles.
const (
	// RoleAdmin holds every permission.
	RoleAdmin = "admin"
	// RoleSupport helps users: reads (masked) profiles, edits them, changes
	// status, sets passwords, categories, verifications and guests, and
	// impersonates. It may not read personal data, export, delete, edit
	// fees or platform settings.
	RoleSupport = "support"
	// RoleFinance handles money: reads users with personal data, edits
	// fees and exports.
	RoleFinance = "finance"
)

// BuiltinRoles returns the built-in roles and their permissions. A host
// adds its own roles, or redefines these, through Config.Roles.
func BuiltinRoles() map[string][]Permission {
	return map[string][]Permission{
		RoleAdmin: AllPermissions(),
		RoleSupport: {
			PermReadUsers, PermEditProfile, PermChangeStatus, PermSetPassword,
			PermEditCategories, PermEditVerifications, PermManageGuests, PermImpersonate,
		},
		RoleFinance: {PermReadUsers, PermReadPersonalData, PermEditFees, PermExport},
	}
}
