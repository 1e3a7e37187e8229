// Package thirdparty links a platform user to a profile in an external
// customer-relationship system (SevenRooms first: see thirdparty/sevenrooms),
// keeps the health of that link, and merges the two profiles field by field.
//
// # Links
//
// A [Link] ties one user to one external profile at one provider; a user
// has at most one link per provider. Its [Status] is linked, broken (with a
// machine-readable [Reason]: not found, deleted, merged elsewhere, wrong
// environment, wrong kind of id, unauthorized, unreachable), ambiguous (an
// automatic link found several candidates and chose none) or unlinked. The
// link keeps a snapshot of the remote profile as last seen; the snapshot
// is personal data and is deleted when the user is erased.
//
// [Service] reads links behind the package's own permissions
// ([PermReadLinks], [PermReconnect], [PermUndo]; register [Permissions]
// in usermgmt.Config.Permissions, [New] refuses a usermgmt service that
// does not know them) and writes them with [Service.SaveLink]: versioned
// (a stale version is [ErrConflict]), one link per provider per user, one
// user per external profile ([ErrTaken]), and an audit record for every
// change of status, reason, environment or external profile. The audit
// record holds provider, status, reason and environment, never the
// external id or the snapshot. Operators without
// usermgmt.PermReadPersonalData get links without their snapshot.
// [Service.Unlink] lets an operator detach a user (versioned, with a
// reason); the external profile is not touched.
//
// Erasure: New registers a usermgmt OnErase hook that deletes the user's
// links (snapshots and candidates with them) in the erase transaction,
// with one audit record per link. The external profiles are not touched.
//
// A failed automatic link is queued on the link row itself (RetryAt,
// Attempts): no separate job table, and a replica that picks a retry
// writes the link with its version like any other change.
//
// # One replica at a time
//
// [RunExclusive] runs a provider's background work (health checks,
// queued retries: sevenrooms.Service.Run) on one replica at a time,
// behind a lease row in userdesk_thirdparty_leases ([AcquireLease],
// [ReleaseLease]) rather than a PostgreSQL advisory lock: it works the
// same on SQLite, does not depend on one pooled connection staying open,
// and shows who holds it. A holder renews every TTL/3 and stops its work
// when a renewal fails; a killed holder's lease expires after TTL and
// another replica takes over. Replicas' clocks must agree to well within
// TTL/3.
//
// # The merge resolver
//
// [Resolve] and [Plan.Decide] are plain Go without I/O. Each [Field] has a
// [Kind], the two sides' values, and when each was last verified. The
// default policy, tried in this order:
//
//   - Equal values collapse: nothing is written. Text is compared trimmed
//     and through the field's Fold (lowercase for emails, digits for
//     phones); multi-valued fields compare as sets, case-insensitively
//     unless a Fold says otherwise (tag names differing only in case are
//     the same tag).
//   - Single-value fields: an empty side takes the other's value; else the
//     more recently verified value wins (a verified value beats an
//     unverified one); else — neither verified, or verified at the same
//     instant — the app's value is kept, because the app account is the
//     one the person controls. Recency of an unverified edit is not used:
//     an update timestamp says when, not who.
//   - Multi-valued fields (alternate emails and phones, tags) are unioned,
//     the app's items first, each item once in its first spelling.
//   - Marketing consent: an opt-out on either side wins and is written to
//     both. An opt-in is not copied by default to a side that recorded no
//     choice. An operator may not turn an opt-out into an opt-in (Decide
//     refuses it): only the person can opt in again.
//   - Birthdays: the year is never guessed. A day and month without a year
//     never replaces or fills a full date of birth on a side that needs
//     one (NeedsYear); the operator types the full date instead. Writing a
//     full date to a side that stores no year keeps day and month.
//
// Each field of the [Plan] records the [Choice] (keep the app's, take the
// provider's, or a typed value), the [Rule] that made it, the result, and
// where it is written ([Side]: app, provider, both or none). Only sides
// that hold the field and differ from the result are written. An
// operator's [Decision] may narrow where a result is written, never widen
// it to a side that does not store the field.
package thirdparty
