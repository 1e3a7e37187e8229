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
// # Who acts: the naming convention
//
// Every method says by its shape who acts, and so what is checked:
//
//   - An operator acts: the method takes the operator's ID as its first
//     argument after the database (actor), checks the permission with
//     [Service.Authorize] inside its transaction, audits the change, and
//     masks personal data in what it returns unless the operator holds
//     [PermReadPersonalData] ([Service.GetUser], [Service.UpdateUser],
//     [Service.ChangeStatus], …).
//   - The user acts on their own account (front office): the method is
//     named Own… and takes the user's ID ([Service.GetOwnUser],
//     [Service.UpdateOwnProfile], [Service.ChangeOwnPassword]). No
//     permission check, no audit record; under an impersonation (the
//     context carries an [Impersonator], put there by package
//     usermgmt/impersonation) the operator's permissions decide what is
//     masked, clear views are audited, and credentials cannot be changed
//     ([ErrUnderImpersonation]).
//   - An automatic flow acts (an email link, a PSP webhook): the method is
//     named …BySystem or says so ([Service.SetVerificationBySystem],
//     [Service.SetPSPDetails]): no permission check.
//   - The host acts (setup, operator administration from its own code):
//     host paths say "Host path: no permission check" in their
//     documentation ([Service.CreateOperator], [Service.SetOperatorRoles]).
//
// # Extension points for packages built on usermgmt
//
// Packages such as verification, referral, thirdparty and
// usermgmt/activity meet usermgmt, never each other:
//
//   - Permissions: each exports its constants and a []PermissionDef that
//     the host passes in [Config.Permissions]; admin gets every known
//     permission, the built-in roles each definition names get it, and
//     [Service.KnowsPermission] lets a package's constructor refuse a host
//     that forgot to register them.
//   - Hooks inside the caller's transaction: [Service.OnStatusChange],
//     [Service.OnProfileChange] (changed field names and the actor),
//     [Service.OnErase] (delete or anonymise the package's personal data),
//     [Service.OnPasswordSet].
//   - [Service.Authorize] and [Service.RecordAudit] for their own operator
//     actions, [Invalid] and [ValidationError.Add] for their bad input, and
//     package usermgmt/usermgmttest for their tests.
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
// writes nothing. The operator's other writes about a user (status, fees,
// categories, verifications, password) take the version the operator
// read through [IfVersion]: the change and its one version bump are one
// UPDATE in the write's transaction, so one write moves the version by
// exactly 1; a guarded write that changes nothing still claims the
// version (decision: of concurrent writers at one version exactly one
// succeeds).
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
// registered with [Service.OnStatusChange] inside its transaction. [New]
// registers one itself: a user whose new status forbids logging in, or who
// is erased, loses every session in the same transaction; and
// [Service.ResolveSession] refuses the session of such a user
// ([ErrLoginRefused]) even when a host changed the status behind the
// library's back.
//
// # Personal data and who sees it
//
// [PersonalFields] lists what counts as personal data: email, phone, date
// of birth, postal and location addresses, the PSP's identifier and the
// bank account. Support (no [PermReadPersonalData]) sees "no personal
// data": every operator read — [Service.GetUser], [Service.GetUserDetail],
// [Service.ListGuests], the users list, exports — returns those fields
// masked and says so (User.Masked, Guest.Masked, ListRow.Masked); the
// derived search columns are cleared too. Names, company, picture,
// languages, time zone and country of residence stay visible: support
// finds and helps users by them. Erased users are [ErrNotFound] in every
// operator read. An impersonating operator sees through the Own… reads
// exactly what the back office would show them, and each clear view of
// personal data is audited ([ActionPersonalDataView]). The public profile
// ([Service.GetPublicProfile]) is assembled here, hidden by the status
// policy ([ErrProfileHidden]).
//
// # Operators and permissions
//
// Operators are not users: they have their own table, log in to the back
// office only ([Service.AuthenticateOperator]) and act through the
// [Permission]s of their roles. The built-in roles are admin (everything),
// support (no personal data, exports, deletion, fees or settings) and
// finance (personal data, fees, exports, impersonation); roles are
// [OperatorRole]s, not to be confused with a user's [Role]. A host adds or
// redefines roles in
// [Config.Roles] — role definitions live in code, operators' role names in
// the database. Every operator-facing method takes the acting operator's ID
// and checks the permission itself ([Service.Authorize], with
// [Service.Can] for an operator already loaded), returning a
// [*PermissionError] that matches [ErrForbidden]; a deactivated operator is
// refused everything at once. Creating operators, changing their roles and
// deactivating them are host paths without a permission check.
//
// # Audit log
//
// Every operator mutation writes an [AuditRecord] in its own transaction:
// operator, user, action, time (UTC), reason, the names of the changed
// fields, and before/after values only for non-personal fields (status,
// roles, type, fees, flags). The log is append-only: triggers refuse
// UPDATE and DELETE on both dialects (and TRUNCATE on PostgreSQL). Reasons
// are free text that operators type and that do name people and quote
// tickets, so they are kept beside the log (userdesk_audit_reasons, keyed
// by record and user) rather than in it: erasing the user deletes them and
// the log itself never changes. (Crypto-shredding — reasons encrypted
// under a per-user key that erasure destroys — was the alternative; a side
// table needs no key management and reads with one join.)
// [Service.AuditTrail] pages through a user's records, newest first.
//
// # The detail view
//
// Everything the detail view shows about a user is in [User] (presentation
// and identity cards, PSP details, side-card [Counters], fee override,
// [Verifications], status) or one call away: [Service.GetBankAccount],
// [Service.UserCategories], [Service.ListGuests], [Service.GetUserFees].
//
//   - Bank account: holder, IBAN (country, length and mod-97 checksum
//     checked) and BIC, sealed with AES-256-GCM under a key the host
//     supplies ([BankKeyring], key IDs stored so keys rotate; the user's ID is
//     bound as additional data). Operators see it masked (country code and
//     last 4: "FR ••• 0189"); the clear value needs
//     [PermReadPersonalData] and every reveal is audited.
//   - PSP details are written by the host's PSP webhook
//     ([Service.SetPSPDetails]).
//   - Counters (listings, bookings as asker and as offeror, reviews received
//     and made) belong to the host's tables; the library keeps them with
//     [Service.AdjustCounters] (one conditional UPDATE, safe under concurrent
//     calls, all or nothing, never below zero) and [Service.SetCounters]
//     for reconciliation.
//   - Fees: the override from package fees, in nullable columns so that an
//     empty field (platform standard) and 0 (no fee) stay apart, plus the
//     "use standard platform fees" switch, which keeps the user's values.
//   - Categories: a catalog ([Service.CreateCategory]) and each user's set,
//     replaced in one call ([Service.SetUserCategories]).
//   - Verifications: ID, email and phone flags, each with when and by which
//     operator it was set (no operator: an automatic flow,
//     [Service.SetVerificationBySystem]).
//   - Guests: a user invites others by email with [GuestRole]s; the token is
//     stored hashed; an operator edits an invitation's email (which replaces
//     the token) and roles; accepting links the guest's own account, whose
//     email must be the invited one.
//   - Password: an operator sets one with a matching confirmation, checked
//     NIST SP 800-63B style ([Service.CheckPassword]: 8 characters or more,
//     any characters, passphrases of 64 and more always accepted, shorter
//     ones refused when on the common-password list, which a host extends
//     with [Config.PasswordDenylist]). It is temporary by default (the user
//     must choose a new one at the next login, [User.PasswordTemporary]),
//     audited without the password, and the host is told through
//     [Service.OnPasswordSet].
//
// [Service.GetUserDetail] reads all of it in one statement after the
// permission check: the user with roles, languages, the guests with their
// roles and the categories (JSON aggregation subqueries), the sealed bank
// record and the platform settings the fee card resolves against (LEFT
// JOINs). A back-office request needs one more:
// [Service.ResolveOperatorSession] reads the session, the operator and its
// roles (hence its permissions) in one statement, and
// [Service.WithOperator] hands that operator to the request's library
// calls, whose [Service.Authorize] then checks it without reading it
// again — the detail request is two statements in all. The operator is
// the one of the request's start; a deactivation that commits meanwhile
// applies from the next request. [Service.GetUserDetailBySession] folds
// the two into one statement and one round trip for the user page, the
// back office's most frequent request: the session's operator and the
// user read side by side (the user LEFT JOINed), the checks then made in
// the same order (session, permission, user), nothing of the user
// returned unless all pass. On PostgreSQL the session statement was half
// of the database's work per detail view (BENCHMARKS.md, issue 18).
// examples/server/api pins the statement count of every authenticated
// route (TestRouteStatementCounts).
//
// # Erasure: what is kept and why
//
// [Service.EraseUser] is a GDPR erasure, not a row delete. Every piece of
// personal data in the library's tables goes: names, email, phone,
// picture, languages, time zone, company, date of birth, country,
// addresses, password hash, PSP identifiers, the fee override,
// verification flags, categories, the bank account, the guest invitations
// made by the user and those addressed to them, and the counters. A
// tombstone stays — UID, creation time, status Invalidated, deleted at and
// deleted by — because the host's bookings, listings and payments refer to
// the UID and must stay valid, and because a UID must never be reused. The
// audit log stays too (it holds no personal data); the reasons typed about
// the user are deleted from beside it, and the impersonation package
// blanks its token reasons, through [Service.OnErase]. The email is free
// for a new registration at once. Reads and writes of a tombstone return
// [ErrNotFound]. On SQLite the erased values are zeroed in the database
// file (secure_delete) and the write-ahead log is checkpointed; on
// PostgreSQL dead row versions stay until VACUUM (see [Service.EraseUser]).
//
// # Users list
//
// [Service.ListUsers] serves the operators' list view: one page of users
// ([ListRow]: picture, names, email, phone, preferred language, time zone,
// fees mode, status, dates, booking and listing counters, UID) matching a
// [ListQuery]. Erased users never appear. Filters are optional and combine
// with AND: role ([RoleFilter]), statuses, has a listing, spoken languages
// (any of a set; "en" also matches "en-GB"), creation date range (from
// inclusive, to exclusive), standard versus customized fees (the rule of
// fees.Override.Mode), the three verification flags, category. The keyword
// box searches first and last name, full name, email, phone and company as
// substrings, ignoring case and accents and folding the letters that do
// not decompose (Ø, Ł, ı, ß: [NormalizeSearch], one normaliser for both
// dialects); several words must all match, in any order; a keyword of
// digits and phone punctuation also matches the phone's digits (a national
// 0 or international 00 dropped); a UID or a complete email address finds
// exactly its user. For an operator who sees email and phone masked, the
// search is no oracle: email and phone match only complete (see
// [ListQuery.Keyword]), names, company and UID stay substrings.
//
// Orders ([ListSort]): creation date (default, newest first), last update,
// and alphabetical (last name then first name, compared on a key
// normalised in Go so both databases agree), each in both directions.
// Pagination is keyset on (sort key, UID): a page costs the same at any
// depth, and concurrent inserts never make a row skipped or repeated. The
// cursor is opaque and bound to its query; anything else gets
// [ErrInvalidCursor]. Pages hold 1–200 rows (50 by default) and never
// count; [Service.CountUsers] answers "how many" exactly.
//
// Counts without a keyword and with no filter but statuses and roles read
// counters instead of users: userdesk_user_counts holds the number of
// users (erased left out) per status and role mask (asker, offeror, both,
// none), 12 cells, and a count is a sum of cells. Triggers keep them, not
// the library's write paths: every write to userdesk_users and
// userdesk_user_roles changes them in its own transaction, whoever makes
// it — the library, a host's own SQL, a migration, a bulk load — so the
// counters cannot drift from the rows and no write path can forget them.
// On PostgreSQL the triggers insert deltas rather than update a row per
// cell: concurrent registrations and status changes would otherwise queue
// on a dozen hot rows and could deadlock by taking two cells in opposite
// orders; every 256th delta folds the table back into one row per cell
// (one statement, under a transaction-scoped advisory lock, leaving the
// deltas of open transactions for the next fold). A role change locks
// its user's row first so that it and a concurrent status change see each
// other. SQLite has one writer, so its cells are rows updated in place.
// TestCountCellsStayExact checks the cells against COUNT(*) after
// parallel registrations, status and role changes and erasures on both
// databases. Other counts (keywords, other filters) stay exact scans whose
// cost grows with the matches (about 150 ms for a million on PostgreSQL).
//
// Email and phone are masked ([MaskEmail], [MaskPhone]: "j•••@e•••.com",
// "+33 •• •• •• 12") unless the operator holds [PermReadPersonalData];
// the same functions mask the detail view and the exports.
//
// On PostgreSQL, pg_trgm GIN indexes make substring search an index search
// and partial B-tree indexes match each order; no list query scans the
// users table sequentially. On SQLite a keyword goes through an FTS5
// index with the trigram tokenizer (modernc.org/sqlite ships SQLite 3.54
// with FTS5; the trigram tokenizer needs 3.34) over the same normalised
// columns (userdesk_user_search: search_text and name_text). FTS5 keys
// its rows by an integer rowid, which the UUID-keyed users table has only
// implicitly (VACUUM may renumber it), so userdesk_user_search_ids gives
// every live user a stable INTEGER PRIMARY KEY that the index rows use
// and that maps back to the UID. Triggers on the search columns keep the
// index in step in the transaction of every write of those columns —
// internal/searchtext's values written by registration and updates, the
// migrations' rebuild (migrations/go_steps.go), erasure (the user leaves
// the index, whose deletes are FTS5 secure-deletes so that no trigram of
// an erased user lingers) — which is the one code path that also fills
// PostgreSQL's pg_trgm-indexed columns. The index is read with MATCH of
// a quoted phrase per word and column ("search_text : \"mar\"", a quote
// doubled), never with LIKE: FTS5 serves LIKE from the trigrams but then
// reads and checks the text of every candidate (454 ms to count "mar" at
// a million users), and without an ESCAPE clause only, so a word's own %
// and _ were wildcards there. A phrase's trigrams at consecutive positions
// are the substring itself, and inside the quotes every character is
// literal (% _ * - : ( ) ^ AND OR NOT NEAR), so for a word of 3 characters
// or more MATCH finds exactly the rows LIKE '%word%' finds, reading the
// index's lists only; the search columns and keywords are lowercase ASCII
// (NormalizeSearch), where the tokenizer's case folding and LIKE's agree
// (a word with another character would be checked with LIKE as well).
// Words of 1 or 2 characters have no trigram and are checked with LIKE.
// TestKeywordSearchLiteralCharacters pins these edges on both databases.
// A page probes each eligible word for up to 5,000 matches: a rare or
// absent word starts from its matches, a frequent one walks the sort
// index with LIKE, which finds a page within a few thousand rows. A count
// by keyword alone counts the MATCH of every eligible word in the index
// (which holds exactly the live users) without reading the users or any
// text (10 ms for "mar", 88,000 matches, at a million users); a count by
// keyword and other filters starts from the index's matches and reads
// their users (CROSS JOIN: the planner would otherwise walk the status
// index of nearly every user and test each against the matches); its cost
// grows with the matches (about 0.8 s for "mar" among live users at a
// million: one random read of a user row per match). On SQLite a page
// sorted by name or update time checks the status row by row while it
// walks that order's index ("+u.status"), instead of starting from the
// status index and sorting every live user; the role probes come after
// the status, listings and language checks, so that they run only for
// the rows those kept.
// TestKeywordSearchSameOnBothDatabases checks that both databases
// give the same users and counts. (External-content or contentless FTS5
// tables would save the copy of the text, but a count by keyword alone
// checks its 1- and 2-character words with LIKE on the index's own text,
// and an external content table must share the users' rowid.)
//
// A filtered page walks the sort index of its order (created, updated or
// name: (sort key, UID) partial B-trees), checking the filters on the way
// until the page is full. On PostgreSQL every filter a frequent page uses
// is inside that index: status and listings_count ride along since
// migration 20261122000006, and since migration 20261203000401 the roles
// and spoken languages too, as columns of userdesk_users kept by
// statement triggers on userdesk_user_roles and userdesk_user_languages
// (like the counters: whoever writes, in the writer's transaction; an
// erased user's are emptied with its rows). role_mask is the counters'
// mask (1 asker + 2 offeror; a role filter is a set of masks);
// language_keys holds each spoken tag and its primary subtag ("fr-CA"
// gives fr and fr-CA), so that a filter "fr", which matches "fr" and
// "fr-*", and a filter "fr-CA", which matches itself, are both one
// overlap (&&) with the filter's tags. The page is then an index-only
// walk that reads nothing else (before, every row walked was probed in
// both join tables: about 4,300 random index reads for a page of 51
// live offeror-askers speaking French with a listing, sorted by name, at
// a million users). The price is one more row version of userdesk_users
// per statement that changes a user's roles or languages (none when the
// statement leaves them as they were), not a HOT update, so every index
// of the users, the trigram ones included, gets an entry: adding a
// language to 20,000 users in one statement took 15 s instead of 1.4 s at
// a million users (about 0.7 ms a user); and wider sort indexes (107 MB
// for the name index at a million, freshly built).
// TestListFiltersEqualExists compares every combination of role,
// language, status and listing filters with the EXISTS probes on a
// generated population. SQLite keeps the EXISTS probes: its list indexes
// and its LIKE (case-insensitive for ASCII, unlike PostgreSQL's) are its
// own, and it was not measured with the columns; the category filter
// probes userdesk_user_categories on both.
//
// The hot statements — the operator's session, the detail view's user,
// and a list page without a keyword, a date range or a category — are
// compiled (SQLite) or prepared (PostgreSQL) once per connection when the
// database was opened by sqldb: their values are bound as arguments
// (internal/hotsql), so SQLite's compile and
// PostgreSQL's parse and plan are paid once per connection, not on every
// request. A list page's text then depends only on the filters' shape and
// the page size; its cursor is the bound argument. Keywords, dates and
// category IDs are values an operator types or picks freely, so their
// pages stay one-off text, written in full by bun: caching them would
// crowd each connection's cache (32 statements on SQLite, pgx's LRU of
// 512 on PostgreSQL) with statements used once. Every such statement
// still runs through bun (its query hooks, and sqldb.Replicas for the
// list), and a database opened some other way gets bun's inlined text.
//
// # Exports
//
// [Service.ExportUsers] writes the current search (same keyword, filters
// and sort; the zero query exports everyone) as CSV or XLSX. It needs
// [PermExport]; personal data follows [PermReadPersonalData]. Rows stream
// from the database in keyset batches straight to the writer in both
// formats, so memory stays flat (about 60 MB for a million rows). Text
// cells that a spreadsheet would run as a formula get a leading "'";
// numbers and dates are typed cells in XLSX; past 1,048,575 rows an XLSX
// export continues on a new sheet. Only a complete export writes an audit
// record ([ActionUsersExport]: operator, format, criteria without the
// keyword, row count); a cancelled or failed one stops before its next
// batch and records nothing. The XLSX writer is the package's own minimal
// streaming one: excelize's StreamWriter still assembles the whole file in
// memory when it is written out (337 MB at a million rows), which the
// flat-memory promise cannot afford; excelize only reads files back in the
// tests.
//
// [Service.ExportOwnData] is the user's own data export (GDPR art. 15 and
// 20), what usermgmt holds of them in clear: the account, the bank
// account, the guests and the categories; packages built on usermgmt add
// their parts beside it (usermgmt/activity's ExportOwnActivity). It is the
// user's alone: under an impersonation, even a full one, it is refused
// ([ErrUnderImpersonation]), since operators read a user's data through
// the back office's masked and audited views, not as one download.
//
// # Errors
//
// Errors match the sentinels with errors.Is: [ErrNotFound], [ErrInvalid]
// (a [*ValidationError] naming each bad field by its JSON name and rule),
// [ErrConflict] ([ErrStaleVersion], [ErrEmailTaken]), [ErrForbidden]
// ([ErrUnderImpersonation], [ErrViewNotShared]), [ErrProfileHidden], [ErrInvalidCredentials],
// [ErrLoginRefused], [ErrSessionInvalid], [ErrInvalidCursor],
// [ErrCounterNegative], [ErrNoBankKey], [ErrPasswordMismatch],
// [ErrMalformedHash]; all are declared in one place.
//
// # Platform settings
//
// One row of settings ([Settings]) holds the standard fee schedule and its
// currency, the default initial status and the platform mode.
// [GetSettings] reads it.
//
// # Saved views
//
// The back office's users list can be saved as a [SavedView]: a name and
// the list's URL query (the paging cursor dropped), owned by an operator
// holding PermReadUsers and optionally shared with one operator role the
// owner holds ([Service.SaveView], at most [MaxSavedViews] per owner).
// [Service.ListViews] returns one's own views, then those shared with
// one's roles; [Service.OpenView] refuses a view that is neither
// ([ErrViewNotShared]) — the role is checked at every opening, so taking
// a role away closes the views shared with it — and the list it opens
// checks its own permissions again; only the owner deletes
// ([Service.DeleteView]). Table userdesk_saved_views (migration
// 20261202000601).
package usermgmt
