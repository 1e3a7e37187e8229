// Package usermgmt manages a marketplace's users for its back office: the
// platform's vendors ("offerors") and customers ("askers"), the operators
// who look after them, the status policy, the audit log and the
// platform-wide settings.
//
// # Using it
//
// Build one [Service] with [New] and keep it; it holds no database handle.
// Every operation takes a context.Context first and a bun.IDB, so the host
// runs it on its own *bun.DB or inside its own transaction (the operation
// then runs in a savepoint: when it fails it leaves nothing behind, and when
// the host rolls back, everything it wrote goes too, audit records
// included). The tables are created by package migrations and start with
// "userdesk_".
//
// # Users
//
// A [User] is a vendor, a customer or both ([RoleAsker], [RoleOfferor]). On
// a "switch" platform a user may hold both roles; on a "non-switch" one
// exactly one ([Settings.PlatformMode]); registration and updates refuse
// otherwise. Users register themselves ([Service.Register]); there is
// deliberately no operator path that creates a user. Emails are unique
// whatever their letter case: the lowercased form carries the unique index.
// Passwords are hashed with argon2id (OWASP parameters by default, stored
// with the hash, upgraded at the next login when raised), and concurrent
// hashing is bounded so a burst of logins cannot exhaust memory.
//
// [Service.Authenticate] answers an unknown email and a wrong password with
// the same error after the same work, so it cannot reveal who has an
// account. Updates are partial ([UserUpdate]: nil fields are kept) and
// guarded by the version: a stale version returns [ErrStaleVersion] and
// writes nothing.
//
// # Status policy
//
// A user is [StatusLive], [StatusInReview] or [StatusInvalidated].
// [Status.Allows] is the single source of truth of what each allows; hosts
// ask it rather than compare statuses:
//
//	status        log in  profile seen  book  contact
//	live          yes     yes           yes   yes
//	in_review     yes     no            no    no
//	invalidated   no      no            no    no
//
// New users start with the platform's default ([Settings.DefaultUserStatus]:
// live unless the platform reviews new accounts). [Service.ChangeStatus]
// takes the acting operator and a reason, is audited, and calls the hooks
// registered with [Service.OnStatusChange] inside its transaction (for
// example to end an invalidated user's sessions).
//
// # Operators and permissions
//
// Operators are not users: they have their own table, log in to the back
// office only ([Service.AuthenticateOperator]) and act through the
// [Permission]s of their roles. The built-in roles are admin (everything),
// support (no personal data, exports, deletion, fees or settings) and
// finance (personal data, fees, exports); a host adds or redefines roles in
// [Config.Roles] — role definitions live in code, operators' role names in
// the database. Every operator-facing method takes the acting operator's ID
// and checks the permission itself ([Service.Authorize]), returning a
// [*PermissionError] that matches [ErrForbidden]; a deactivated operator is
// refused everything at once. Creating operators, changing their roles and
// deactivating them are host paths without a permission check.
//
// # Audit log
//
// Every operator mutation writes an [AuditRecord] in its own transaction:
// operator, user, action, time (UTC), reason, the names of the changed
// fields, and before/after values only for non-personal fields (status,
// roles, type, fees, flags). Personal data never enters the log, so erasing
// a user never touches it and the log stays append-only: triggers refuse
// UPDATE and DELETE on both dialects (and TRUNCATE on PostgreSQL).
// [Service.AuditTrail] pages through a user's records, newest first.
//
// # Errors
//
// Errors match the sentinels with errors.Is: [ErrNotFound], [ErrInvalid]
// (a [*ValidationError] naming each bad field by its JSON name),
// [ErrConflict] ([ErrStaleVersion], [ErrEmailTaken]), [ErrForbidden],
// [ErrInvalidCredentials], [ErrLoginRefused], [ErrInvalidCursor].
//
// # Platform settings
//
// One row of settings ([Settings]) holds the standard fee schedule and its
// currency, the default initial status and the platform mode.
// [GetSettings] reads it.
package usermgmt
