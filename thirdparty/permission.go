package thirdparty

import "github.com/userdesk/userdesk/usermgmt"

// The permissions this package and its providers check. A host registers
// them with usermgmt through Config.Permissions (see Permissions).
const (
	// PermReadLinks lets an operator see a user's third-party links, their
	// health and the queue of ambiguous links.
	PermReadLinks usermgmt.Permission = "thirdparty.read_links"
	// PermReconnect lets an operator reconnect a user to another external
	// profile, merge the two field by field, resolve an ambiguous link,
	// check a link's health on demand and unlink.
	PermReconnect usermgmt.Permission = "thirdparty.reconnect"
	// PermUndo lets an operator undo a reconnect within its window.
	PermUndo usermgmt.Permission = "thirdparty.undo_merge"
)

// Permissions returns the package's permission definitions, for
// usermgmt.Config.Permissions. Support reads, reconnects and undoes
// (support handles the seed's "Third-Party Profiles" card); finance reads.
func Permissions() []usermgmt.PermissionDef {
	return []usermgmt.PermissionDef{
		{Permission: PermReadLinks, Description: "See a user's third-party profile links, their health and the ambiguous-link queue.", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport, usermgmt.RoleFinance}},
		{Permission: PermReconnect, Description: "Reconnect a user to a third-party profile with a field-by-field merge, resolve ambiguous links, check and unlink.", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}},
		{Permission: PermUndo, Description: "Undo a reconnect within its undo window.", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}},
	}
}

// Audit actions written by this package and its providers.
const (
	// ActionLinkChange: a link's status, external profile or health
	// changed (by an operator, a health check, a webhook or an automatic
	// link at login).
	ActionLinkChange = "thirdparty.link_change"
	// ActionLinkErase: a link was deleted because its user was erased.
	ActionLinkErase = "thirdparty.link_erase"
	// ActionReconnect: an operator reconnected a user with a merge.
	ActionReconnect = "thirdparty.reconnect"
	// ActionUndo: an operator undid a reconnect.
	ActionUndo = "thirdparty.undo"
)
