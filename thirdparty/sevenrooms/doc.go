// Package sevenrooms links platform users to SevenRooms guest profiles:
// the API client, link parsing, link health, auto-link at login, and
// reconnect with a field-by-field merge and undo. A fake SevenRooms API
// for tests and local demos is in sevenrooms/sevenroomstest.
//
// What is known of the SevenRooms API, and how sure it is, is in
// ../shared/sevenrooms/API-NOTES.md; its reference is not public. The
// parts graded "?" there (search, create and update of clients, the
// client-profile URL, the kind of client ids, webhook authenticity) are
// behind the [API] interface and configuration, and marked ASSUMED in the
// fake, so they can be checked against a real sandbox.
//
// # Client
//
// [Client] runs on net/http with an injectable *http.Client, base URL,
// clock, sleep and jitter. It authenticates with POST {base}/auth
// (form-encoded client_id and client_secret), sends the token as is in
// Authorization (no "Bearer"), caches it until its stated expiration minus
// a margin (a missing expiration counts 12 h), and re-authenticates once
// per request when refused (HTTP 401, or a message containing "Permission
// denied" or "Token is not valid", even under HTTP 200). Many concurrent
// refusals share one authentication: a token is forgotten only if it is
// still the cached one, and one authentication at a time runs, its result
// shared by every waiter.
//
// Retries: 429 always; 5xx, 408 and timeouts for idempotent calls only
// (POST clients is not retried on 5xx, since the write may have happened:
// create is keyed by external_user_id for that reason). The wait is full
// jitter on an exponential backoff, or the server's Retry-After when
// longer, both capped by RetryMax (60 s). Each attempt is bounded by
// RequestTimeout. A token bucket (600 requests a minute by default) limits
// the client itself. Lists read data.results, or data.<entity> (the other
// envelope shape), and data.cursor, until either is empty; past MaxPages
// they return what they read and a *PageCapError whose cursor resumes the
// list: never a silent truncation. Every failure is an *APIError matching
// one sentinel: ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound,
// ErrDeleted (GetProfile of a deleted client returns the profile too),
// ErrConflict, ErrRateLimited, ErrTimeout, ErrUpstream.
//
// # Ids and pasted links
//
// SevenRooms ids are App Engine urlsafe datastore keys; [DecodeKey] reads
// one without any network call, which tells production from demo (the
// application id) and the entity kind. [LinkParser] accepts a pasted
// manager profile URL (hosts and path patterns are configuration; query
// string and fragment are ignored; a missing scheme is tolerated) or a
// bare client id, and refuses other hosts, URLs with credentials or a
// port, guest-facing booking pages, other manager pages, malformed ids,
// ids of the other environment (also a demo host holding a production id)
// and ids of other kinds, each with a *usermgmt.ValidationError on field
// "link" whose message says what was expected. It never fetches the
// pasted URL: only the decoded id is ever sent, to the configured API.
//
// # Link health
//
// A check ([Service.CheckLink] on demand, [Service.CheckDue] periodically,
// [Service.HandleWebhook] on client webhooks) marks a link broken with its
// reason: wrong environment or wrong kind (decided locally, no call),
// not found, deleted, merged elsewhere (the profile's external_user_id
// names another app user), unauthorized (401/403), unreachable (no answer
// or 5xx). Unreachable is recorded as broken so the operator sees that the
// last check failed; the next successful check restores it, and a
// periodic round stops at the first unreachable link so that an outage
// does not paint every link red. The periodic checker takes the links
// checked longest ago, at most CheckRate a minute. Only status changes are
// audited; a check that finds the link as it was only refreshes the check
// time and the snapshot.
//
// Webhooks: SevenRooms' authenticity mechanism is not documented, so
// [Service.WebhookHandler] ASSUMES an HMAC-SHA256 of "<timestamp>.<body>"
// under a shared secret (HeaderSignature), a Unix timestamp within
// WebhookTolerance (HeaderTimestamp) and a delivery id (HeaderDelivery).
// Accepted delivery ids are kept in the database for twice the tolerance,
// so a replay is refused (409) on every replica; the delivery is
// remembered in the transaction that processes it, so a delivery that
// failed is processed when redelivered. A host whose account signs
// differently verifies itself and calls [Service.ProcessWebhook]. A client
// "deleted" event turns the link red at once.
//
// # Auto-link at login
//
// [Service.AutoLink] never guesses. It searches by the verified phone,
// then the verified email: one match is linked; several make the link
// ambiguous with every candidate (name, visit count, last update) for an
// operator, and nothing is copied into the app. With no verified match,
// profiles matching an unverified phone or email also make the link
// ambiguous (a profile is never created next to a possible duplicate).
// With no match at all, the profile is created keyed by the user id in
// external_user_id (ASSUMED idempotent) and linked. The whole attempt is
// bounded by LoginBudget (2 s); a failure or timeout queues a retry on the
// link row (RetryBackoff doubling up to 6 h, MaxAttempts) that
// [Service.RunRetries] or [Service.Run] picks up; a login before the retry
// is due does not call SevenRooms. AutoLink returns an error only for a
// database failure, which the host logs without failing the login. A user
// already linked, broken or ambiguous is left as is.
//
// # Reconnect with merge, and undo
//
// [Service.PreviewReconnect] parses the pasted link, fetches the profile
// and shows the app user and the profile side by side with the resolver's
// defaults (package thirdparty), the number of duplicates (other live
// profiles sharing the profile's phone or email), and the versions the
// apply must match. Operators without usermgmt.PermReadPersonalData see
// emails and phones masked (and no snapshots); they can still keep either
// side, since the apply rebuilds the plan from the real values.
//
// [Service.SearchCandidates] finds the live profiles an operator may
// reconnect a user to (by a given phone or email, or the user's own),
// without linking or copying anything. [Service.ListMerges] and
// [Service.GetMerge] mask the plans' emails and phones as the preview
// does.
//
// [Service.ApplyReconnect] claims the link with a versioned write first
// (two operators at once: one wins, the other gets thirdparty.ErrConflict
// before anything is written), refuses a user or profile changed since the
// preview, runs the app update once in a rolled-back transaction (so a
// refusal known in advance never touches SevenRooms), records the plan
// and the restoring write, then writes SevenRooms, then the app user
// (usermgmt.UpdateUser, versioned) and the link in one transaction. The
// SevenRooms write also sets the profile's external_user_id to the user's
// id (undo restores it), so that health checks and idempotent creation
// recognise the profile as this user's. If
// that transaction fails, SevenRooms is restored (merge "compensated");
// if restoring fails too, the merge is "partial" with the owed write,
// a *PartialError is returned, and [Service.RetryMerge] or
// [Service.RunMergeRetries] settles it. A merge left "applying" by a
// stopped process for 10 minutes is settled the same way. Another
// reconnect of the user waits until a partial merge is settled.
//
// [Service.UndoReconnect] works within UndoWindow (24 h). It refuses with
// a conflict when the app user's version moved since the merge or when a
// field the merge wrote to SevenRooms no longer holds the merged value
// (fields it did not write may have changed). It restores SevenRooms
// first, then the app user and the link (back to the previous profile, or
// unlinked); if the latter fails, the merged values are written back to
// SevenRooms, or the merge is left partial. Known limit: usermgmt's
// UserUpdate cannot clear a date of birth, so an undo cannot remove one
// that the merge added to a user who had none.
//
// The merged fields are those both sides store: first and last name,
// email, phone, birthday, preferred language and the postal address.
// Alternate emails and phones, tags and marketing consent exist only in
// SevenRooms (the app user has no such fields), so they are not merged;
// the resolver supports them for a host whose users carry them.
//
// # Permissions, audit and erasure
//
// The operations check thirdparty's permissions (PermReadLinks,
// PermReconnect, PermUndo). Every link change is audited by thirdparty; a
// reconnect and an undo are audited with the operator's reason and the
// names of the written fields (never their values). Erasing a user deletes
// the user's merges and their snapshots (and, through thirdparty, the
// links) inside usermgmt's erase transaction; the SevenRooms profile is
// left alone, it belongs to the venue.
package sevenrooms
