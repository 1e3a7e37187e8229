// Package api is the reference server's JSON API over usermgmt, fees and
// impersonation: the back office (/admin/v1), a stand-in front office
// (/v1) and the platform documents (health, OpenAPI, impersonation keys).
//
// Build it with New on the host's database and services and serve
// Handler. The file a host copies is the server's wiring
// (examples/server/app.go), not this package: a host's own API borrows
// the patterns below.
//
// # Shape
//
//   - routes.go lists every route: its constant, its handler and the kind
//     of caller it authenticates, in one bind function per area.
//   - Three adapters authenticate once and hand the handler its caller:
//     public, operator (a live session of an active operator) and user (a
//     user session, or an impersonation token; a read-only impersonation
//     may only GET and HEAD). Permissions are never checked here: the
//     library call the handler makes checks them.
//   - Handlers decode, call the library, encode, and return an error; one
//     table (problem.go) maps errors to a status and a stable snake_case
//     code in an RFC 9457 problem document. The OpenAPI document lists
//     every code, and a test reads the source to keep the list complete.
//   - Files are named by resource: admin_user_fees.go, me_password.go.
//
// # Decisions
//
//   - Unknown routes answer 404 route_not_found and a known path with the
//     wrong method 405 method_not_allowed (with Allow), as problem
//     documents like every other error.
//   - A UUID in a path must be spelled canonically (lowercase,
//     hyphenated): any other spelling is 400 invalid_path_parameter, so a
//     resource has one URL.
//   - A body is one JSON object: empty, null, an array or a scalar body is
//     400 invalid_body; unknown fields are 400 unknown_field.
//   - A body whose Content-Length exceeds Config.MaxBodyBytes is answered
//     413 body_too_large before any of it is read; the server then reads
//     and discards up to 64 MiB of it so that a client that sends the
//     whole body without waiting for 100-continue reads the 413 instead of
//     a connection reset. A chunked body (no Content-Length) is read up
//     to the limit before any handler runs, and one that goes past it is
//     answered the same 413 and drained the same way, whatever the route.
//   - Database failures (lost connections, timeouts, PostgreSQL classes
//     08, 53, 57, serialization failures and deadlocks, SQLite busy and
//     locked) are 503 database_unavailable with Retry-After, never 401:
//     an outage must not log a browser out.
//   - Logins and PUT /v1/me/password are throttled in the database, so
//     that every replica shares the counts (see throttle.go for the
//     arithmetic): per account from one address, per account from every
//     address, per address. Delays double from 1 s to 15 min; there is no
//     hard lockout, and an address the account logged in from in the last
//     90 days is not held back by the account-wide count, so an attacker
//     elsewhere cannot lock the owner out. Accounts are keyed on the email
//     folded as the library folds it (trim, NFC, lower case). Keys are
//     stored as SHA-256 hashes: no email or address in clear.
//   - Every state-changing PUT about a user (status, fees, categories,
//     verifications, password) takes the user's version, as the version
//     field or If-Match, like PATCH: the library write takes it
//     (usermgmt.IfVersion), checks the write's permission, then the
//     version, and makes the change with one version bump in the UPDATE
//     that locks the user, so concurrent writers get one 200 and 409
//     version_conflict (never a 500 or a lost edit), and one write moves
//     the version by exactly 1. The answer carries
//     the new version and is built from what the transaction returned; a
//     PATCH whose detail view cannot be read after its commit answers the
//     updated user rather than an error. Operator roles and activity are
//     versioned the same way (the operator's version). PUT /v1/me/password
//     and PUT /v1/me/bank-account take no version: only the user writes
//     them, and the password one proves itself with the current password.
//   - A version missing from a versioned PUT is 400 naming version
//     (refused before the write, after the permission check).
//   - Operator management needs operators.manage (usermgmt's
//     OperatorPermissions, which New requires the Service to know).
//   - POST /v1/me/guests answers the invitation token so that the flow can
//     be tried without mail; a host emails it to the guest instead. Guest
//     invitations, their acceptance and the user's bank account are
//     refused under an impersonation (usermgmt.NotImpersonated), like the
//     password.
//   - SevenRooms (admin_user_sevenrooms.go): a SevenRooms failure is the
//     upstream's, 502/503/504 with a sevenrooms_* code, never a 500. The
//     webhook answers problem documents like every other route
//     (HandleWebhook; the library's WebhookHandler answers plain text for
//     hosts without this API). A login and a registration call AutoLink
//     (bounded by its LoginBudget) and never fail because of it.
//   - The impersonation keys are published at
//     GET /.well-known/userdesk/impersonation-keys in PASERK k4.public
//     form with their key ids, and with the implicit assertion
//     (ImplicitAssertion) that every token's signature covers.
//   - Verification (package verification, Config.Verification, required
//     because registration must not tell whether an address has an
//     account): POST /v1/register answers 202 with one fixed body whether
//     the address was new or taken (the 409 email_taken of registration is
//     gone; the owner of a taken address gets a message instead), and logs
//     nobody in. "Resend my link", "forgot my password" and a change of
//     address answer the same fixed body on both paths too. PATCH /v1/me
//     with a new email does not write it: it calls RequestEmailChange in
//     the transaction of the rest of the update (a refused change undoes
//     the rest), keeps the old address and answers pending_email; an
//     update of the email alone checks no version (the link is the proof).
//   - Errors of package verification: invalid_link 400 (unknown, used,
//     replaced, expired: not told apart), wrong_code 400 with
//     current.checks_left, no_live_code 409, already_verified 409,
//     rate_limited 429 with Retry-After and current.limit naming the limit.
//   - PUT /admin/v1/users/{uid}/id-verification is versioned like the
//     checkbox route it stands beside; the user detail (GET
//     /admin/v1/users/{uid}) carries id_verification_evidence.
//   - GET /dev/outbox (every queued message with its live links and
//     codes) is bound always, so that the route list and the OpenAPI
//     document never depend on the configuration, and answers 404
//     route_not_found unless Config.DevOutbox (the server's demo mode).
//   - Many server replicas on one database (behind any load balancer, no
//     sticky sessions): operator and user sessions, their logout,
//     impersonation tokens and their revocation, and the login throttle
//     live in the database, so every replica answers the same
//     (TestThreeReplicasBehindABalancer). Per replica, by design: the
//     SevenRooms client's token cache and its rate limit (one
//     authentication per replica, and N replicas may send up to N times
//     ClientConfig.RateLimit: divide it by the replica count), and the
//     read-your-writes memory of sqldb.Replicas (see there). The server's
//     background work (maintenance, outbox delivery, SevenRooms) runs on
//     one replica at a time under lease rows (examples/server/app.go).
package api
