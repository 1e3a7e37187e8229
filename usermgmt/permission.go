package usermgmt

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Permission is a named right of an operator. Operators get permissions
// through roles. The catalogue is open: usermgmt's own permissions are
// below, and packages built on usermgmt declare theirs (PermissionDef) for
// the host to pass in Config.Permissions.
type Permission string

// The permissions of usermgmt itself.
const (
	// PermReadUsers lets an operator read users: the list, the detail
	// view, the audit trail. Personal data comes masked without
	// PermReadPersonalData.
	PermReadUsers Permission = "users.read"
	// PermReadPersonalData lets an operator see personal data in clear
	// (see PersonalFields) and search by fragments of email and phone.
	PermReadPersonalData Permission = "users.read_personal_data"
	// PermEditProfile lets an operator edit a user's profile.
	PermEditProfile Permission = "users.edit_profile"
	// PermChangeStatus lets an operator change a user's status.
	PermChangeStatus Permission = "users.change_status"
	// PermSetPassword lets an operator set a temporary password.
	PermSetPassword Permission = "users.set_password"
	// PermEditFees lets an operator set a user's fee override.
	PermEditFees Permission = "users.edit_fees"
	// PermEditCategories lets an operator set a user's categories.
	PermEditCategories Permission = "users.edit_categories"
	// PermEditVerifications lets an operator set verification flags.
	PermEditVerifications Permission = "users.edit_verifications"
	// PermManageGuests lets an operator edit a user's guest users.
	PermManageGuests Permission = "users.manage_guests"
	// PermImpersonate lets an operator impersonate a user (package
	// usermgmt/impersonation) and revoke its own impersonations.
	PermImpersonate Permission = "users.impersonate"
	// PermExport lets an operator export the users list (CSV, XLSX).
	PermExport Permission = "users.export"
	// PermDelete lets an operator erase a user (GDPR).
	PermDelete Permission = "users.delete"
	// PermEditSettings lets an operator edit the platform settings.
	PermEditSettings Permission = "platform.edit_settings"
)

// PermManageImpersonations lets an operator revoke other operators'
// impersonation tokens and every token for a user. It is declared by
// usermgmt (so that the impersonation package and the host share one
// constant) and registered like any other package's permission: it is in
// ImpersonationPermissions, which New adds to the catalogue itself.
const PermManageImpersonations Permission = "users.manage_impersonations"

// PermissionDef declares a permission to the catalogue of a Service. A
// package built on usermgmt exports its permission constants and a
// function returning their definitions; the host passes those in
// Config.Permissions.
type PermissionDef struct {
	// Permission is the name, "area.verb_object" by convention
	// ("referral.change_credits").
	Permission Permission
	// Description says in one English sentence what it allows.
	Description string
	// Roles are the built-in operator roles that are granted the
	// permission by default (RoleSupport, RoleFinance). RoleAdmin is
	// granted every known permission whatever this says. A role the host
	// redefines in Config.Roles gets exactly what the host lists.
	Roles []OperatorRole
}

// ImpersonationPermissions are the permission definitions of package
// usermgmt/impersonation that live in usermgmt's catalogue from the start.
func ImpersonationPermissions() []PermissionDef {
	return []PermissionDef{{
		Permission:  PermManageImpersonations,
		Description: "Revoke other operators' impersonation tokens and every token for a user.",
	}}
}

// AllPermissions lists usermgmt's own permissions and those of
// ImpersonationPermissions, sorted. A Service may know more
// (Service.KnownPermissions).
func AllPermissions() []Permission {
	all := []Permission{
		PermReadUsers, PermReadPersonalData, PermEditProfile, PermChangeStatus, PermSetPassword,
		PermEditFees, PermEditCategories, PermEditVerifications, PermManageGuests,
		PermImpersonate, PermExport, PermDelete, PermEditSettings,
	}
	for _, d := range ImpersonationPermissions() {
		all = append(all, d.Permission)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all
}

// OperatorRole names a role of back-office operators (not to be confused
// with Role, a user's role on the marketplace).
type OperatorRole string

// The built-in operator roles.
const (
	// RoleAdmin holds every permission the Service knows, those of other
	// packages included.
	RoleAdmin OperatorRole = "admin"
	// RoleSupport helps users: reads (masked) profiles, edits them, changes
	// status, sets passwords, categories, verifications and guests, and
	// impersonates. It may not read personal data, export, delete, edit
	// fees or platform settings.
	RoleSupport OperatorRole = "support"
	// RoleFinance handles money: reads users with personal data, edits
	// fees, exports, and impersonates (seeing the user's pages in clear,
	// each view audited).
	RoleFinance OperatorRole = "finance"
)

// BuiltinRoles returns the built-in roles and usermgmt's permissions for
// them. A host adds its own roles, or redefines these, through
// Config.Roles; Config.Permissions adds other packages' permissions to
// them.
func BuiltinRoles() map[OperatorRole][]Permission {
	return map[OperatorRole][]Permission{
		RoleAdmin: AllPermissions(),
		RoleSupport: {
			PermReadUsers, PermEditProfile, PermChangeStatus, PermSetPassword,
			PermEditCategories, PermEditVerifications, PermManageGuests, PermImpersonate,
		},
		RoleFinance: {PermReadUsers, PermReadPersonalData, PermEditFees, PermExport, PermImpersonate},
	}
}

// buildRoles resolves the role table of a Service from its config: the
// built-in roles, the host's roles (which replace a built-in role of the
// same name), and the other packages' permissions granted to the built-in
// roles they name, with admin holding every known permission.
func buildRoles(cfg Config) (known map[Permission]bool, roles map[OperatorRole]map[Permission]bool, err error) {
	known = map[Permission]bool{}
	for _, p := range AllPermissions() {
		known[p] = true
	}
	for i, d := range cfg.Permissions {
		if d.Permission == "" {
			return nil, nil, fmt.Errorf("usermgmt: config: permissions[%d]: empty permission name", i)
		}
		known[d.Permission] = true
	}
	defs := BuiltinRoles()
	for _, d := range cfg.Permissions {
		for _, r := range d.Roles {
			if _, builtin := defs[r]; !builtin {
				return nil, nil, fmt.Errorf("usermgmt: config: permission %q names %q, which is not a built-in role", d.Permission, r)
			}
			defs[r] = append(defs[r], d.Permission)
		}
	}
	for name, perms := range cfg.Roles {
		defs[name] = perms
	}
	if _, redefined := cfg.Roles[RoleAdmin]; !redefined {
		defs[RoleAdmin] = nil
		for p := range known {
			defs[RoleAdmin] = append(defs[RoleAdmin], p)
		}
	}
	roles = map[OperatorRole]map[Permission]bool{}
	for name, perms := range defs {
		if name == "" {
			return nil, nil, fmt.Errorf("usermgmt: config: empty role name")
		}
		set := map[Permission]bool{}
		for _, p := range perms {
			if !known[p] {
				return nil, nil, fmt.Errorf("usermgmt: config: role %q grants unknown permission %q", name, p)
			}
			set[p] = true
		}
		roles[name] = set
	}
	return known, roles, nil
}

// KnowsPermission reports whether p is in the Service's catalogue:
// usermgmt's own permissions and those passed in Config.Permissions. A
// package built on usermgmt calls it from its constructor to tell a host
// that forgot to register its permissions.
func (s *Service) KnowsPermission(p Permission) bool { return s.known[p] }

// KnownPermissions lists the Service's catalogue, sorted.
func (s *Service) KnownPermissions() []Permission {
	out := make([]Permission, 0, len(s.known))
	for p := range s.known {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// RolePermissions returns the permissions a role grants, sorted, and
// whether the role exists.
func (s *Service) RolePermissions(r OperatorRole) ([]Permission, bool) {
	set, ok := s.roles[r]
	out := make([]Permission, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, ok
}

// Roles lists the operator roles the Service knows, sorted.
func (s *Service) Roles() []OperatorRole {
	out := make([]OperatorRole, 0, len(s.roles))
	for r := range s.roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Permissions returns the permissions an operator's roles grant, sorted.
func (s *Service) Permissions(op *Operator) []Permission {
	set := map[Permission]bool{}
	for _, r := range op.Roles {
		for p := range s.roles[r] {
			set[p] = true
		}
	}
	out := make([]Permission, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Can reports whether op is active and one of its roles grants p.
func (s *Service) Can(op *Operator, p Permission) bool {
	if op == nil || !op.Active {
		return false
	}
	for _, r := range op.Roles {
		if s.roles[r][p] {
			return true
		}
	}
	return false
}

// Authorize loads the acting operator and checks that it is active and
// holds p. Every operator-facing method of this package calls it inside its
// transaction; packages built on usermgmt and hosts call it for their own
// operator actions.
// Returns a *PermissionError (ErrForbidden); an unknown operator is
// forbidden too. When ctx carries the operator (Service.WithOperator), it
// is checked without a statement.
func (s *Service) Authorize(ctx context.Context, db bun.IDB, actor uuid.UUID, p Permission) (*Operator, error) {
	op, ok := s.operatorFromContext(ctx, actor)
	var err error
	if !ok {
		op, err = getOperator(ctx, db, "id = ?", actor)
	}
	if errors.Is(err, ErrNotFound) {
		return nil, &PermissionError{Permission: p}
	}
	if err != nil {
		return nil, err
	}
	if !op.Active {
		return nil, &PermissionError{Permission: p, Inactive: true}
	}
	if !s.Can(op, p) {
		return nil, &PermissionError{Permission: p}
	}
	return op, nil
}
